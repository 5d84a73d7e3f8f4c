/**
 * @module training/train-two-tower
 * The two-tower stage of training: gathers users, items and interest events while the baselines
 * stream the store, trains with a time-based validation split and early stopping, embeds every
 * retrievable item with the ONNX item tower, builds the vector index and returns the registry
 * files plus the saved index folder. Too little data skips the stage with a note. Also reopens a
 * registered two-tower for serving: the built-in model, or imported ONNX towers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Interaction, Item, User } from '../domain/types.ts';
import { ERROR_CODES, InvalidInputError, RecsysError } from '../errors.ts';
import {
  TwoTowerModel, encoderOfVocab, exportOnnxTowers, fitTwoTower, fromArtifact, loadOnnxTowers, parseTowerVocab, toArtifact,
  type TrainOptions, type TrainResult, type TwoTowerConfigInput,
} from '../models/two-tower/index.ts';
import type { VectorIndex } from '../ports/vector-index.ts';
import { ItemVectors } from '../pipeline/item-vectors.ts';
import { onnxSourceTowers } from '../pipeline/onnx-two-tower-source.ts';
import { TwoTowerSource, isRetrievable, type VectorIndexFactory } from '../pipeline/two-tower-source.ts';
import type { ModelManifest, ModelRegistry } from './registry.ts';

/** Registry names of the two-tower files and of the index folder. */
export const TWO_TOWER_FILES = {
  model: 'two-tower.json', weights: 'two-tower.bin', vectorsHeader: 'two-tower-vectors.json', vectors: 'two-tower-vectors.f32', indexDir: 'two-tower-index',
} as const;

/**
 * Registry names of imported ONNX towers (`wayfarer model import-towers`), which replace the
 * built-in model's `two-tower.json` / `two-tower.bin`; the item vectors and index keep the names above.
 */
export const ONNX_TOWER_FILES = { user: 'two-tower-user.onnx', item: 'two-tower-item.onnx', vocab: 'two-tower-vocab.json' } as const;

/** Every registry file and folder name that belongs to a two-tower, built-in or imported. */
export const TWO_TOWER_NAMES: ReadonlySet<string> = new Set([...Object.values(TWO_TOWER_FILES), ...Object.values(ONNX_TOWER_FILES)]);

const INTEREST = new Set(['click', 'booking', 'rating']);

export interface TwoTowerStageOptions {
  /** Fewer interest events than this: no two-tower in this version (default 1,000). */
  minExamples?: number;
  config?: TwoTowerConfigInput;
  /** Trainer options; the defaults here cap epochs at 8 with patience 2 (early stopping on validation Recall@100). */
  train?: TrainOptions;
  /** Items embedded per ONNX run (default 8,192). */
  embedBatch?: number;
  log?: (line: string) => void;
}

/** Taps for the baselines' single pass over the store (see trainBaselines). */
export interface TrainingTaps {
  items?(batch: readonly Item[]): void;
  users?(batch: readonly User[]): void;
  interactions?(batch: readonly Interaction[]): void;
}

/**
 * Collects what the two-tower needs from the baselines' pass. The interest events of the training
 * window are held in memory (≈ 0.3 KB each with their context: 1M events ≈ 300 MB); past that, the
 * dataset should be built in two streaming passes (vocabularies, then examples) straight into its
 * typed arrays.
 */
export class TwoTowerCollector {
  readonly users: User[] = [];
  readonly items: Item[] = [];
  readonly events: Interaction[] = [];
  readonly taps: TrainingTaps = {
    items: (batch) => { for (const i of batch) this.items.push(i); },
    users: (batch) => { for (const u of batch) this.users.push(u); },
    interactions: (batch) => { for (const e of batch) if (INTEREST.has(e.type)) this.events.push(e); },
  };
}

export type TwoTowerStageResult =
  | { trained: false; note: string }
  | {
    trained: true;
    source: TwoTowerSource;
    /** Registry files (TWO_TOWER_FILES names). */
    files: Record<string, Uint8Array | string>;
    /** The saved index folder, to register under TWO_TOWER_FILES.indexDir; removed by `cleanup`. */
    indexDir: string;
    metrics: Record<string, number>;
    notes: string[];
    /** Closes the in-memory source and removes the temporary index folder. */
    cleanup: () => Promise<void>;
  };

const elapsed = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

/** Train, embed, index. `indexes` builds the index (the composition root chooses the adapter). */
export async function trainTwoTowerStage(data: TwoTowerCollector, indexes: VectorIndexFactory, o: TwoTowerStageOptions = {}): Promise<TwoTowerStageResult> {
  const log = o.log ?? (() => undefined);
  const min = o.minExamples ?? 1000;
  if (data.events.length < min) {
    return { trained: false, note: `two-tower skipped: ${data.events.length.toLocaleString('en-US')} interest events (clicks, bookings, ratings), fewer than ${min.toLocaleString('en-US')}; candidates come from co-visitation and popularity` };
  }
  const t0 = performance.now();
  log(`two-tower: training on ${data.events.length.toLocaleString('en-US')} interest events, ${data.users.length.toLocaleString('en-US')} users, ${data.items.length.toLocaleString('en-US')} items`);
  let fit: TrainResult;
  try {
    fit = await fitTwoTower({ users: data.users, items: data.items, interactions: data.events }, o.config ?? {}, { epochs: 8, patience: 2, validationFraction: 0.1, contextDropout: 0.25, batchSize: defaultBatchSize(data.events.length), log: (l) => log(`  ${l}`), ...o.train });
  } catch (err) {
    // Data too thin for one batch or a validation split: serve without the two-tower.
    if (err instanceof InvalidInputError) return { trained: false, note: `two-tower skipped: ${err.message}` };
    throw err;
  }
  log(`two-tower: trained in ${elapsed(t0)} (best epoch ${fit.bestEpoch} of ${fit.epochs.length}, validation recall@100 ${fit.bestRecall?.toFixed(4) ?? 'n/a'}, ${Math.round(fit.examplesPerSecond).toLocaleString('en-US')} examples/s)`);
  const { source, indexDir } = await embedAndIndex(fit.model, data.items, indexes, o.embedBatch ?? 8192, log);
  return {
    trained: true, source, indexDir, notes: [], metrics: stageMetrics(fit),
    files: twoTowerFiles(fit.model, source.vectors, summary(fit)),
    cleanup: async () => { source.close(); await rm(indexDir, { recursive: true, force: true }); },
  };
}

/** Embed every retrievable item, build the index and save it to a temporary folder. */
async function embedAndIndex(model: TwoTowerModel, catalog: readonly Item[], indexes: VectorIndexFactory, batch: number, log: (line: string) => void): Promise<{ source: TwoTowerSource; indexDir: string }> {
  let t0 = performance.now();
  const items = catalog.filter(isRetrievable);
  const vectors = await embedItems(model, items, batch);
  const ids = items.map((i) => i.id);
  log(`two-tower: embedded ${ids.length.toLocaleString('en-US')} items (ONNX item tower) in ${elapsed(t0)}`);
  t0 = performance.now();
  const { index, indexDir } = await buildSavedIndex(ids, vectors, model.dim, indexes);
  log(`two-tower: ${index.isExact ? 'exact' : 'ANN'} index of ${index.size.toLocaleString('en-US')} items built and saved in ${elapsed(t0)}`);
  return { source: new TwoTowerSource(model, index, ItemVectors.of(ids, vectors, model.dim)), indexDir };
}

/** An index over `ids` (row-major `vectors`, ids.length × dim), saved to a new temporary folder. */
export async function buildSavedIndex(ids: readonly string[], vectors: Float32Array, dim: number, indexes: VectorIndexFactory): Promise<{ index: VectorIndex; indexDir: string }> {
  const index = indexes.create(dim, ids.length);
  const indexDir = await mkdtemp(path.join(os.tmpdir(), 'wf-two-tower-index-'));
  try {
    index.add(ids, vectors);
    await index.save(indexDir);
  } catch (err) {
    index.close();
    await rm(indexDir, { recursive: true, force: true });
    throw err;
  }
  return { index, indexDir };
}

/**
 * 256 examples per batch (the in-batch negatives) once there are ≥ 51,200 events; smaller data gets
 * smaller batches (a power of two, at least 32) so that an epoch still has ~200 optimizer steps.
 */
export function defaultBatchSize(events: number): number {
  return Math.min(256, Math.max(32, 2 ** Math.floor(Math.log2(Math.max(1, events / 200)))));
}

/** Item-tower embeddings of `items` (items.length × dim) through onnxruntime, in batches. */
export async function embedItems(model: TwoTowerModel, items: readonly Item[], batch = 8192): Promise<Float32Array> {
  const out = new Float32Array(items.length * model.dim);
  if (items.length === 0) return out;
  const onnx = exportOnnxTowers(model);
  const towers = await loadOnnxTowers(onnx.user, onnx.item, model.encoder);
  try {
    for (let from = 0; from < items.length; from += batch) {
      out.set(await towers.itemEmbeddings(items.slice(from, from + batch)), from * model.dim);
    }
  } finally {
    await towers.close();
  }
  return out;
}

function twoTowerFiles(model: TwoTowerModel, table: ItemVectors, training: Record<string, unknown>): Record<string, Uint8Array | string> {
  const art = toArtifact(model, training);
  const vec = table.toFiles();
  return { [TWO_TOWER_FILES.model]: art.json, [TWO_TOWER_FILES.weights]: art.weights, [TWO_TOWER_FILES.vectorsHeader]: vec.header, [TWO_TOWER_FILES.vectors]: vec.vectors };
}

function summary(fit: TrainResult): Record<string, unknown> {
  return {
    bestEpoch: fit.bestEpoch, bestRecall: fit.bestRecall, stoppedEarly: fit.stoppedEarly, trainExamples: fit.trainExamples,
    validationExamples: fit.validationExamples, examplesPerSecond: Math.round(fit.examplesPerSecond),
    epochs: fit.epochs.map((e) => ({ epoch: e.epoch, loss: e.loss, recall: e.recall, seconds: e.seconds, temperature: e.temperature })),
  };
}

function stageMetrics(fit: TrainResult): Record<string, number> {
  return {
    'two_tower_validation_recall_at_100': fit.bestRecall ?? 0, 'two_tower_best_epoch': fit.bestEpoch,
    'two_tower_train_examples': fit.trainExamples, 'two_tower_examples_per_second': Math.round(fit.examplesPerSecond),
  };
}

/** The files and index folder of a registered version, as read back by the registry. */
export interface TwoTowerParts {
  model: Uint8Array;
  weights: Uint8Array;
  vectorsHeader: Uint8Array;
  vectors: Uint8Array;
  indexDir: string;
}

/** The parts of a version with imported ONNX towers (ONNX_TOWER_FILES) instead of the built-in model. */
export interface OnnxTwoTowerParts {
  userModel: Uint8Array;
  itemModel: Uint8Array;
  /** The 'two-tower-vocab@1' file. */
  vocab: Uint8Array;
  vectorsHeader: Uint8Array;
  vectors: Uint8Array;
  indexDir: string;
}

/**
 * Rebuild the serving source from saved parts; the index is opened, not rebuilt. Built-in parts
 * serve in-process; ONNX parts serve through onnxruntime (the user tower in `prepare`).
 */
export async function openTwoTowerSource(parts: TwoTowerParts | OnnxTwoTowerParts, indexes: VectorIndexFactory): Promise<TwoTowerSource> {
  const table = ItemVectors.fromFiles(parts.vectorsHeader, parts.vectors);
  const towers = 'userModel' in parts
    ? onnxSourceTowers(await loadOnnxTowers(parts.userModel, parts.itemModel, encoderOfVocab(parseTowerVocab(new TextDecoder().decode(parts.vocab)))))
    : fromArtifact(new TextDecoder().decode(parts.model), parts.weights);
  let index: VectorIndex | undefined;
  try {
    index = await indexes.open(parts.indexDir);
    if (index.dim !== towers.dim || table.dim !== towers.dim) {
      throw new InvalidInputError(`two-tower: the index has ${index.dim} dimensions, the item vectors ${table.dim}, the towers ${towers.dim}`);
    }
  } catch (err) {
    index?.close();
    if (!(towers instanceof TwoTowerModel)) await towers.close();
    throw err;
  }
  return new TwoTowerSource(towers, index, table);
}

/** Read a registered version's two-tower parts (built-in or imported); undefined when it has no two-tower. */
export async function readTwoTowerParts(registry: ModelRegistry, manifest: ModelManifest): Promise<TwoTowerParts | OnnxTwoTowerParts | undefined> {
  const onnx = manifest.files[ONNX_TOWER_FILES.user] !== undefined;
  if (!onnx && manifest.files[TWO_TOWER_FILES.model] === undefined) return undefined;
  const file = async (name: string): Promise<Uint8Array> => {
    const bytes = await registry.file(manifest, name);
    if (bytes === undefined) throw new RecsysError({ code: ERROR_CODES.MODEL_MISSING, message: `model ${manifest.version} has no ${name}` });
    return bytes;
  };
  const indexDir = await registry.localDir(manifest, TWO_TOWER_FILES.indexDir);
  if (indexDir === undefined) throw new RecsysError({ code: ERROR_CODES.MODEL_MISSING, message: `model ${manifest.version} has no ${TWO_TOWER_FILES.indexDir}` });
  const table = { vectorsHeader: await file(TWO_TOWER_FILES.vectorsHeader), vectors: await file(TWO_TOWER_FILES.vectors), indexDir };
  return onnx
    ? { userModel: await file(ONNX_TOWER_FILES.user), itemModel: await file(ONNX_TOWER_FILES.item), vocab: await file(ONNX_TOWER_FILES.vocab), ...table }
    : { model: await file(TWO_TOWER_FILES.model), weights: await file(TWO_TOWER_FILES.weights), ...table };
}
