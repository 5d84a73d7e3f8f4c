/**
 * @module models/two-tower/onnx-export
 * Exports each tower as a self-contained ONNX model (opset 17) and serves any pair of towers that
 * follows the same input contract through onnxruntime-node, so a tower trained elsewhere
 * (PyTorch, TensorFlow) can replace ours. The contract (all indices come from the Wayfarer
 * vocabularies of the artifact, 0 = unknown; N is the batch dimension, any size ≥ 1):
 *
 * User tower ("two-tower-user@1"): int64 inputs user_id, home_country, device, destination,
 * season, month, trip_length of shape [N], and recent_items of shape [N, R] (newest first,
 * 0-padded; R = config.recentItems). Output user_embedding: float32 [N, D], L2-normalised.
 * Item tower ("two-tower-item@1"): int64 inputs item_id, city, country, price_band, stars,
 * review_band, chain of shape [N]. Output item_embedding: float32 [N, D], L2-normalised.
 * Scores are dot products; both towers must have the same D.
 */
import * as ort from 'onnxruntime-node';
import { ERROR_CODES, RecsysError } from '../../errors.ts';
import type { Item } from '../../domain/types.ts';
import { ITEM_FIELDS, USER_FIELDS } from './config.ts';
import type { FeatureEncoder, UserQuery } from './encoding.ts';
import { ITEM_FIELD_COUNT, USER_FIELD_COUNT } from './encoding.ts';
import type { TwoTowerModel } from './model.ts';
import { GraphBuilder, ONNX_FLOAT, ONNX_INT64, int } from './onnx/onnx-graph.ts';
import { ORT_SESSION_OPTIONS } from './ort-step.ts';
import type { DenseLayout, TableLayout } from './params.ts';
import { NORM_EPS } from './step-graph.ts';

export const USER_TOWER_CONTRACT = 'two-tower-user@1';
export const ITEM_TOWER_CONTRACT = 'two-tower-item@1';
export const USER_OUTPUT = 'user_embedding';
export const ITEM_OUTPUT = 'item_embedding';
export const RECENT_INPUT = 'recent_items';

function table(g: GraphBuilder, p: Float32Array, t: TableLayout): string {
  return g.constFloat(`emb_${t.name}`, [t.rows, t.dim], p.slice(t.offset, t.offset + t.rows * t.dim));
}

/** Gemm → ReLU → Gemm → x / sqrt(Σx² + eps), weights as initializers. */
function mlp(g: GraphBuilder, p: Float32Array, t: DenseLayout, hidden: number, outDim: number, x: string, out: string): void {
  const w1 = g.constFloat('w1', [t.inputDim, hidden], p.slice(t.w1, t.w1 + t.inputDim * hidden));
  const b1 = g.constFloat('b1', [hidden], p.slice(t.b1, t.b1 + hidden));
  const w2 = g.constFloat('w2', [hidden, outDim], p.slice(t.w2, t.w2 + hidden * outDim));
  const b2 = g.constFloat('b2', [outDim], p.slice(t.b2, t.b2 + outDim));
  g.constFloat('eps', [1], Float32Array.of(NORM_EPS));
  const y = g.op('Gemm', [g.op('Relu', [g.op('Gemm', [x, w1, b1])]), w2, b2]);
  const ssq = g.op('ReduceSum', [g.op('Mul', [y, y]), 'axes1'], { keepdims: int(1) });
  g.op('Div', [y, g.op('Sqrt', [g.op('Add', [ssq, 'eps'])])], {}, out);
}

/** Mean of the known recent rows, or row 0 when the user has none (matches forward.ts poolRecent). */
function pooledRecent(g: GraphBuilder, tbl: string): string {
  const idx = g.input({ name: RECENT_INPUT, elemType: ONNX_INT64, shape: ['N', 'R'] });
  g.constInt64('zero_i64', [0]);
  g.constInt64('axes2', [2]);
  g.constFloat('one', [1], Float32Array.of(1));
  g.constFloat('zero_f', [1], Float32Array.of(0));
  const rows = g.op('Gather', [tbl, idx], { axis: int(0) });
  const mask = g.op('Cast', [g.op('Greater', [idx, 'zero_i64'])], { to: int(ONNX_FLOAT) });
  const count = g.op('ReduceSum', [mask, 'axes1'], { keepdims: int(1) });
  const sum = g.op('ReduceSum', [g.op('Mul', [rows, g.op('Unsqueeze', [mask, 'axes2'])]), 'axes1'], { keepdims: int(0) });
  const mean = g.op('Div', [sum, g.op('Max', [count, 'one'])]);
  const noHistory = g.op('Gather', [tbl, 'zero_i64'], { axis: int(0) });
  return g.op('Where', [g.op('Equal', [count, 'zero_f']), noHistory, mean]);
}

function towerInputs(g: GraphBuilder, p: Float32Array, tables: readonly TableLayout[], names: readonly string[]): string[] {
  g.constInt64('axes1', [1]);
  return tables.map((t, f) => {
    const idx = g.input({ name: names[f] as string, elemType: ONNX_INT64, shape: ['N'] });
    return g.op('Gather', [table(g, p, t), idx], { axis: int(0) });
  });
}

/** The user tower of `model` as ONNX bytes (contract two-tower-user@1). */
export function exportUserTower(model: TwoTowerModel): Uint8Array {
  const { params: p, layout: l } = model;
  const g = new GraphBuilder('wayfarer_user_tower');
  const parts = towerInputs(g, p, l.userTables, USER_FIELDS);
  parts.push(pooledRecent(g, table(g, p, l.recentTable)));
  mlp(g, p, l.user, l.hiddenDim, l.outputDim, g.op('Concat', parts, { axis: int(1) }), USER_OUTPUT);
  g.output({ name: USER_OUTPUT, elemType: ONNX_FLOAT, shape: ['N', l.outputDim] });
  return g.encode({ producer: 'wayfarer', doc: `Wayfarer ${USER_TOWER_CONTRACT}`, props: meta(model, USER_TOWER_CONTRACT) });
}

/** The item tower of `model` as ONNX bytes (contract two-tower-item@1). */
export function exportItemTower(model: TwoTowerModel): Uint8Array {
  const { params: p, layout: l } = model;
  const g = new GraphBuilder('wayfarer_item_tower');
  const parts = towerInputs(g, p, l.itemTables, ITEM_FIELDS);
  mlp(g, p, l.item, l.hiddenDim, l.outputDim, g.op('Concat', parts, { axis: int(1) }), ITEM_OUTPUT);
  g.output({ name: ITEM_OUTPUT, elemType: ONNX_FLOAT, shape: ['N', l.outputDim] });
  return g.encode({ producer: 'wayfarer', doc: `Wayfarer ${ITEM_TOWER_CONTRACT}`, props: meta(model, ITEM_TOWER_CONTRACT) });
}

function meta(model: TwoTowerModel, contract: string): Record<string, string> {
  return { 'wayfarer.contract': contract, 'wayfarer.dim': String(model.dim), 'wayfarer.recent_items': String(model.config.recentItems), 'wayfarer.temperature': String(model.temperature) };
}

/** Both towers as ONNX bytes. */
export function exportOnnxTowers(model: TwoTowerModel): { user: Uint8Array; item: Uint8Array } {
  return { user: exportUserTower(model), item: exportItemTower(model) };
}

/** Towers served by onnxruntime; raw queries and items are encoded with the artifact's vocabularies. */
export interface OnnxTowers {
  /** Embedding dimension D (read from the models). */
  readonly dim: number;
  /** Recent items per user row R (the encoder's `recentItems`). */
  readonly recentItems: number;
  userEmbedding(query: UserQuery): Promise<Float32Array>;
  /** `count` encoded users (USER_FIELDS columns; R recent indices each): count × D floats. */
  userEmbeddingsEncoded(fields: Int32Array, recent: Int32Array, count: number): Promise<Float32Array>;
  /** items.length × D floats; `coldStart` ignores item ids. */
  itemEmbeddings(items: readonly Item[], options?: { coldStart?: boolean }): Promise<Float32Array>;
  /** `count` encoded items (ITEM_FIELDS columns): count × D floats. */
  itemEmbeddingsEncoded(features: Int32Array, count: number): Promise<Float32Array>;
  close(): Promise<void>;
}

function contractError(message: string, cause?: unknown): RecsysError {
  return new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `ONNX two-tower: ${message}`, cause });
}

function checkNames(session: ort.InferenceSession, which: string, inputs: readonly string[], output: string): void {
  const missing = inputs.filter((n) => !session.inputNames.includes(n));
  if (missing.length > 0) throw contractError(`${which} tower lacks inputs ${missing.join(', ')} (has ${session.inputNames.join(', ')})`);
  if (!session.outputNames.includes(output)) throw contractError(`${which} tower lacks output ${output} (has ${session.outputNames.join(', ')})`);
}

/** int64 column `f` of a row-major int32 matrix with `width` columns. */
function column(src: Int32Array, width: number, f: number, count: number): ort.Tensor {
  const out = new BigInt64Array(count);
  for (let i = 0; i < count; i++) out[i] = BigInt(src[i * width + f] as number);
  return new ort.Tensor('int64', out, [count]);
}

async function embed(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, output: string): Promise<Embedded> {
  const t = (await session.run(feeds))[output];
  if (t === undefined || !(t.data instanceof Float32Array) || t.dims.length !== 2) throw contractError(`output ${output} must be a float32 [N, D] tensor`);
  return { data: t.data, dim: t.dims[1] as number };
}

async function openSessions(userModel: Uint8Array, itemModel: Uint8Array): Promise<[ort.InferenceSession, ort.InferenceSession]> {
  try {
    return [await ort.InferenceSession.create(userModel, ORT_SESSION_OPTIONS), await ort.InferenceSession.create(itemModel, ORT_SESSION_OPTIONS)];
  } catch (err) {
    throw contractError('cannot load the models', err);
  }
}

type Embedded = { data: Float32Array; dim: number };

function userRunner(user: ort.InferenceSession, r: number): (fields: Int32Array, recent: Int32Array, count: number) => Promise<Embedded> {
  return (fields, recent, count) => {
    const feeds: Record<string, ort.Tensor> = {};
    USER_FIELDS.forEach((name, f) => (feeds[name] = column(fields, USER_FIELD_COUNT, f, count)));
    feeds[RECENT_INPUT] = new ort.Tensor('int64', BigInt64Array.from(recent.subarray(0, count * r), (v) => BigInt(v)), [count, r]);
    return embed(user, feeds, USER_OUTPUT);
  };
}

function itemRunner(item: ort.InferenceSession): (features: Int32Array, count: number) => Promise<Embedded> {
  return (features, count) => {
    const feeds: Record<string, ort.Tensor> = {};
    ITEM_FIELDS.forEach((name, f) => (feeds[name] = column(features, ITEM_FIELD_COUNT, f, count)));
    return embed(item, feeds, ITEM_OUTPUT);
  };
}

/**
 * Load a user tower and an item tower (ours from `exportOnnxTowers`, or any models following the
 * contract above) for serving. `encoder` maps raw features to the vocabulary indices the models expect.
 * Throws RecsysError(REC_ERR_MODEL_FORMAT) when a model breaks the contract or the dims differ.
 */
export async function loadOnnxTowers(userModel: Uint8Array, itemModel: Uint8Array, encoder: FeatureEncoder): Promise<OnnxTowers> {
  const [user, item] = await openSessions(userModel, itemModel);
  checkNames(user, 'user', [...USER_FIELDS, RECENT_INPUT], USER_OUTPUT);
  checkNames(item, 'item', ITEM_FIELDS, ITEM_OUTPUT);
  const r = encoder.recentItems;
  const userRows = userRunner(user, r);
  const itemRows = itemRunner(item);
  // Probe both towers with one all-unknown row: checks they run and agree on D.
  const dimU = (await userRows(new Int32Array(USER_FIELD_COUNT), new Int32Array(r), 1)).dim;
  const dimI = (await itemRows(new Int32Array(ITEM_FIELD_COUNT), 1)).dim;
  if (dimU !== dimI) throw contractError(`user tower has D = ${dimU}, item tower D = ${dimI}`);
  return {
    dim: dimU, recentItems: r,
    async userEmbedding(query) {
      const fields = new Int32Array(USER_FIELD_COUNT);
      const recent = new Int32Array(r);
      encoder.encodeUser(query, fields, 0, recent, 0);
      return (await userRows(fields, recent, 1)).data;
    },
    userEmbeddingsEncoded: async (fields, recent, count) => (await userRows(fields, recent, count)).data,
    async itemEmbeddings(items, options = {}) {
      const features = new Int32Array(items.length * ITEM_FIELD_COUNT);
      items.forEach((it, i) => encoder.encodeItem(it, features, i * ITEM_FIELD_COUNT, options.coldStart === true));
      return (await itemRows(features, items.length)).data;
    },
    itemEmbeddingsEncoded: async (features, count) => (await itemRows(features, count)).data,
    async close() {
      await user.release();
      await item.release();
    },
  };
}
