/**
 * @module models/two-tower/evaluate
 * Full-corpus Recall@k on held-out queries by brute force: every vocabulary item is embedded and
 * scored against every query (exact, no ANN). The matmul and top-k run in onnxruntime (a 2k × 50k
 * score matrix is 6.4 GMAC: ≈ 0.3 s there, ≈ 10 s in plain JS); a JS path serves small tests.
 */
import * as ort from 'onnxruntime-node';
import type { EvalQueries, TwoTowerDataset } from './dataset.ts';
import { ITEM_FIELD_COUNT, USER_FIELD_COUNT } from './encoding.ts';
import { gatherItem, mlpForward } from './forward.ts';
import { userEmbeddingEncoded } from './infer.ts';
import type { TwoTowerModel } from './model.ts';
import { GraphBuilder, ONNX_FLOAT, ONNX_INT64, int } from './onnx/onnx-graph.ts';
import { ORT_SESSION_OPTIONS } from './ort-step.ts';
import { NORM_EPS } from './step-graph.ts';

/** Query embeddings (count × dim) of eval queries, taken from their dataset examples. */
export function queryEmbeddings(model: TwoTowerModel, ds: TwoTowerDataset, q: EvalQueries): Float32Array {
  const d = model.dim;
  const out = new Float32Array(q.count * d);
  for (let i = 0; i < q.count; i++) {
    const e = q.example[i] as number;
    out.set(userEmbeddingEncoded(model, ds.userFields, ds.recent, e * USER_FIELD_COUNT, e * ds.recentItems), i * d);
  }
  return out;
}

/** Gathered item-tower inputs of every vocabulary item except row 0 (the unknown item): (N − 1) × inputDim. */
function corpusInputs(model: TwoTowerModel, ds: TwoTowerDataset): { x: Float32Array; count: number } {
  const l = model.layout;
  const count = ds.itemFeatures.length / ITEM_FIELD_COUNT - 1;
  const x = new Float32Array(count * l.item.inputDim);
  for (let i = 0; i < count; i++) gatherItem(model.params, l, ds.itemFeatures, (i + 1) * ITEM_FIELD_COUNT, x, i * l.item.inputDim);
  return { x, count };
}

/** Embeddings of every vocabulary item except row 0, in plain JS: row i − 1 is item index i. */
export function corpusEmbeddings(model: TwoTowerModel, ds: TwoTowerDataset): Float32Array {
  const l = model.layout;
  const { x, count } = corpusInputs(model, ds);
  const out = new Float32Array(count * l.outputDim);
  mlpForward(model.params, l.item, l.hiddenDim, l.outputDim, x, count, out, new Float32Array(l.hiddenDim));
  return out;
}

/** Mean over queries of |top-k ∩ relevant| / |relevant|; `topK` holds k item indices per query. */
export function recallFromTopK(topK: Int32Array, k: number, relevant: readonly Int32Array[]): number {
  let sum = 0;
  let n = 0;
  relevant.forEach((rel, i) => {
    if (rel.length === 0) return;
    const set = new Set(rel);
    let hits = 0;
    for (let j = 0; j < k; j++) if (set.has(topK[i * k + j] as number)) hits++;
    sum += hits / rel.length;
    n++;
  });
  return n > 0 ? sum / n : 0;
}

/** Exact top-k row indices of `items` per query in plain JS; for small corpora. */
export function topKJs(queries: Float32Array, items: Float32Array, dim: number, k: number): Int32Array {
  const nq = queries.length / dim;
  const ni = items.length / dim;
  const out = new Int32Array(nq * k).fill(-1);
  const scores = new Float32Array(k);
  for (let q = 0; q < nq; q++) {
    scores.fill(-Infinity);
    for (let i = 0; i < ni; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += (queries[q * dim + j] as number) * (items[i * dim + j] as number);
      if (s <= (scores[k - 1] as number)) continue;
      let at = k - 1;
      for (; at > 0 && (scores[at - 1] as number) < s; at--) {
        scores[at] = scores[at - 1] as number;
        out[q * k + at] = out[q * k + at - 1] as number;
      }
      scores[at] = s;
      out[q * k + at] = i;
    }
  }
  return out;
}

function mlpGraph(inputDim: number, hidden: number, output: number): Uint8Array {
  const g = new GraphBuilder('two_tower_mlp');
  g.input({ name: 'x', elemType: ONNX_FLOAT, shape: ['N', inputDim] });
  for (const [name, shape] of [['w1', [inputDim, hidden]], ['b1', [hidden]], ['w2', [hidden, output]], ['b2', [output]]] as const) {
    g.input({ name, elemType: ONNX_FLOAT, shape });
  }
  g.constInt64('axes1', [1]);
  g.constFloat('eps', [1], Float32Array.of(NORM_EPS));
  const out = g.op('Gemm', [g.op('Relu', [g.op('Gemm', ['x', 'w1', 'b1'])]), 'w2', 'b2']);
  const r = g.op('Sqrt', [g.op('Add', [g.op('ReduceSum', [g.op('Mul', [out, out]), 'axes1'], { keepdims: int(1) }), 'eps'])]);
  g.op('Div', [out, r], {}, 'y');
  g.output({ name: 'y', elemType: ONNX_FLOAT, shape: ['N', output] });
  return g.encode({ producer: 'wayfarer-two-tower' });
}

function topKGraph(k: number): Uint8Array {
  const g = new GraphBuilder('two_tower_topk');
  g.input({ name: 'queries', elemType: ONNX_FLOAT, shape: ['Q', 'D'] });
  g.input({ name: 'items', elemType: ONNX_FLOAT, shape: ['N', 'D'] });
  g.constInt64('k', [k]);
  const scores = g.op('Gemm', ['queries', 'items'], { transB: int(1) });
  g.nodes.push({ op: 'TopK', inputs: [scores, 'k'], outputs: ['values', 'indices'], attrs: { axis: int(1), largest: int(1), sorted: int(1) } });
  g.output({ name: 'values', elemType: ONNX_FLOAT, shape: ['Q', k] });
  g.output({ name: 'indices', elemType: ONNX_INT64, shape: ['Q', k] });
  return g.encode({ producer: 'wayfarer-two-tower' });
}

/** onnxruntime sessions for the item-tower MLP over the corpus and for chunked TopK(Q · Vᵀ, k). */
export class OrtEvaluator {
  private constructor(private readonly mlp: ort.InferenceSession, private readonly topK: ort.InferenceSession, readonly k: number) {}

  static async create(model: TwoTowerModel, k: number): Promise<OrtEvaluator> {
    const l = model.layout;
    const mlp = await ort.InferenceSession.create(mlpGraph(l.item.inputDim, l.hiddenDim, l.outputDim), ORT_SESSION_OPTIONS);
    return new OrtEvaluator(mlp, await ort.InferenceSession.create(topKGraph(k), ORT_SESSION_OPTIONS), k);
  }

  /** Same as `corpusEmbeddings`, with the MLP on onnxruntime. */
  async corpusEmbeddings(model: TwoTowerModel, ds: TwoTowerDataset): Promise<Float32Array> {
    const l = model.layout;
    const p = model.params;
    const { x, count } = corpusInputs(model, ds);
    const t = l.item;
    const w = (from: number, n: number, dims: number[]): ort.Tensor => new ort.Tensor('float32', p.slice(from, from + n), dims);
    const res = await this.mlp.run({
      x: new ort.Tensor('float32', x, [count, t.inputDim]), w1: w(t.w1, t.inputDim * l.hiddenDim, [t.inputDim, l.hiddenDim]),
      b1: w(t.b1, l.hiddenDim, [l.hiddenDim]), w2: w(t.w2, l.hiddenDim * l.outputDim, [l.hiddenDim, l.outputDim]), b2: w(t.b2, l.outputDim, [l.outputDim]),
    });
    const y = res['y']?.data;
    if (!(y instanceof Float32Array)) throw new Error('two-tower evaluator: missing MLP output');
    return y;
  }

  /** Top-k row indices of `items` per query. */
  async search(queries: Float32Array, items: Float32Array, dim: number, chunk = 128): Promise<Int32Array> {
    const nq = queries.length / dim;
    const out = new Int32Array(nq * this.k);
    const itemTensor = new ort.Tensor('float32', items, [items.length / dim, dim]);
    for (let from = 0; from < nq; from += chunk) {
      const rows = Math.min(chunk, nq - from);
      const q = new ort.Tensor('float32', queries.subarray(from * dim, (from + rows) * dim), [rows, dim]);
      const idx = (await this.topK.run({ queries: q, items: itemTensor }))['indices']?.data;
      if (!(idx instanceof BigInt64Array)) throw new Error('two-tower evaluator: missing TopK indices');
      for (let i = 0; i < idx.length; i++) out[from * this.k + i] = Number(idx[i]);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.mlp.release();
    await this.topK.release();
  }
}

/**
 * Recall@k of the model on eval queries over every vocabulary item (exact search), on
 * onnxruntime when an evaluator is given, otherwise in plain JS.
 */
export async function evaluateRecall(model: TwoTowerModel, ds: TwoTowerDataset, q: EvalQueries, k: number, evaluator?: OrtEvaluator): Promise<number> {
  if (q.count === 0) return 0;
  const users = queryEmbeddings(model, ds, q);
  const items = evaluator === undefined ? corpusEmbeddings(model, ds) : await evaluator.corpusEmbeddings(model, ds);
  const kk = Math.min(k, items.length / model.dim);
  const top = evaluator === undefined || kk !== evaluator.k ? topKJs(users, items, model.dim, kk) : await evaluator.search(users, items, model.dim);
  // Corpus rows start at item index 1.
  for (let i = 0; i < top.length; i++) top[i] = (top[i] as number) + 1;
  return recallFromTopK(top, kk, q.relevant);
}
