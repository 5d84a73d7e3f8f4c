/**
 * @module models/gbdt/cli-run
 * The work behind `wayfarer gbdt train|predict` (argument parsing stays in the CLI): read LETOR /
 * SVMlight files, train with per-iteration validation logging, save LightGBM text models, score files.
 */
import { access, readFile, writeFile } from 'node:fs/promises';
import type { GbdtDataset } from './dataset.ts';
import { readLetorFile, readLetorRows } from './letor.ts';
import { readLightGbmModel, writeLightGbmModel } from './lightgbm-format.ts';
import { predictBatch } from './model.ts';
import type { GbdtMetricName, GbdtObjective } from './params.ts';
import type { IterationInfo, TrainResult } from './train.ts';
import { trainGbdt } from './train.ts';

/** Options of {@link runGbdtTrain}; paths are LETOR/SVMlight text files. */
export interface GbdtTrainRunOptions {
  objective: GbdtObjective;
  train: string;
  /** LightGBM .query file of the training set; default `<train>.query` when it exists. */
  trainQuery?: string;
  valid?: string;
  /** .query file of the validation set; default `<valid>.query` when it exists. */
  validQuery?: string;
  numTrees: number;
  numLeaves: number;
  learningRate: number;
  minDataInLeaf: number;
  /** NDCG cut-offs reported for lambdarank. */
  evalAt: number[];
  /** Stop after this many rounds without validation improvement (needs `valid`). */
  earlyStoppingRounds?: number;
  /** Where the LightGBM text model is written. */
  out: string;
  seed?: number;
}

/** What training produced. */
export interface GbdtTrainRunSummary {
  readonly bestIteration: number;
  readonly iterations: number;
  readonly stopReason: TrainResult['stopReason'];
  /** Validation metrics at the best iteration (empty without a validation set). */
  readonly bestMetrics: readonly { readonly name: GbdtMetricName; readonly value: number }[];
  readonly out: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function queryFileFor(data: string, explicit: string | undefined, log: (line: string) => void): Promise<string | undefined> {
  if (explicit !== undefined) return explicit;
  const auto = `${data}.query`; // LightGBM's convention for side files
  if (!(await exists(auto))) return undefined;
  log(`using query file ${auto}`);
  return auto;
}

async function load(path: string, query: string | undefined, numFeatures?: number): Promise<GbdtDataset> {
  return readLetorFile(path, { ...(query === undefined ? {} : { queryFile: query }), ...(numFeatures === undefined ? {} : { numFeatures }) });
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(6) : String(v));

/** `[iter 12] valid ndcg@1 0.610000 ndcg@3 0.580000` */
export function formatIteration(info: IterationInfo): string {
  return `[iter ${info.iteration}] valid ${info.metrics.map((m) => `${m.name} ${fmt(m.value)}`).join(' ')}`;
}

/** Trains on LETOR files, logs validation metrics per iteration and saves the model (best iteration). */
export async function runGbdtTrain(opts: GbdtTrainRunOptions, log: (line: string) => void): Promise<GbdtTrainRunSummary> {
  const train = await load(opts.train, await queryFileFor(opts.train, opts.trainQuery, log));
  log(`train ${opts.train}: ${train.numRows} rows × ${train.numFeatures} features${train.groups ? `, ${train.groups.length} queries` : ''}`);
  let valid: GbdtDataset | undefined;
  if (opts.valid !== undefined) {
    valid = await load(opts.valid, await queryFileFor(opts.valid, opts.validQuery, log), train.numFeatures);
    log(`valid ${opts.valid}: ${valid.numRows} rows${valid.groups ? `, ${valid.groups.length} queries` : ''}`);
  }
  const result = trainGbdt(
    train,
    {
      objective: opts.objective, numIterations: opts.numTrees, numLeaves: opts.numLeaves, learningRate: opts.learningRate,
      minDataInLeaf: opts.minDataInLeaf, evalAt: opts.evalAt, earlyStoppingRounds: opts.earlyStoppingRounds ?? 0,
      ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    },
    { ...(valid === undefined ? {} : { valid }), onIteration: (info) => { if (info.metrics.length > 0) log(formatIteration(info)); } },
  );
  const best = result.bestIteration;
  const bestMetrics = result.history.map((h) => ({ name: h.name, value: h.values[best - 1] ?? NaN }));
  if (bestMetrics.length > 0) log(`best iteration ${best}: ${bestMetrics.map((m) => `${m.name} ${fmt(m.value)}`).join(' ')}`);
  if (result.stopReason !== 'num_iterations') log(`stopped after ${result.iterations} iterations (${result.stopReason.replace('_', ' ')})`);
  await writeFile(opts.out, writeLightGbmModel(result.model));
  log(`saved ${result.model.trees.length} trees to ${opts.out}`);
  return { bestIteration: best, iterations: result.iterations, stopReason: result.stopReason, bestMetrics, out: opts.out };
}

/** Options of {@link runGbdtPredict}. */
export interface GbdtPredictRunOptions {
  /** LightGBM text model (ours or LightGBM's). */
  model: string;
  /** LETOR/SVMlight rows to score (labels are read and ignored). */
  data: string;
  /** Output: one score per line (probability for binary, raw score otherwise). */
  out: string;
}

/** Scores a LETOR file with a LightGBM text model, one score per line. */
export async function runGbdtPredict(opts: GbdtPredictRunOptions, log: (line: string) => void): Promise<{ readonly rows: number }> {
  const model = readLightGbmModel(await readFile(opts.model, 'utf8'));
  // Doubles, as LightGBM's predictor reads them: thresholds of LightGBM-trained models are exact there.
  const data = await readLetorRows(opts.data, { numFeatures: model.featureNames.length });
  const scores = predictBatch(model, data.features, data.numRows);
  await writeFile(opts.out, scores.length === 0 ? '' : `${Array.from(scores, (s) => String(s)).join('\n')}\n`);
  log(`scored ${data.numRows} rows with ${model.trees.length} trees → ${opts.out}`);
  return { rows: data.numRows };
}
