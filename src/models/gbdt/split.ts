/**
 * @module models/gbdt/split
 * Best split of a leaf from its histogram: for every usable feature, scan numeric thresholds and try
 * the missing bin on each side (LightGBM default_left), scoring gain G²/(H + λ) like LightGBM.
 */
import type { FeatureBins } from './binning.ts';
import type { HistogramLayout } from './histogram.ts';

/** Limits a split must respect (resolved GbdtParams fields). */
export interface SplitConstraints {
  readonly minDataInLeaf: number;
  readonly minSumHessianInLeaf: number;
  readonly lambdaL2: number;
  readonly minGainToSplit: number;
}

/** A candidate split; `feature` = -1 when the leaf cannot be split. */
export interface SplitInfo {
  feature: number;
  /** Rows with bin <= thresholdBin go left (the missing bin follows defaultLeft). */
  thresholdBin: number;
  defaultLeft: boolean;
  /** Improvement over the unsplit leaf minus minGainToSplit (> 0 when feature ≥ 0). */
  gain: number;
  leftG: number;
  leftH: number;
  leftC: number;
  rightG: number;
  rightH: number;
  rightC: number;
}

/** A "no split" record, to be filled by {@link findBestSplit}. */
export function emptySplit(): SplitInfo {
  return { feature: -1, thresholdBin: 0, defaultLeft: true, gain: 0, leftG: 0, leftH: 0, leftC: 0, rightG: 0, rightH: 0, rightC: 0 };
}

/** Score of a leaf with gradient sum g and hessian sum h (LightGBM GetLeafGain without L1). */
export function leafGain(g: number, h: number, lambdaL2: number): number {
  return (g * g) / (h + lambdaL2);
}

/** Newton step of a leaf: −g / (h + λ). */
export function leafOutput(g: number, h: number, lambdaL2: number): number {
  return -g / (h + lambdaL2);
}

/** Leaf totals. */
export interface LeafSums {
  readonly g: number;
  readonly h: number;
  readonly c: number;
}

/**
 * Fills `out` with the best split of a leaf whose histogram starts at `base`; features are tried
 * in index order and a later one must be strictly better, so ties resolve to the lower index.
 */
export function findBestSplit(
  hist: Float64Array,
  base: number,
  layout: HistogramLayout,
  features: readonly FeatureBins[],
  used: Uint8Array,
  sums: LeafSums,
  c: SplitConstraints,
  out: SplitInfo,
): void {
  out.feature = -1;
  out.gain = 0;
  const minShift = leafGain(sums.g, sums.h, c.lambdaL2) + c.minGainToSplit;
  let best = minShift;
  for (let f = 0; f < features.length; f++) {
    const fb = features[f]!;
    if (used[f] !== 1 || !fb.usable) continue;
    best = scanFeature(hist, base + layout.offsets[f]!, f, fb, sums, c, best, out);
  }
  if (out.feature >= 0) out.gain = best - minShift;
}

function scanFeature(
  hist: Float64Array,
  start: number,
  f: number,
  fb: FeatureBins,
  sums: LeafSums,
  c: SplitConstraints,
  bestSoFar: number,
  out: SplitInfo,
): number {
  const nb = fb.upperBounds.length;
  const ms = start + 3 * nb;
  const mg = fb.hasMissing ? hist[ms]! : 0;
  const mh = fb.hasMissing ? hist[ms + 1]! : 0;
  const mc = fb.hasMissing ? hist[ms + 2]! : 0;
  const { minDataInLeaf: minData, minSumHessianInLeaf: minHess, lambdaL2: l2 } = c;
  // With missing rows present, "all numeric values left, missing right" is a split too.
  const lastT = mc > 0 ? nb - 1 : nb - 2;
  let best = bestSoFar;
  let cg = 0;
  let ch = 0;
  let cc = 0;
  for (let t = 0; t <= lastT; t++) {
    const k = start + 3 * t;
    const binC = hist[k + 2]!;
    cg += hist[k]!;
    ch += hist[k + 1]!;
    cc += binC;
    if (sums.c - cc < minData) break;
    if (binC === 0 && t > 0) continue; // same partition as the previous threshold
    for (let side = 0; side < 2; side++) {
      const missLeft = side === 0;
      if (missLeft && mc === 0) continue;
      const lg = missLeft ? cg + mg : cg;
      const lh = missLeft ? ch + mh : ch;
      const lc = missLeft ? cc + mc : cc;
      const rc = sums.c - lc;
      if (lc < minData || rc < minData) continue;
      const rh = sums.h - lh;
      if (lh < minHess || rh < minHess) continue;
      const rg = sums.g - lg;
      const gain = leafGain(lg, lh, l2) + leafGain(rg, rh, l2);
      if (!(gain > best)) continue;
      best = gain;
      out.feature = f;
      out.thresholdBin = t;
      out.defaultLeft = missLeft || mc === 0;
      out.leftG = lg;
      out.leftH = lh;
      out.leftC = lc;
      out.rightG = rg;
      out.rightH = rh;
      out.rightC = rc;
    }
  }
  return best;
}
