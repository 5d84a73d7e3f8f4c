/**
 * @module models/gbdt/train
 * The boosting loop: bin the training table, then per iteration compute gradients, draw the bag and
 * the feature sample, grow a tree, shrink it, update train/validation scores and check early stopping.
 * Deterministic for a given seed (one seeded sfc32 stream per random choice) and thread count-agnostic.
 * Threading: histograms and row partitions can run on two threads (histogram-pool.ts,
 * `numThreads: 2`); the default is one, see chooseThreads.
 */
import { InvalidInputError } from '../../errors.ts';
import type { BinnedData } from './binning.ts';
import { binDataset } from './binning.ts';
import { Booster } from './booster.ts';
import { formatG17 } from './c-format.ts';
import type { GbdtDataset } from './dataset.ts';
import { featureNamesOf } from './dataset.ts';
import { histogramLayout } from './histogram.ts';
import { createHistogramBuilder } from './histogram-pool.ts';
import { evaluateMetrics, higherIsBetter } from './metrics.ts';
import type { GbdtModel, GbdtTree } from './model.ts';
import { predictTree } from './model.ts';
import type { Objective } from './objectives/index.ts';
import { createObjective } from './objectives/index.ts';
import type { GbdtMetricName, GbdtParams, GbdtParamsInput } from './params.ts';
import { metricNames, resolveParams } from './params.ts';
import { allocFloat64, allocRowArrays, allocUint8 } from './shared-arrays.ts';
import type { LearnerState } from './tree-learner.ts';

/** Histograms of all leaves are kept at once; refuse configurations above this. */
const MAX_HISTOGRAM_BYTES = 2 ** 31;

/** Validation metrics after one iteration. */
export interface IterationInfo {
  /** 1-based iteration (= trees so far). */
  readonly iteration: number;
  readonly metrics: readonly { readonly name: GbdtMetricName; readonly value: number }[];
}

/** Optional inputs of {@link trainGbdt}. */
export interface TrainOptions {
  /** Validation set: metrics per iteration and early stopping. */
  valid?: GbdtDataset;
  /** Called after every iteration (metrics empty without a validation set). */
  onIteration?: (info: IterationInfo) => void;
}

/** Outcome of training. */
export interface TrainResult {
  /** The ensemble, cut to the best iteration when early stopping ran. */
  readonly model: GbdtModel;
  /** Trees in `model`; the best validation iteration when early stopping is on. */
  readonly bestIteration: number;
  /** Trees trained before stopping. */
  readonly iterations: number;
  readonly stopReason: 'num_iterations' | 'early_stopping' | 'no_split';
  /** Validation metric values per iteration (index 0 = after tree 1). */
  readonly history: readonly { readonly name: GbdtMetricName; readonly values: readonly number[] }[];
  /** Threads that built histograms. */
  readonly threads: number;
}

function checkInputs(train: GbdtDataset, p: GbdtParams, valid: GbdtDataset | undefined): void {
  if (train.numRows === 0) throw new InvalidInputError('gbdt train: the training set is empty');
  if (valid === undefined) return;
  if (valid.numFeatures !== train.numFeatures) {
    throw new InvalidInputError(`gbdt train: validation set has ${valid.numFeatures} features, training set ${train.numFeatures}`);
  }
  if (p.objective === 'lambdarank' && valid.groups === undefined) {
    throw new InvalidInputError('gbdt train: lambdarank needs query groups in the validation set');
  }
}

/**
 * `numThreads: 0` means one thread: on the shared 2-vCPU machines measured (README.md) the second
 * thread paid only when a core happened to be idle. Two threads never change the model.
 */
function chooseThreads(p: GbdtParams): 1 | 2 {
  return p.numThreads === 2 ? 2 : 1;
}

function sanitizeName(name: string): string {
  return name.replace(/[\s:=[\]{},"]/g, '_') || '_';
}

function featureInfos(binned: BinnedData): string[] {
  return binned.features.map((fb) => (fb.usable ? `[${formatG17(fb.min)}:${formatG17(fb.max)}]` : 'none'));
}

function parameterLines(p: GbdtParams): string[] {
  const kv: [string, string | number][] = [
    ['boosting', 'gbdt'], ['objective', p.objective], ['num_iterations', p.numIterations],
    ['learning_rate', p.learningRate], ['num_leaves', p.numLeaves], ['max_depth', p.maxDepth],
    ['min_data_in_leaf', p.minDataInLeaf], ['min_sum_hessian_in_leaf', p.minSumHessianInLeaf],
    ['bagging_fraction', p.baggingFraction], ['bagging_freq', p.baggingFreq], ['feature_fraction', p.featureFraction],
    ['lambda_l2', p.lambdaL2], ['min_gain_to_split', p.minGainToSplit], ['early_stopping_round', p.earlyStoppingRounds],
    ['max_bin', p.maxBin], ['min_data_in_bin', p.minDataInBin], ['bin_construct_sample_cnt', p.binSampleCount],
    ['seed', p.seed], ['sigmoid', 1], ['lambdarank_truncation_level', p.lambdarankTruncationLevel],
    ['lambdarank_norm', p.lambdarankNorm ? 1 : 0], ['label_gain', p.labelGain.join(',')], ['eval_at', p.evalAt.join(',')],
  ];
  return kv.map(([k, v]) => `[${k}: ${v}]`);
}

interface EarlyStop {
  readonly metric: number;
  bestValue: number;
  bestIteration: number;
}

/** Trains a GBDT on `train`; throws InvalidInputError on bad parameters or data. */
export function trainGbdt(train: GbdtDataset, params: GbdtParamsInput, options: TrainOptions = {}): TrainResult {
  const p = resolveParams(params);
  const { valid } = options;
  checkInputs(train, p, valid);
  const objective = createObjective(p, train); // validates labels before the costly binning
  const threads = chooseThreads(p);
  const shared = threads === 2;
  const binned = binDataset(train, { maxBin: p.maxBin, minDataInBin: p.minDataInBin, sampleCount: p.binSampleCount, seed: p.seed, shared });
  const layout = histogramLayout(binned);
  const histBytes = layout.size * p.numLeaves * 8;
  if (histBytes > MAX_HISTOGRAM_BYTES) {
    throw new InvalidInputError(`gbdt train: ${p.numLeaves} leaves × ${layout.size / 3} bins need ${(histBytes / 2 ** 30).toFixed(1)} GiB of histograms; lower numLeaves or maxBin`);
  }
  const n = train.numRows;
  const buffers = {
    ...allocRowArrays(n, shared), bins: binned.bins, numRows: n,
    hist: allocFloat64(layout.size * p.numLeaves, shared), offsets: layout.offsets, used: allocUint8(train.numFeatures, shared),
  };
  const builder = createHistogramBuilder(buffers, threads);
  try {
    const state: LearnerState = { binned, layout, params: p, buffers, builder };
    return { ...boost(train, p, state, objective, options), threads: builder.threads };
  } finally {
    builder.close();
  }
}

function boost(train: GbdtDataset, p: GbdtParams, s: LearnerState, objective: Objective, options: TrainOptions): Omit<TrainResult, 'threads'> {
  const { valid } = options;
  const booster = new Booster(train, p, s, objective);
  const names = metricNames(p);
  const history = names.map((name) => ({ name, values: [] as number[] }));
  const validScores = valid?.initScores === undefined ? new Float64Array(valid?.numRows ?? 0) : Float64Array.from(valid.initScores);
  const early: EarlyStop = { metric: p.earlyStoppingMetric === null ? 0 : names.indexOf(p.earlyStoppingMetric), bestValue: NaN, bestIteration: 0 };
  const trees: GbdtTree[] = [];
  let stopReason: TrainResult['stopReason'] = 'num_iterations';
  for (let it = 0; it < p.numIterations && stopReason === 'num_iterations'; it++) {
    const tree = booster.next(it);
    if (tree === null) {
      stopReason = 'no_split';
      break;
    }
    trees.push(tree);
    const values = valid === undefined ? [] : validate(valid, tree, validScores, names, p);
    values.forEach((v, j) => history[j]!.values.push(v));
    options.onIteration?.({ iteration: it + 1, metrics: values.map((value, j) => ({ name: names[j]!, value })) });
    if (valid !== undefined && shouldStop(early, names, values, it + 1, p.earlyStoppingRounds)) stopReason = 'early_stopping';
  }
  const keep = p.earlyStoppingRounds > 0 && valid !== undefined && early.bestIteration > 0 ? early.bestIteration : trees.length;
  const model: GbdtModel = {
    objective: objective.spec,
    featureNames: featureNamesOf(train).map(sanitizeName),
    featureInfos: featureInfos(s.binned),
    trees: trees.slice(0, keep),
    parameters: parameterLines(p),
  };
  return { model, bestIteration: keep, iterations: trees.length, stopReason, history };
}

/** Adds the new tree to the validation scores and returns the metric values. */
function validate(valid: GbdtDataset, tree: GbdtTree, scores: Float64Array, names: readonly GbdtMetricName[], p: GbdtParams): number[] {
  for (let i = 0; i < valid.numRows; i++) scores[i]! += predictTree(tree, valid.features, i * valid.numFeatures);
  return evaluateMetrics(names, scores, valid, p.labelGain);
}

function shouldStop(e: EarlyStop, names: readonly GbdtMetricName[], values: readonly number[], iteration: number, rounds: number): boolean {
  const v = values[e.metric]!;
  const better = higherIsBetter(names[e.metric]!) ? v > e.bestValue : v < e.bestValue;
  if (Number.isNaN(e.bestValue) || better) {
    e.bestValue = v;
    e.bestIteration = iteration;
  }
  return rounds > 0 && iteration - e.bestIteration >= rounds;
}
