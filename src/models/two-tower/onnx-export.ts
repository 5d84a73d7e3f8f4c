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
import type { Item } from '../../domain/types.ts';
import { ITEM_FIELDS, USER_FIELDS } from './config.ts';
import type { FeatureEncoder, UserQuery } from './encoding.ts';
import { ITEM_FIELD_COUNT, USER_FIELD_COUNT } from './encoding.ts';
import type { TwoTowerModel } from './model.ts';
import { checkTowerSignature, contractError } from './onnx-contract.ts';
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

/** int64 column `f` of a row-major int32 matrix with `width` columns. */
function column(src: Int32Array, width: number, f: number, count: number): ort.Tensor {
  const out = new BigInt64Array(count);
  for (let i = 0; i < count; i++) out[i] = BigInt(src[i * width + f] as number);
  return new ort.Tensor('int64', out, [count]);
}

async function embed(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, output: string, count: number): Promise<Embedded> {
  let t: ort.Tensor | undefined;
  try {
    t = (await session.run(feeds))[output];
  } catch (err) {
    throw contractError(`running ${output} on ${count} row(s) failed: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (t === undefined || !(t.data instanceof Float32Array) || t.dims.length !== 2) throw contractError(`output ${output} must be a float32 [N, D] tensor`);
  if (t.dims[0] !== count) throw contractError(`output ${output} has ${t.dims[0]} rows for ${count} input rows (N must be the free batch dimension)`);
  return { data: t.data, dim: t.dims[1] as number };
}

async function openSession(bytes: Uint8Array, tower: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, ORT_SESSION_OPTIONS);
  } catch (err) {
    throw contractError(`cannot load the ${tower} tower as an ONNX model: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

async function openSessions(userModel: Uint8Array, itemModel: Uint8Array): Promise<[ort.InferenceSession, ort.InferenceSession]> {
  const user = await openSession(userModel, 'user');
  try {
    return [user, await openSession(itemModel, 'item')];
  } catch (err) {
    await user.release();
    throw err;
  }
}

type Embedded = { data: Float32Array; dim: number };

type UserRows = (fields: Int32Array, recent: Int32Array, count: number) => Promise<Embedded>;
type ItemRows = (features: Int32Array, count: number) => Promise<Embedded>;

function userRunner(user: ort.InferenceSession, r: number): UserRows {
  return (fields, recent, count) => {
    const feeds: Record<string, ort.Tensor> = {};
    USER_FIELDS.forEach((name, f) => (feeds[name] = column(fields, USER_FIELD_COUNT, f, count)));
    feeds[RECENT_INPUT] = new ort.Tensor('int64', BigInt64Array.from(recent.subarray(0, count * r), (v) => BigInt(v)), [count, r]);
    return embed(user, feeds, USER_OUTPUT, count);
  };
}

function itemRunner(item: ort.InferenceSession): ItemRows {
  return (features, count) => {
    const feeds: Record<string, ort.Tensor> = {};
    ITEM_FIELDS.forEach((name, f) => (feeds[name] = column(features, ITEM_FIELD_COUNT, f, count)));
    return embed(item, feeds, ITEM_OUTPUT, count);
  };
}

/**
 * Load a user tower and an item tower (ours from `exportOnnxTowers`, or any models following the
 * contract above) for serving. `encoder` maps raw features to the vocabulary indices the models expect.
 * Throws RecsysError(REC_ERR_MODEL_FORMAT) naming the problem when a model cannot be loaded, breaks
 * the declared signature (see onnx-contract.ts), fails on a probe batch, or the towers' D differ.
 */
export async function loadOnnxTowers(userModel: Uint8Array, itemModel: Uint8Array, encoder: FeatureEncoder): Promise<OnnxTowers> {
  const [user, item] = await openSessions(userModel, itemModel);
  const r = encoder.recentItems;
  const userRows = userRunner(user, r);
  const itemRows = itemRunner(item);
  let dim: number;
  try {
    checkTowerSignature(user, { tower: 'user', vectors: USER_FIELDS, matrix: { name: RECENT_INPUT, width: r }, output: USER_OUTPUT });
    checkTowerSignature(item, { tower: 'item', vectors: ITEM_FIELDS, output: ITEM_OUTPUT });
    dim = await probeDim(userRows, itemRows, r);
  } catch (err) {
    await Promise.all([user.release(), item.release()]);
    throw err;
  }
  return towersOver(user, item, encoder, dim, userRows, itemRows);
}

/** Run one all-unknown row (twice, as a batch of 2) through each tower: they must run and agree on D. */
async function probeDim(userRows: UserRows, itemRows: ItemRows, r: number): Promise<number> {
  const dimU = (await userRows(new Int32Array(2 * USER_FIELD_COUNT), new Int32Array(2 * r), 2)).dim;
  const dimI = (await itemRows(new Int32Array(2 * ITEM_FIELD_COUNT), 2)).dim;
  if (dimU !== dimI) throw contractError(`the towers disagree on D: user tower D = ${dimU}, item tower D = ${dimI}`);
  if (dimU < 1) throw contractError('the towers output D = 0 dimensions');
  return dimU;
}

function towersOver(user: ort.InferenceSession, item: ort.InferenceSession, encoder: FeatureEncoder, dim: number, userRows: UserRows, itemRows: ItemRows): OnnxTowers {
  const r = encoder.recentItems;
  return {
    dim, recentItems: r,
    async userEmbedding(query) {
      const fields = new Int32Array(USER_FIELD_COUNT);
      const recent = new Int32Array(r);
      encoder.encodeUser(query, fields, 0, recent, 0);
      return (await userRows(fields, recent, 1)).data;
    },
    userEmbeddingsEncoded: async (fields, recent, count) => (await userRows(fields, recent, count)).data,
    async itemEmbeddings(items, options = {}) {
      if (items.length === 0) return new Float32Array(0);
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
