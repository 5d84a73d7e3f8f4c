/**
 * @module models/gbdt/metrics
 * Validation metrics with LightGBM's conventions: l2 (mean squared error), binary logloss,
 * AUC (ties count one half), and NDCG@k where a query without relevant documents scores 1.
 */
import type { GbdtDataset } from './dataset.ts';
import { queryBoundaries } from './dataset.ts';
import { discount, maxDcgAtK, sortByScore } from './dcg.ts';
import type { GbdtMetricName } from './params.ts';

const EPS = 1e-15;

/** Mean of (raw − label)². */
export function l2(raw: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += (raw[i]! - labels[i]!) ** 2;
  return labels.length === 0 ? 0 : sum / labels.length;
}

/** Mean binary cross-entropy of sigmoid(σ·raw) against 0/1 labels. */
export function logloss(raw: ArrayLike<number>, labels: ArrayLike<number>, sigmoid = 1): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = 1 / (1 + Math.exp(-sigmoid * raw[i]!));
    sum -= labels[i]! > 0 ? Math.log(Math.max(p, EPS)) : Math.log(Math.max(1 - p, EPS));
  }
  return labels.length === 0 ? 0 : sum / labels.length;
}

/** Area under the ROC curve; 1 when one class is absent (as LightGBM reports). */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = labels.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let positives = 0;
  let area = 0;
  for (let i = 0; i < n;) {
    let p = 0;
    let q = 0;
    const s = scores[order[i]!]!;
    for (; i < n && scores[order[i]!] === s; i++) {
      if (labels[order[i]!]! > 0) p++;
      else q++;
    }
    area += q * (positives + p / 2);
    positives += p;
  }
  const negatives = n - positives;
  return positives === 0 || negatives === 0 ? 1 : area / (positives * negatives);
}

/** Mean NDCG at each cut-off in `ks` over the queries `groups` (one sort per query). */
export function ndcgAt(
  scores: ArrayLike<number>,
  labels: Float32Array,
  groups: Int32Array,
  ks: readonly number[],
  labelGain: readonly number[],
): number[] {
  const bounds = queryBoundaries(groups);
  const sums = new Float64Array(ks.length);
  let maxGroup = 1;
  for (let q = 0; q < groups.length; q++) maxGroup = Math.max(maxGroup, groups[q]!);
  const buf = new Int32Array(maxGroup);
  for (let q = 0; q < groups.length; q++) {
    const start = bounds[q]!;
    const cnt = groups[q]!;
    const order = sortByScore(scores, start, cnt, buf);
    ks.forEach((k, j) => {
      const best = maxDcgAtK(labels, start, cnt, k, labelGain);
      if (best <= 0) {
        sums[j]! += 1;
        return;
      }
      let dcg = 0;
      for (let i = 0; i < Math.min(k, cnt); i++) dcg += labelGain[labels[start + order[i]!]!]! * discount(i);
      sums[j]! += dcg / best;
    });
  }
  return Array.from(sums, (s) => (groups.length === 0 ? 1 : s / groups.length));
}

/** True for metrics where larger is better (auc, ndcg). */
export function higherIsBetter(name: GbdtMetricName): boolean {
  return name === 'auc' || name.startsWith('ndcg@');
}

/** Values of `names` for raw scores of `ds` (ndcg needs ds.groups). */
export function evaluateMetrics(
  names: readonly GbdtMetricName[],
  raw: Float64Array,
  ds: GbdtDataset,
  labelGain: readonly number[],
): number[] {
  const ks = names.filter((n) => n.startsWith('ndcg@')).map((n) => Number(n.slice(5)));
  const ndcgs = ks.length > 0 && ds.groups !== undefined ? ndcgAt(raw, ds.labels, ds.groups, ks, labelGain) : [];
  return names.map((name) => {
    if (name === 'l2') return l2(raw, ds.labels);
    if (name === 'logloss') return logloss(raw, ds.labels);
    if (name === 'auc') return auc(raw, ds.labels);
    const j = ks.indexOf(Number(name.slice(5)));
    return ndcgs[j] ?? NaN;
  });
}
