/**
 * @module models/gbdt/dcg
 * DCG pieces shared by the LambdaMART objective and the NDCG metric, with LightGBM's conventions:
 * gain = labelGain[label], discount at 0-based rank i = 1 / log2(2 + i).
 */

/** Discount of the 0-based rank `i`. */
export function discount(i: number): number {
  return 1 / Math.log2(2 + i);
}

/** Ideal DCG of the top k of labels[start, start + count). */
export function maxDcgAtK(labels: Float32Array, start: number, count: number, k: number, labelGain: readonly number[]): number {
  const sorted = Float64Array.from(labels.subarray(start, start + count)).sort().reverse();
  let dcg = 0;
  const n = Math.min(k, count);
  for (let i = 0; i < n; i++) dcg += labelGain[sorted[i]!]! * discount(i);
  return dcg;
}

/**
 * Positions start..start+count−1 ordered by score descending; ties keep row order (like
 * std::stable_sort in LightGBM). Writes into `out[0, count)`.
 */
export function sortByScore(scores: ArrayLike<number>, start: number, count: number, out: Int32Array): Int32Array {
  const idx = out.subarray(0, count);
  for (let i = 0; i < count; i++) idx[i] = i;
  idx.sort((a, b) => scores[start + b]! - scores[start + a]! || a - b);
  return idx;
}
