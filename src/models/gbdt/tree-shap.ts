/**
 * @module models/gbdt/tree-shap
 * Exact path-dependent TreeSHAP (Lundberg et al. 2018, algorithm 2) with node covers from training
 * counts, the same quantities as LightGBM's pred_contrib: per-row SHAP values that sum, with the
 * expected value, to the raw score.
 */
import type { TreeStats } from './explain.ts';
import { treeExpectedValue, treeStats } from './explain.ts';
import type { FeatureRow, GbdtModel, GbdtTree } from './model.ts';
import { goesLeft } from './model.ts';

/** One element of the unique path: feature, fraction of zero/one paths flowing through, weight. */
interface PathElement {
  feature: number;
  zero: number;
  one: number;
  weight: number;
}

/** Adds a feature to the path, updating the permutation weights. */
function extend(path: readonly PathElement[], zero: number, one: number, feature: number): PathElement[] {
  const m = path.map((e) => ({ ...e }));
  const l = m.length;
  m.push({ feature, zero, one, weight: l === 0 ? 1 : 0 });
  for (let i = l - 1; i >= 0; i--) {
    m[i + 1]!.weight += (one * m[i]!.weight * (i + 1)) / (l + 1);
    m[i]!.weight = (zero * m[i]!.weight * (l - i)) / (l + 1);
  }
  return m;
}

/** Removes element `k` from the path, undoing its effect on the weights. */
function unwind(path: readonly PathElement[], k: number): PathElement[] {
  const m = path.map((e) => ({ ...e }));
  const l = m.length - 1;
  const { one, zero } = m[k]!;
  let next = m[l]!.weight;
  for (let j = l - 1; j >= 0; j--) {
    if (one !== 0) {
      const t = m[j]!.weight;
      m[j]!.weight = (next * (l + 1)) / ((j + 1) * one);
      next = t - (m[j]!.weight * zero * (l - j)) / (l + 1);
    } else {
      m[j]!.weight = (m[j]!.weight * (l + 1)) / (zero * (l - j));
    }
  }
  for (let j = k; j < l; j++) {
    m[j]!.feature = m[j + 1]!.feature;
    m[j]!.zero = m[j + 1]!.zero;
    m[j]!.one = m[j + 1]!.one;
  }
  m.pop();
  return m;
}

/** Sum of the weights the path would have with element `k` unwound (without building it). */
function unwoundSum(path: readonly PathElement[], k: number): number {
  const l = path.length - 1;
  const { one, zero } = path[k]!;
  let next = path[l]!.weight;
  let total = 0;
  for (let j = l - 1; j >= 0; j--) {
    if (one !== 0) {
      const t = (next * (l + 1)) / ((j + 1) * one);
      total += t;
      next = path[j]!.weight - (t * zero * (l - j)) / (l + 1);
    } else {
      total += (path[j]!.weight * (l + 1)) / (zero * (l - j));
    }
  }
  return total;
}

interface Walk {
  tree: GbdtTree;
  stats: TreeStats;
  x: FeatureRow;
  offset: number;
  phi: Float64Array;
}

const cover = (w: Walk, node: number): number => (node >= 0 ? w.stats.weight[node]! : w.stats.leafWeight[~node]!);

function recurse(w: Walk, node: number, parent: readonly PathElement[], zero: number, one: number, feature: number): void {
  let path = extend(parent, zero, one, feature);
  if (node < 0) {
    const v = w.tree.leafValue[~node]!;
    for (let i = 1; i < path.length; i++) {
      const e = path[i]!;
      w.phi[e.feature]! += unwoundSum(path, i) * (e.one - e.zero) * v;
    }
    return;
  }
  const f = w.tree.splitFeature[node]!;
  const left = w.tree.leftChild[node]!;
  const right = w.tree.rightChild[node]!;
  const hot = goesLeft(w.tree, node, w.x[w.offset + f]!) ? left : right;
  const cold = hot === left ? right : left;
  const total = cover(w, node);
  let inZero = 1;
  let inOne = 1;
  const k = path.findIndex((e, i) => i > 0 && e.feature === f);
  if (k > 0) {
    inZero = path[k]!.zero;
    inOne = path[k]!.one;
    path = unwind(path, k);
  }
  const frac = (c: number): number => (total > 0 ? cover(w, c) / total : 0.5);
  recurse(w, hot, path, frac(hot) * inZero, inOne, f);
  recurse(w, cold, path, frac(cold) * inZero, 0, f);
}

/**
 * SHAP values of one row: entry f is feature f's contribution, the last entry (index numFeatures) the
 * expected value; together they sum to predictRaw (up to rounding). Cost O(trees × leaves × depth²).
 */
export function shapValues(model: GbdtModel, features: FeatureRow, offset = 0): Float64Array {
  const nf = model.featureNames.length;
  const phi = new Float64Array(nf + 1);
  for (const tree of model.trees) {
    phi[nf]! += treeExpectedValue(tree);
    if (tree.numLeaves <= 1) continue;
    recurse({ tree, stats: treeStats(tree), x: features, offset, phi }, 0, [], 1, 1, -1);
  }
  return phi;
}
