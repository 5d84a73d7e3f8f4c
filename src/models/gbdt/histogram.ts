/**
 * @module models/gbdt/histogram
 * Gradient/hessian/count histograms of a leaf: layout (3 doubles per bin, features back to back),
 * the accumulation kernel and the subtraction trick (larger child = parent − smaller child).
 * The kernel is self-contained on purpose: histogram-pool.ts ships its source to a worker thread.
 */
import type { BinnedData } from './binning.ts';

/** Where each feature's bins start inside one histogram (in doubles). */
export interface HistogramLayout {
  /** Length numFeatures + 1: feature f occupies [offsets[f], offsets[f + 1]). */
  readonly offsets: Int32Array;
  /** Doubles per histogram (= offsets[numFeatures]). */
  readonly size: number;
}

/** Slots per bin: sum of gradients, sum of hessians, row count. */
export const SLOTS = 3;

/** Layout of the histograms of a binned table. */
export function histogramLayout(binned: BinnedData): HistogramLayout {
  const offsets = new Int32Array(binned.numFeatures + 1);
  for (let f = 0; f < binned.numFeatures; f++) offsets[f + 1] = offsets[f]! + binned.features[f]!.numBins * SLOTS;
  return { offsets, size: offsets[binned.numFeatures]! };
}

/**
 * Fills the histograms of features [fFrom, fTo) with `used[f] === 1` for the rows
 * `rows[rowBegin .. rowBegin + count)`; `grad`/`hess` are ordered like those rows (index 0 = first
 * row). With `constHess` > 0 every hessian equals it and only gradients and counts are summed.
 * Features go two per pass over the rows (row index and gradients loaded once for both: measured
 * ~1.5× faster than one at a time); each bin still sums its rows in row order, so results do not
 * depend on the pairing. Must not reference anything outside its parameters: histogram-pool.ts
 * ships its source to a worker thread.
 */
export function accumulateHistogram(
  bins: Uint8Array,
  numRows: number,
  rows: Int32Array,
  rowBegin: number,
  count: number,
  grad: Float32Array,
  hess: Float32Array,
  hist: Float64Array,
  histBase: number,
  offsets: Int32Array,
  used: Uint8Array,
  fFrom: number,
  fTo: number,
  constHess: number,
): void {
  let f = fFrom;
  for (;;) {
    while (f < fTo && used[f] !== 1) f++;
    if (f >= fTo) return;
    const a = f++;
    while (f < fTo && used[f] !== 1) f++;
    const b = f < fTo ? f++ : -1;
    const sa = histBase + offsets[a]!;
    const ba = a * numRows;
    hist.fill(0, sa, histBase + offsets[a + 1]!);
    if (b < 0) {
      for (let i = 0; i < count; i++) {
        const k = sa + 3 * bins[ba + rows[rowBegin + i]!]!;
        hist[k]! += grad[i]!;
        if (constHess <= 0) hist[k + 1]! += hess[i]!;
        hist[k + 2]! += 1;
      }
      if (constHess > 0) for (let k = sa; k < histBase + offsets[a + 1]!; k += 3) hist[k + 1] = hist[k + 2]! * constHess;
      return;
    }
    const sb = histBase + offsets[b]!;
    const bb = b * numRows;
    hist.fill(0, sb, histBase + offsets[b + 1]!);
    if (constHess > 0) {
      for (let i = 0; i < count; i++) {
        const r = rows[rowBegin + i]!;
        const g = grad[i]!;
        const ka = sa + 3 * bins[ba + r]!;
        const kb = sb + 3 * bins[bb + r]!;
        hist[ka]! += g;
        hist[ka + 2]! += 1;
        hist[kb]! += g;
        hist[kb + 2]! += 1;
      }
      for (let k = sa; k < histBase + offsets[a + 1]!; k += 3) hist[k + 1] = hist[k + 2]! * constHess;
      for (let k = sb; k < histBase + offsets[b + 1]!; k += 3) hist[k + 1] = hist[k + 2]! * constHess;
    } else {
      for (let i = 0; i < count; i++) {
        const r = rows[rowBegin + i]!;
        const g = grad[i]!;
        const h = hess[i]!;
        const ka = sa + 3 * bins[ba + r]!;
        const kb = sb + 3 * bins[bb + r]!;
        hist[ka]! += g;
        hist[ka + 1]! += h;
        hist[ka + 2]! += 1;
        hist[kb]! += g;
        hist[kb + 1]! += h;
        hist[kb + 2]! += 1;
      }
    }
  }
}

/** parent −= child over the used features: turns the parent's histogram into the larger child's. */
export function subtractHistogram(
  hist: Float64Array,
  parentBase: number,
  childBase: number,
  layout: HistogramLayout,
  used: Uint8Array,
): void {
  const { offsets } = layout;
  for (let f = 0; f + 1 < offsets.length; f++) {
    if (used[f] !== 1) continue;
    const from = offsets[f]!;
    const to = offsets[f + 1]!;
    for (let k = from; k < to; k++) hist[parentBase + k]! -= hist[childBase + k]!;
  }
}
