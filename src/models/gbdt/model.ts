/**
 * @module models/gbdt/model
 * The trained ensemble as flat arrays in LightGBM's layout (negative child = ~leafIndex) and its pure
 * scorers. Numerical decisions follow LightGBM's Tree::NumericalDecision exactly, missing values included.
 */
import { packEnsemble } from './packed-ensemble.ts';
import type { PackedEnsemble } from './packed-ensemble.ts';

/** decision_type bit 0: categorical split (never produced; rejected when read). */
export const CATEGORICAL_MASK = 1;
/** decision_type bit 1: missing values go to the left child. */
export const DEFAULT_LEFT_MASK = 2;
/** Missing type, decision_type bits 2–3. */
export const MISSING_NONE = 0;
export const MISSING_ZERO = 1;
export const MISSING_NAN = 2;
/** LightGBM's kZeroThreshold (1e-35f widened to double): |x| within it counts as zero. */
export const ZERO_THRESHOLD = Math.fround(1e-35);

/** One regression tree; internal node arrays have numLeaves − 1 entries, leaf arrays numLeaves. */
export interface GbdtTree {
  readonly numLeaves: number;
  /** Feature index tested at each internal node. */
  readonly splitFeature: Int32Array;
  /** Gain of each split (LightGBM split_gain: improvement over the parent minus min_gain_to_split). */
  readonly splitGain: Float64Array;
  /** Go left when value <= threshold (after missing-value handling). */
  readonly threshold: Float64Array;
  /** LightGBM decision_type: bit 1 default_left, bits 2–3 missing type (0 None, 1 Zero, 2 NaN). */
  readonly decisionType: Uint8Array;
  /** Child of each internal node: ≥ 0 another internal node, < 0 the leaf ~child. */
  readonly leftChild: Int32Array;
  readonly rightChild: Int32Array;
  /** Output of each leaf, shrinkage already applied. */
  readonly leafValue: Float64Array;
  /** Sum of hessians and rows of each leaf in training. */
  readonly leafWeight: Float64Array;
  readonly leafCount: Int32Array;
  /** Output, hessian sum and rows the internal node would have had as a leaf. */
  readonly internalValue: Float64Array;
  readonly internalWeight: Float64Array;
  readonly internalCount: Int32Array;
  /** Learning rate folded into leafValue (1 for the first tree, which carries the init score). */
  readonly shrinkage: number;
}

/** The objective as written in LightGBM's `objective=` header. */
export type ObjectiveSpec =
  | { readonly name: 'regression' }
  | { readonly name: 'binary'; readonly sigmoid: number }
  | { readonly name: 'lambdarank' };

/** A trained or loaded ensemble (num_class = 1: one tree per iteration). */
export interface GbdtModel {
  readonly objective: ObjectiveSpec;
  /** One name per feature column; numFeatures = featureNames.length (max_feature_idx + 1). */
  readonly featureNames: readonly string[];
  /** LightGBM feature_infos: `[min:max]` of each training column, or `none` when unused. */
  readonly featureInfos: readonly string[];
  readonly trees: readonly GbdtTree[];
  /** Lines of the `parameters:` block, e.g. `[num_leaves: 31]` (kept for LightGBM, not interpreted). */
  readonly parameters: readonly string[];
}

/** Feature row accepted by the scorers: `features[offset + f]` is feature f. */
export type FeatureRow = Float32Array | Float64Array | readonly number[];

const packCache = new WeakMap<GbdtModel, PackedEnsemble>();

function packed(model: GbdtModel): PackedEnsemble {
  let p = packCache.get(model);
  if (p === undefined) {
    p = packEnsemble(model.trees);
    packCache.set(model, p);
  }
  return p;
}

/** LightGBM's numerical decision: true when `value` goes to the left child of node `node`. */
export function goesLeft(tree: GbdtTree, node: number, value: number): boolean {
  const dt = tree.decisionType[node]!;
  const missing = (dt >> 2) & 3;
  let v = value;
  if (Number.isNaN(v)) {
    if (missing === MISSING_NAN) return (dt & DEFAULT_LEFT_MASK) !== 0;
    v = 0;
  }
  if (missing === MISSING_ZERO && v > -ZERO_THRESHOLD && v <= ZERO_THRESHOLD) return (dt & DEFAULT_LEFT_MASK) !== 0;
  return v <= tree.threshold[node]!;
}

/** Leaf index reached by one row in one tree. */
export function leafIndex(tree: GbdtTree, features: FeatureRow, offset = 0): number {
  if (tree.numLeaves <= 1) return 0;
  let node = 0;
  while (node >= 0) {
    node = goesLeft(tree, node, features[offset + tree.splitFeature[node]!]!) ? tree.leftChild[node]! : tree.rightChild[node]!;
  }
  return ~node;
}

/** Output of one tree for one row. */
export function predictTree(tree: GbdtTree, features: FeatureRow, offset = 0): number {
  return tree.leafValue[leafIndex(tree, features, offset)]!;
}

/** Raw score (sum of tree outputs, trees in order) of one row; pure. */
export function predictRaw(model: GbdtModel, features: FeatureRow, offset = 0): number {
  return packed(model).score(features, offset);
}

/** Converts a raw score to the objective's output scale (sigmoid for binary). */
export function convertOutput(objective: ObjectiveSpec, raw: number): number {
  return objective.name === 'binary' ? 1 / (1 + Math.exp(-objective.sigmoid * raw)) : raw;
}

/** Prediction of one row: probability for binary, raw score otherwise; pure. */
export function predict(model: GbdtModel, features: FeatureRow, offset = 0): number {
  return convertOutput(model.objective, predictRaw(model, features, offset));
}

/**
 * Predictions of `numRows` row-major rows of `featureNames.length` features each; raw scores when
 * `raw` is true. Returns a new Float64Array (or fills `out`).
 */
export function predictBatch(
  model: GbdtModel,
  features: Float32Array | Float64Array,
  numRows: number,
  opts: { raw?: boolean; out?: Float64Array } = {},
): Float64Array {
  const out = opts.out ?? new Float64Array(numRows);
  packed(model).scoreBatch(features, numRows, model.featureNames.length, out);
  if (opts.raw !== true && model.objective.name === 'binary') {
    for (let i = 0; i < numRows; i++) out[i] = convertOutput(model.objective, out[i]!);
  }
  return out;
}

/** The first `numIterations` trees of a model (e.g. the best iteration after early stopping). */
export function truncateModel(model: GbdtModel, numIterations: number): GbdtModel {
  return { ...model, trees: model.trees.slice(0, Math.max(0, numIterations)) };
}
