/**
 * @module models/gbdt/params
 * Training parameters of the histogram GBDT: LightGBM's names in camelCase, LightGBM's defaults,
 * and one validation pass that names the bad field.
 */
import { InvalidInputError } from '../../errors.ts';

/** Objectives the trainer supports (LightGBM names). */
export type GbdtObjective = 'regression' | 'binary' | 'lambdarank';

/** Validation metrics (LightGBM names: `l2`, `binary_logloss` → `logloss`, `auc`, `ndcg@k`). */
export type GbdtMetricName = 'l2' | 'logloss' | 'auc' | `ndcg@${number}`;

/** Fully resolved training parameters. */
export interface GbdtParams {
  objective: GbdtObjective;
  /** Boosting rounds (trees); LightGBM `num_iterations`. */
  numIterations: number;
  /** Shrinkage applied to every tree's leaf outputs. */
  learningRate: number;
  /** Maximum leaves per tree (leaf-wise growth stops there). */
  numLeaves: number;
  /** Maximum depth of a leaf; -1 = unlimited. */
  maxDepth: number;
  /** A split must leave at least this many rows on each side. */
  minDataInLeaf: number;
  /** A split must leave at least this sum of hessians on each side. */
  minSumHessianInLeaf: number;
  /** L2 penalty on leaf outputs: output = -G / (H + lambdaL2). */
  lambdaL2: number;
  /** A split's gain must exceed this. */
  minGainToSplit: number;
  /** Fraction of (usable) features sampled for each tree, without replacement. */
  featureFraction: number;
  /** Fraction of rows kept when bagging (Bernoulli per row). */
  baggingFraction: number;
  /** Re-draw the bag every `baggingFreq` iterations; 0 = no bagging. */
  baggingFreq: number;
  /** Maximum numeric bins per feature (≤ 255; one more bin holds missing values). */
  maxBin: number;
  /** Minimum rows of the binning sample per bin. */
  minDataInBin: number;
  /** Rows sampled to find bin boundaries (LightGBM `bin_construct_sample_cnt`). */
  binSampleCount: number;
  /** Stop when the validation metric has not improved for this many rounds; 0 = off. */
  earlyStoppingRounds: number;
  /** Metric that drives early stopping; defaults to the objective's first metric. */
  earlyStoppingMetric: GbdtMetricName | null;
  /** NDCG cut-offs reported (and the first one used for early stopping) with lambdarank. */
  evalAt: number[];
  /** LambdaMART only looks at pairs with one document in the top `lambdarankTruncationLevel`. */
  lambdarankTruncationLevel: number;
  /** Gain per integer relevance label; default 2^i − 1 for i in 0..30. */
  labelGain: number[];
  /** LightGBM `lambdarank_norm`: normalise lambdas per query. */
  lambdarankNorm: boolean;
  /** Seed of every random choice (binning sample, bagging, feature sampling). */
  seed: number;
  /** Threads building histograms: 2 opts into the worker thread; 0 (default) and 1 mean one. */
  numThreads: number;
}

/** What callers pass: the objective plus any overrides. */
export type GbdtParamsInput = Partial<GbdtParams> & { objective: GbdtObjective };

/** LightGBM's default label gain: 2^i − 1 for labels 0..30. */
export function defaultLabelGain(): number[] {
  return Array.from({ length: 31 }, (_, i) => 2 ** i - 1);
}

const DEFAULTS: Omit<GbdtParams, 'objective' | 'labelGain'> = {
  numIterations: 100,
  learningRate: 0.1,
  numLeaves: 31,
  maxDepth: -1,
  minDataInLeaf: 20,
  minSumHessianInLeaf: 1e-3,
  lambdaL2: 0,
  minGainToSplit: 0,
  featureFraction: 1,
  baggingFraction: 1,
  baggingFreq: 0,
  maxBin: 255,
  minDataInBin: 3,
  binSampleCount: 200_000,
  earlyStoppingRounds: 0,
  earlyStoppingMetric: null,
  evalAt: [1, 2, 3, 4, 5],
  lambdarankTruncationLevel: 30,
  lambdarankNorm: true,
  seed: 0,
  numThreads: 0,
};

function check(ok: boolean, field: string, value: unknown, rule: string): void {
  if (!ok) throw new InvalidInputError(`gbdt params: ${field} ${rule}, got ${String(value)}`);
}

const isInt = (v: number): boolean => Number.isInteger(v);

/** Defaults filled in and every field checked; throws InvalidInputError naming the field. */
export function resolveParams(input: GbdtParamsInput): GbdtParams {
  const p: GbdtParams = { ...DEFAULTS, labelGain: defaultLabelGain(), ...stripUndefined(input) };
  check(['regression', 'binary', 'lambdarank'].includes(p.objective), 'objective', p.objective, 'must be regression, binary or lambdarank');
  check(isInt(p.numIterations) && p.numIterations >= 1, 'numIterations', p.numIterations, 'must be an integer ≥ 1');
  check(p.learningRate > 0 && Number.isFinite(p.learningRate), 'learningRate', p.learningRate, 'must be > 0');
  check(isInt(p.numLeaves) && p.numLeaves >= 2 && p.numLeaves <= 131_072, 'numLeaves', p.numLeaves, 'must be an integer in [2, 131072]');
  check(isInt(p.maxDepth) && (p.maxDepth === -1 || p.maxDepth >= 1), 'maxDepth', p.maxDepth, 'must be -1 or an integer ≥ 1');
  check(isInt(p.minDataInLeaf) && p.minDataInLeaf >= 1, 'minDataInLeaf', p.minDataInLeaf, 'must be an integer ≥ 1');
  check(p.minSumHessianInLeaf >= 0, 'minSumHessianInLeaf', p.minSumHessianInLeaf, 'must be ≥ 0');
  check(p.lambdaL2 >= 0, 'lambdaL2', p.lambdaL2, 'must be ≥ 0');
  check(p.minGainToSplit >= 0, 'minGainToSplit', p.minGainToSplit, 'must be ≥ 0');
  check(p.featureFraction > 0 && p.featureFraction <= 1, 'featureFraction', p.featureFraction, 'must be in (0, 1]');
  check(p.baggingFraction > 0 && p.baggingFraction <= 1, 'baggingFraction', p.baggingFraction, 'must be in (0, 1]');
  check(isInt(p.baggingFreq) && p.baggingFreq >= 0, 'baggingFreq', p.baggingFreq, 'must be an integer ≥ 0');
  check(isInt(p.maxBin) && p.maxBin >= 2 && p.maxBin <= 255, 'maxBin', p.maxBin, 'must be an integer in [2, 255]');
  check(isInt(p.minDataInBin) && p.minDataInBin >= 1, 'minDataInBin', p.minDataInBin, 'must be an integer ≥ 1');
  check(isInt(p.binSampleCount) && p.binSampleCount >= 1, 'binSampleCount', p.binSampleCount, 'must be an integer ≥ 1');
  check(isInt(p.earlyStoppingRounds) && p.earlyStoppingRounds >= 0, 'earlyStoppingRounds', p.earlyStoppingRounds, 'must be an integer ≥ 0');
  check(p.evalAt.length > 0 && p.evalAt.every((k) => isInt(k) && k >= 1), 'evalAt', p.evalAt.join(','), 'must be integers ≥ 1');
  check(isInt(p.lambdarankTruncationLevel) && p.lambdarankTruncationLevel >= 1, 'lambdarankTruncationLevel', p.lambdarankTruncationLevel, 'must be an integer ≥ 1');
  check(p.labelGain.length > 0 && p.labelGain.every((g) => Number.isFinite(g)), 'labelGain', p.labelGain.join(','), 'must be finite numbers');
  check(isInt(p.seed), 'seed', p.seed, 'must be an integer');
  check(p.numThreads === 0 || p.numThreads === 1 || p.numThreads === 2, 'numThreads', p.numThreads, 'must be 0 (auto), 1 or 2');
  if (p.earlyStoppingMetric !== null) {
    const allowed = metricNames(p);
    check(allowed.includes(p.earlyStoppingMetric), 'earlyStoppingMetric', p.earlyStoppingMetric, `must be one of ${allowed.join(', ')}`);
  }
  return p;
}

/** Validation metrics reported for an objective, in order; the first one drives early stopping by default. */
export function metricNames(p: Pick<GbdtParams, 'objective' | 'evalAt'>): GbdtMetricName[] {
  if (p.objective === 'regression') return ['l2'];
  if (p.objective === 'binary') return ['logloss', 'auc'];
  return p.evalAt.map((k): GbdtMetricName => `ndcg@${k}`);
}

function stripUndefined(input: GbdtParamsInput): GbdtParamsInput {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (v !== undefined) out[k] = v;
  return out as GbdtParamsInput;
}
