/**
 * @module models/gbdt/dataset
 * The GBDT's input table: dense row-major Float32 features (NaN = missing), labels and, for ranking,
 * query group sizes in row order. Plain typed arrays, no per-row objects.
 */
import { InvalidInputError } from '../../errors.ts';

/** A dense training or evaluation table. */
export interface GbdtDataset {
  readonly numRows: number;
  readonly numFeatures: number;
  /** Row-major: feature f of row i is `features[i * numFeatures + f]`; NaN means missing. */
  readonly features: Float32Array;
  /** One label per row (0/1 for binary, integer relevance grades for lambdarank). */
  readonly labels: Float32Array;
  /** Query group sizes, in row order (rows of one query are contiguous); sums to numRows. */
  readonly groups?: Int32Array;
  /** Optional feature names (no whitespace); default `Column_<i>` like LightGBM. */
  readonly featureNames?: readonly string[];
  /**
   * Optional raw score each row starts from (LightGBM `init_score`): the model learns a correction of
   * it, and its predictions must be added to the same scores at serving.
   */
  readonly initScores?: Float64Array;
}

/** Raw inputs for {@link createDataset}; arrays are copied into typed arrays when they are not already. */
export interface DatasetInput {
  features: Float32Array | readonly number[];
  labels: Float32Array | readonly number[];
  numFeatures: number;
  groups?: Int32Array | readonly number[];
  featureNames?: readonly string[];
  initScores?: Float64Array;
}

/** A validated dataset; throws InvalidInputError on shape mismatches, non-finite labels or bad groups. */
export function createDataset(input: DatasetInput): GbdtDataset {
  const { numFeatures } = input;
  if (!Number.isInteger(numFeatures) || numFeatures < 1) {
    throw new InvalidInputError(`gbdt dataset: numFeatures must be an integer ≥ 1, got ${numFeatures}`);
  }
  const features = input.features instanceof Float32Array ? input.features : Float32Array.from(input.features);
  const labels = input.labels instanceof Float32Array ? input.labels : Float32Array.from(input.labels);
  if (features.length !== labels.length * numFeatures) {
    throw new InvalidInputError(
      `gbdt dataset: ${features.length} feature values do not make ${labels.length} rows × ${numFeatures} features`,
    );
  }
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isFinite(labels[i])) throw new InvalidInputError(`gbdt dataset: label of row ${i} is not finite`);
  }
  const base = { numRows: labels.length, numFeatures, features, labels };
  const groups = input.groups === undefined ? undefined : checkGroups(input.groups, labels.length);
  const names = input.featureNames;
  if (names !== undefined && names.length !== numFeatures) {
    throw new InvalidInputError(`gbdt dataset: ${names.length} feature names for ${numFeatures} features`);
  }
  return {
    ...base,
    ...(groups === undefined ? {} : { groups }),
    ...(names === undefined ? {} : { featureNames: [...names] }),
    ...(input.initScores === undefined ? {} : { initScores: checkInitScores(input.initScores, labels.length) }),
  };
}

function checkGroups(raw: Int32Array | readonly number[], numRows: number): Int32Array {
  const groups = raw instanceof Int32Array ? raw : Int32Array.from(raw);
  let sum = 0;
  for (let q = 0; q < groups.length; q++) {
    const g = groups[q]!;
    if (g < 1) throw new InvalidInputError(`gbdt dataset: query group ${q} has size ${g}`);
    sum += g;
  }
  if (sum !== numRows) throw new InvalidInputError(`gbdt dataset: query groups sum to ${sum} rows, data has ${numRows}`);
  return groups;
}

/** Start row of each query plus a final entry equal to numRows (length = queries + 1). */
export function queryBoundaries(groups: Int32Array): Int32Array {
  const out = new Int32Array(groups.length + 1);
  for (let q = 0; q < groups.length; q++) out[q + 1] = out[q]! + groups[q]!;
  return out;
}

/** Feature names of a dataset, defaulting to LightGBM's `Column_<i>`. */
export function featureNamesOf(ds: Pick<GbdtDataset, 'numFeatures' | 'featureNames'>): string[] {
  return ds.featureNames === undefined
    ? Array.from({ length: ds.numFeatures }, (_, i) => `Column_${i}`)
    : [...ds.featureNames];
}

function checkInitScores(scores: Float64Array, numRows: number): Float64Array {
  if (scores.length !== numRows) throw new InvalidInputError(`gbdt dataset: ${scores.length} init scores for ${numRows} rows`);
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new InvalidInputError(`gbdt dataset: init score of row ${i} is not finite`);
  }
  return scores;
}
