/**
 * @module models/two-tower/train
 * Trains the two-tower model with a sampled softmax over in-batch negatives (plus optional uniform
 * negatives) and the logQ correction of Yi et al. (RecSys 2019); time-based validation split,
 * early stopping on full-corpus Recall@k, loss and recall recorded per epoch.
 *
 * Throughput design (2-core dev VM, dim 64, batch 256 = 256 candidates per example). Plain
 * Float32Array matmuls reach 0.3–0.8 GMAC/s here and onnxruntime's MLAS 24 GMAC/s on one thread.
 * So the dense step is one ONNX graph (step-graph.ts), ≈ 43 M MAC per batch and ≈ 1.0 ms when
 * the core is idle: both MLPs, the B×B logits, the softmax and the whole backward pass. Row sums
 * are GEMVs and the diagonal is a ScatterND, because ORT's ReduceSum and full B×B passes cost
 * more than the matmuls. Gather, scatter, row-wise Adagrad and dense Adam stay in JS
 * (≈ 1.6 ms per batch); no per-step allocation. One thread: 70–85 k examples per CPU-second,
 * 62–83 k/s wall while other jobs ran on the VM. ORT's own intra-op threads were slower than one
 * thread at these sizes. So `threads` > 1 runs Hogwild over SharedArrayBuffer: the main thread
 * plus workers, each with its own session, taking batches from an atomic cursor (up to 93 k/s
 * measured, though never with an idle VM). Figures: bench/two-tower.ts.
 */
import { cpus } from 'node:os';
import type { Interaction, Item, User } from '../../domain/types.ts';
import { InvalidInputError } from '../../errors.ts';
import { deriveSeed } from '../../util/rng.ts';
import type { TwoTowerConfigInput } from './config.ts';
import { resolveTwoTowerConfig } from './config.ts';
import type { DatasetOptions, TwoTowerDataset } from './dataset.ts';
import { buildDataset, buildEvalQueries, timeSplitIndex } from './dataset.ts';
import type { FeatureEncoder } from './encoding.ts';
import { buildEncoder } from './encoding.ts';
import { OrtEvaluator, evaluateRecall } from './evaluate.ts';
import type { TwoTowerModel } from './model.ts';
import { createTwoTowerModel } from './model.ts';
import { ADAM_DEFAULTS } from './optimizer.ts';
import type { CoreOptions, CoreResult, PhaseTimes } from './trainer-core.ts';
import type { Engine } from './engine.ts';
import { createEngine, shuffleInPlace, trainOrder } from './engine.ts';

export interface TrainOptions {
  /** Examples per batch = in-batch candidates per example (default 256). */
  batchSize?: number;
  /** Uniformly sampled extra negatives per batch, shared by its rows (default 0). */
  uniformNegatives?: number;
  /** Maximum epochs (default 10). */
  epochs?: number;
  /** Stop after this many epochs without a better validation recall (default 2). */
  patience?: number;
  /** Share of the time range held out for validation, 0 for none (default 0.1). */
  validationFraction?: number;
  /** Validation users sampled for Recall@k (default 2000). */
  validationUsers?: number;
  /** k of the validation Recall@k (default 100). */
  recallK?: number;
  /** Probability of replacing a user or item id by UNKNOWN during training (default 0.1). */
  idDropout?: number;
  /**
   * Probability of training an example as a request without destination and dates (default 0):
   * without it, data whose events all carry a destination leaves the no-destination query untrained.
   */
  contextDropout?: number;
  /** Adam learning rate of the MLPs and the temperature (default 0.002). */
  learningRate?: number;
  /** Adagrad learning rate of embedding rows (default 0.05). */
  embeddingLearningRate?: number;
  /** L2 penalty on embedding rows, applied lazily to the rows a batch touches (default 0). */
  embeddingL2?: number;
  /** Subtract log Q (expected occurrences of the item among a row's candidates) from logits (default true). */
  logQ?: boolean;
  /** Seed of initialisation, shuffling, dropout and sampling (default 1). */
  seed?: number;
  /** Training threads: 1 = in-process and deterministic; > 1 = Hogwild workers (default min(2, cores)). */
  threads?: number;
  /** 'onnx' (onnxruntime, fast) or 'js' (reference, ~100× slower). Default 'onnx'. */
  backend?: 'onnx' | 'js';
  /** Receives one line per epoch (loss, recall, throughput). */
  log?: (line: string) => void;
}

/** One epoch's record. `recall` is null without a validation split. */
export interface EpochStats {
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  recall: number | null;
  examples: number;
  /** Training time of the epoch (validation excluded). */
  seconds: number;
  /** CPU time of the process (all threads) during the epoch's training: on a busy machine
   * examples / cpuSeconds is the throughput one fully available core would give. */
  cpuSeconds: number;
  examplesPerSecond: number;
  temperature: number;
  /** Mean milliseconds per batch and thread in each phase. */
  perBatchMs: PhaseTimes;
}

export interface TrainResult {
  /** The model with the parameters of the best validation epoch (the last one without validation). */
  model: TwoTowerModel;
  epochs: EpochStats[];
  bestEpoch: number;
  bestRecall: number | null;
  stoppedEarly: boolean;
  /** Training examples per second over all epochs (validation excluded). */
  examplesPerSecond: number;
  trainExamples: number;
  validationExamples: number;
  validationQueries: number;
}

type Resolved = Required<Omit<TrainOptions, 'log'>> & { log: (line: string) => void };

function resolve(o: TrainOptions): Resolved {
  const r: Resolved = {
    batchSize: 256, uniformNegatives: 0, epochs: 10, patience: 2, validationFraction: 0.1, validationUsers: 2000, recallK: 100,
    idDropout: 0.1, contextDropout: 0, learningRate: ADAM_DEFAULTS.lr, embeddingLearningRate: 0.05, embeddingL2: 0, logQ: true, seed: 1,
    threads: Math.max(1, Math.min(2, cpus().length)), backend: 'onnx', log: () => undefined, ...o,
  };
  const intIn = (name: string, v: number, min: number): void => {
    if (!Number.isInteger(v) || v < min) throw new InvalidInputError(`two-tower training: ${name} must be an integer ≥ ${min}, got ${v}`);
  };
  intIn('batchSize', r.batchSize, 2);
  intIn('uniformNegatives', r.uniformNegatives, 0);
  intIn('epochs', r.epochs, 1);
  intIn('threads', r.threads, 1);
  if (!(r.idDropout >= 0 && r.idDropout < 1)) throw new InvalidInputError(`two-tower training: idDropout must be in [0, 1), got ${r.idDropout}`);
  if (!(r.contextDropout >= 0 && r.contextDropout < 1)) throw new InvalidInputError(`two-tower training: contextDropout must be in [0, 1), got ${r.contextDropout}`);
  return r;
}

function coreOptions(o: Resolved, model: TwoTowerModel): CoreOptions {
  const c = model.config;
  return {
    rows: o.batchSize, uniform: o.uniformNegatives, idDropout: o.idDropout, contextDropout: o.contextDropout, adam: { ...ADAM_DEFAULTS, lr: o.learningRate },
    embeddingLr: o.embeddingLearningRate, embeddingL2: o.embeddingL2, learnTemperature: c.learnTemperature,
    logScaleMin: Math.log(1 / c.maxTemperature), logScaleMax: Math.log(1 / c.minTemperature),
  };
}

/**
 * log Q_j = log(expected occurrences of item j among one row's candidates) =
 * log(B · p_j + M / (N − 1)), p_j = item j's share of the training positives (the empirical
 * frequency Yi et al. estimate from the stream), M uniform negatives over N − 1 items.
 */
export function computeLogQ(ds: TwoTowerDataset, trainEnd: number, batch: number, uniform: number, itemCount: number): Float32Array {
  const counts = new Float64Array(itemCount);
  for (let e = 0; e < trainEnd; e++) counts[ds.items[e] as number] = (counts[ds.items[e] as number] as number) + 1;
  const n = Math.max(1, trainEnd);
  const perUniform = uniform / Math.max(1, itemCount - 1);
  const out = new Float32Array(itemCount);
  // Items never seen as positives get half an occurrence, so that log Q stays finite.
  for (let j = 0; j < itemCount; j++) out[j] = Math.log((batch * Math.max(counts[j] as number, 0.5)) / n + perUniform);
  return out;
}

function sumTimes(results: readonly CoreResult[]): { loss: number; batches: number; perBatchMs: PhaseTimes } {
  const t: PhaseTimes = { gatherMs: 0, stepMs: 0, updateMs: 0 };
  let loss = 0;
  let batches = 0;
  for (const r of results) {
    loss += r.lossSum;
    batches += r.batches;
    t.gatherMs += r.times.gatherMs;
    t.stepMs += r.times.stepMs;
    t.updateMs += r.times.updateMs;
  }
  const per = (x: number): number => (batches > 0 ? x / batches : 0);
  return { loss: batches > 0 ? loss / batches : NaN, batches, perBatchMs: { gatherMs: per(t.gatherMs), stepMs: per(t.stepMs), updateMs: per(t.updateMs) } };
}


/**
 * Train a fresh model (seeded) on `dataset`: examples before the time split train, the last
 * `validationFraction` of the time range validates. Returns the best epoch's model.
 */
export async function trainTwoTower(encoder: FeatureEncoder, dataset: TwoTowerDataset, config: TwoTowerConfigInput = {}, options: TrainOptions = {}): Promise<TrainResult> {
  const o = resolve(options);
  const multi = o.threads > 1;
  const model = createTwoTowerModel(resolveTwoTowerConfig(config), encoder, o.seed, multi ? (n) => new Float32Array(new SharedArrayBuffer(n * 4)) : undefined);
  const trainEnd = o.validationFraction > 0 ? timeSplitIndex(dataset, o.validationFraction) : dataset.size;
  const batchCount = Math.floor(trainEnd / o.batchSize);
  if (batchCount < 1) throw new InvalidInputError(`two-tower training: ${trainEnd} training examples, fewer than one batch of ${o.batchSize}`);
  const itemCount = encoder.items.size;
  const logQ = o.logQ ? computeLogQ(dataset, trainEnd, o.batchSize, o.uniformNegatives, itemCount) : null;
  const queries = buildEvalQueries(dataset, trainEnd, o.validationFraction > 0 ? o.validationUsers : 0, deriveSeed(o.seed, 'validation'));
  const order = trainOrder(trainEnd, multi);
  const engine = await createEngine({ threads: o.threads, backend: o.backend, options: coreOptions(o, model) }, model, dataset, logQ, order);
  const evaluator = o.backend === 'onnx' && queries.count > 0 ? await OrtEvaluator.create(model, Math.min(o.recallK, itemCount - 1)) : undefined;
  try {
    return await runEpochs(o, model, dataset, engine, evaluator, { order, batchCount, trainEnd, queries });
  } finally {
    await engine.close();
    await evaluator?.close();
  }
}

interface EpochPlan {
  order: Int32Array;
  batchCount: number;
  trainEnd: number;
  queries: ReturnType<typeof buildEvalQueries>;
}

async function runEpochs(o: Resolved, model: TwoTowerModel, ds: TwoTowerDataset, engine: Engine, evaluator: OrtEvaluator | undefined, plan: EpochPlan): Promise<TrainResult> {
  const epochs: EpochStats[] = [];
  let best: Float32Array | null = null;
  let bestRecall: number | null = null;
  let bestEpoch = 0;
  let totalSeconds = 0;
  let totalExamples = 0;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    shuffleInPlace(plan.order, deriveSeed(o.seed, `epoch${epoch}`));
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const r = sumTimes(await engine.runEpoch(plan.order, plan.batchCount, deriveSeed(o.seed, `batches${epoch}`)));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const examples = r.batches * o.batchSize;
    totalSeconds += seconds;
    totalExamples += examples;
    const recall = plan.queries.count > 0 ? await evaluateRecall(model, ds, plan.queries, o.recallK, evaluator) : null;
    const stats: EpochStats = { epoch, loss: r.loss, recall, examples, seconds, cpuSeconds, examplesPerSecond: examples / seconds, temperature: model.temperature, perBatchMs: r.perBatchMs };
    epochs.push(stats);
    const improved = recall === null || bestRecall === null || recall > bestRecall;
    if (improved) [best, bestRecall, bestEpoch] = [model.params.slice(), recall, epoch];
    o.log(formatEpoch(stats, o, improved));
    if (epoch - bestEpoch >= o.patience) break;
  }
  if (best !== null) model.params.set(best);
  return {
    model, epochs, bestEpoch, bestRecall, stoppedEarly: epochs.length < o.epochs, examplesPerSecond: totalExamples / totalSeconds,
    trainExamples: plan.trainEnd, validationExamples: ds.size - plan.trainEnd, validationQueries: plan.queries.count,
  };
}

function formatEpoch(s: EpochStats, o: Resolved, improved: boolean): string {
  const recall = s.recall === null ? '' : ` recall@${o.recallK} ${s.recall.toFixed(4)}${improved ? ' *' : ''}`;
  const t = s.perBatchMs;
  return `two-tower epoch ${s.epoch}/${o.epochs} loss ${s.loss.toFixed(4)}${recall} ${Math.round(s.examplesPerSecond).toLocaleString('en-US')} ex/s`
    + ` (${Math.round(s.examples / s.cpuSeconds).toLocaleString('en-US')}/CPU-s)`
    + ` τ=${s.temperature.toFixed(4)} [ms/batch/thread: gather ${t.gatherMs.toFixed(2)} step ${t.stepMs.toFixed(2)} update ${t.updateMs.toFixed(2)}]`;
}

/** Catalogue and interaction log to train on. */
export interface TwoTowerData {
  users: readonly User[];
  items: readonly Item[];
  interactions: readonly Interaction[];
}

/** Vocabularies, examples and training in one call: what the pipeline uses. */
export async function fitTwoTower(
  data: TwoTowerData, config: TwoTowerConfigInput = {}, options: TrainOptions & DatasetOptions = {},
): Promise<TrainResult & { encoder: FeatureEncoder; dataset: TwoTowerDataset }> {
  const resolved = resolveTwoTowerConfig(config);
  const encoder = buildEncoder(data.users, data.items, data.interactions, resolved);
  const dataset = buildDataset(encoder, data.users, data.items, data.interactions, options);
  const result = await trainTwoTower(encoder, dataset, resolved, options);
  return { ...result, encoder, dataset };
}
