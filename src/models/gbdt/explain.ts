/**
 * @module models/gbdt/explain
 * Explanations: per-row feature contributions by the Saabas path method (each split on the row's
 * path credits its feature with the change in expected output; TreeSHAP is in tree-shap.ts) and
 * global split-count / gain importances. Node expectations are leaf outputs averaged by training row counts, as LightGBM's
 * TreeSHAP ExpectedValue does, so contributions sum to raw score − expected value.
 */
import type { FeatureRow, GbdtModel, GbdtTree } from './model.ts';
import { goesLeft } from './model.ts';

/** Per-node training cover and expected output of a tree. */
export interface TreeStats {
  /** Expected output of each internal node (cover-weighted mean of its leaves). */
  readonly value: Float64Array;
  /** Cover of each internal node: training rows below it. */
  readonly weight: Float64Array;
  /** Cover of each leaf: its training rows, or 1 each when the file has no counts. */
  readonly leafWeight: Float64Array;
}

const statsCache = new WeakMap<GbdtTree, TreeStats>();

/**
 * Covers and expectations of a tree's nodes, from leaf counts (LightGBM data_count); leaves
 * without counts (e.g. hand-written files) weigh 1 each. Cached per tree.
 */
export function treeStats(tree: GbdtTree): TreeStats {
  const cached = statsCache.get(tree);
  if (cached !== undefined) return cached;
  const m = Math.max(tree.numLeaves - 1, 0);
  const value = new Float64Array(m);
  const weight = new Float64Array(m);
  let anyCount = false;
  for (let l = 0; l < tree.numLeaves; l++) anyCount ||= tree.leafCount[l]! > 0;
  const leafWeight = Float64Array.from(tree.leafCount.subarray(0, tree.numLeaves), (c) => (anyCount ? c : 1));
  const child = (c: number): [number, number] => (c >= 0 ? [value[c]!, weight[c]!] : [tree.leafValue[~c]!, leafWeight[~c]!]);
  // Children always have larger node indices than their parent (LightGBM's numbering).
  for (let i = m - 1; i >= 0; i--) {
    const [lv, lw] = child(tree.leftChild[i]!);
    const [rv, rw] = child(tree.rightChild[i]!);
    const w = lw + rw;
    weight[i] = w;
    value[i] = w > 0 ? (lv * lw + rv * rw) / w : (lv + rv) / 2;
  }
  const stats = { value, weight, leafWeight };
  statsCache.set(tree, stats);
  return stats;
}

/** Expected output of every internal node of a tree (see {@link treeStats}). */
export function nodeExpectations(tree: GbdtTree): Float64Array {
  return treeStats(tree).value;
}

/** Expected output of one tree over its training rows. */
export function treeExpectedValue(tree: GbdtTree): number {
  return tree.numLeaves <= 1 ? tree.leafValue[0]! : nodeExpectations(tree)[0]!;
}

/** Expected raw score of the model: sum of the trees' expected outputs. */
export function expectedValue(model: GbdtModel): number {
  let sum = 0;
  for (const t of model.trees) sum += treeExpectedValue(t);
  return sum;
}

/**
 * Saabas contributions of one row: entry f is feature f's share of the raw score, the last entry
 * (index numFeatures) is the expected value, like LightGBM's pred_contrib layout. The entries sum
 * to predictRaw (up to floating-point rounding).
 */
export function contributions(model: GbdtModel, features: FeatureRow, offset = 0): Float64Array {
  const nf = model.featureNames.length;
  const phi = new Float64Array(nf + 1);
  const expectations = modelExpectations(model);
  model.trees.forEach((tree, t) => {
    phi[nf]! += treeExpectedValue(tree);
    if (tree.numLeaves <= 1) return;
    const expect = expectations[t]!;
    let node = 0;
    let prev = expect[0]!;
    while (node >= 0) {
      const f = tree.splitFeature[node]!;
      const next = goesLeft(tree, node, features[offset + f]!) ? tree.leftChild[node]! : tree.rightChild[node]!;
      const v = next >= 0 ? expect[next]! : tree.leafValue[~next]!;
      phi[f]! += v - prev;
      prev = v;
      node = next;
    }
  });
  return phi;
}

const modelCache = new WeakMap<GbdtModel, Float64Array[]>();

/** Every tree's node expectations, looked up once per model rather than once per tree and row. */
function modelExpectations(model: GbdtModel): Float64Array[] {
  let e = modelCache.get(model);
  if (e === undefined) {
    e = model.trees.map((t) => (t.numLeaves <= 1 ? new Float64Array(0) : nodeExpectations(t)));
    modelCache.set(model, e);
  }
  return e;
}

/** Importance kind: number of splits on a feature, or the sum of their gains (LightGBM importance_type). */
export type ImportanceType = 'split' | 'gain';

/** Global importance per feature over all trees; splits with gain ≤ 0 are not counted (as in LightGBM). */
export function featureImportance(model: GbdtModel, type: ImportanceType = 'split'): Float64Array {
  const out = new Float64Array(model.featureNames.length);
  for (const tree of model.trees) {
    for (let i = 0; i < tree.numLeaves - 1; i++) {
      const gain = tree.splitGain[i]!;
      if (gain > 0) out[tree.splitFeature[i]!]! += type === 'split' ? 1 : gain;
    }
  }
  return out;
}
