/**
 * @module models/two-tower/step-graph
 * The dense part of one training step as an ONNX graph, run by onnxruntime (MLAS kernels, AVX2 /
 * AVX-512): both tower MLPs, L2 normalisation, the in-batch sampled softmax with the logQ
 * correction, and the full backward pass down to the gathered embedding inputs. Embedding gather,
 * scatter and every optimizer update stay in JavaScript, where sparse row updates are cheap.
 */
import { GraphBuilder, int, ONNX_FLOAT } from './onnx/onnx-graph.ts';

/** Sizes fixed when the step graph is built (a session serves one batch shape). */
export interface StepShape {
  /** Examples per batch (rows of the logits matrix). */
  batch: number;
  /** Extra uniformly sampled negatives (columns after the B in-batch ones). */
  uniform: number;
  userInputDim: number;
  itemInputDim: number;
  hiddenDim: number;
  outputDim: number;
}

/** Added under the square root of the L2 norm, here and in the JS forward pass alike. */
export const NORM_EPS = 1e-12;

/** Names of the graph's float32 inputs, in feed order. */
export const STEP_INPUTS = ['xu', 'xi', 'bias', 'wu1', 'bu1', 'wu2', 'bu2', 'wi1', 'bi1', 'wi2', 'bi2', 'log_scale'] as const;
/** Names of the graph's outputs: the mean loss, then d loss / d everything trainable or gathered. */
export const STEP_OUTPUTS = ['loss', 'g_log_scale', 'g_wu1', 'g_bu1', 'g_wu2', 'g_bu2', 'g_wi1', 'g_bi1', 'g_wi2', 'g_bi2', 'g_xu', 'g_xi'] as const;

interface TowerNodes {
  hidden: string;
  norm: string;
  invNorm: string;
}

/**
 * Row sums as a GEMV with a ones vector: onnxruntime's ReduceSum over an axis of a small
 * matrix is several times slower than MLAS on the same data.
 */
function rowSum(g: GraphBuilder, x: string, onesCol: string): string {
  return g.op('MatMul', [x, onesCol]);
}

function towerForward(g: GraphBuilder, x: string, p: string): TowerNodes {
  const hidden = g.op('Relu', [g.op('Gemm', [x, `w${p}1`, `b${p}1`])]);
  const out = g.op('Gemm', [hidden, `w${p}2`, `b${p}2`]);
  const ssq = rowSum(g, g.op('Mul', [out, out]), 'ones_out');
  const invNorm = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [ssq, 'eps'])])]);
  return { hidden, norm: g.op('Mul', [out, invNorm]), invNorm };
}

/** Backprop through normalisation, the output layer, ReLU and the input layer of one tower. */
function towerBackward(g: GraphBuilder, x: string, p: string, t: TowerNodes, dNorm: string, onesRow: string): void {
  const dot = rowSum(g, g.op('Mul', [dNorm, t.norm]), 'ones_out');
  const dOut = g.op('Mul', [g.op('Sub', [dNorm, g.op('Mul', [t.norm, dot])]), t.invNorm]);
  g.op('Gemm', [t.hidden, dOut], { transA: int(1) }, `g_w${p}2`);
  g.op('MatMul', [onesRow, dOut], {}, `g_b${p}2`);
  // ReLU': pass the gradient where hidden = relu(pre) > 0 (exactly where pre > 0).
  const dHidden = g.op('Gemm', [dOut, `w${p}2`], { transB: int(1) });
  const dPre = g.op('Where', [g.op('Greater', [t.hidden, 'zero']), dHidden, 'zero']);
  g.op('Gemm', [x, dPre], { transA: int(1) }, `g_w${p}1`);
  g.op('MatMul', [onesRow, dPre], {}, `g_b${p}1`);
  g.op('Gemm', [dPre, `w${p}1`], { transB: int(1) }, `g_x${p}`);
}

function declareIo(g: GraphBuilder, s: StepShape): void {
  const cols = s.batch + s.uniform;
  const f = (name: string, shape: number[]): void => void g.input({ name, elemType: ONNX_FLOAT, shape });
  f('xu', [s.batch, s.userInputDim]);
  f('xi', [cols, s.itemInputDim]);
  f('bias', [s.batch, cols]);
  for (const [p, din] of [['u', s.userInputDim], ['i', s.itemInputDim]] as const) {
    f(`w${p}1`, [din, s.hiddenDim]);
    f(`b${p}1`, [s.hiddenDim]);
    f(`w${p}2`, [s.hiddenDim, s.outputDim]);
    f(`b${p}2`, [s.outputDim]);
  }
  f('log_scale', [1]);
  const shapes: Record<string, number[]> = {
    loss: [1], g_log_scale: [1, 1], g_wu1: [s.userInputDim, s.hiddenDim], g_bu1: [1, s.hiddenDim], g_wu2: [s.hiddenDim, s.outputDim],
    g_bu2: [1, s.outputDim], g_wi1: [s.itemInputDim, s.hiddenDim], g_bi1: [1, s.hiddenDim], g_wi2: [s.hiddenDim, s.outputDim],
    g_bi2: [1, s.outputDim], g_xu: [s.batch, s.userInputDim], g_xi: [cols, s.itemInputDim],
  };
  for (const name of STEP_OUTPUTS) g.output({ name, elemType: ONNX_FLOAT, shape: shapes[name] ?? [] });
}

/** Constants: ones vectors for row/column sums, diagonal indices of the positives. */
function constants(g: GraphBuilder, s: StepShape): void {
  const cols = s.batch + s.uniform;
  g.constFloat('eps', [1], Float32Array.of(NORM_EPS));
  g.constFloat('zero', [1], Float32Array.of(0));
  g.constFloat('neg_inv_batch', [1], Float32Array.of(-1 / s.batch));
  g.constFloat('ones_out', [s.outputDim, 1], new Float32Array(s.outputDim).fill(1));
  g.constFloat('ones_rows', [1, s.batch], new Float32Array(s.batch).fill(1));
  g.constFloat('ones_cols', [1, cols], new Float32Array(cols).fill(1));
  g.constFloat('minus_ones', [s.batch], new Float32Array(s.batch).fill(-1));
  g.initializers.push({ name: 'diag_rc', dims: [s.batch, 2], data: BigInt64Array.from({ length: 2 * s.batch }, (_, i) => BigInt(i >> 1)) });
  g.initializers.push({ name: 'diag_col2', dims: [s.batch, 1], data: BigInt64Array.from({ length: s.batch }, (_, i) => BigInt(i)) });
}

/**
 * The training-step graph. Loss = mean over rows i of −log softmax(L_i)[i] with
 * L = exp(log_scale) · (u_i · v_j) + bias_ij, where `bias` carries −log Q_j (logQ correction)
 * and −1e9 on in-batch duplicates of the row's positive. Column i of row i is the positive.
 * With u' = exp(log_scale)·u: L = u'vᵀ + bias (one Gemm), G = softmax(L) − I,
 * dL/du' = G v / B, dL/dv = Gᵀu' / B, dL/dlog_scale = Σ (dL/du' ⊙ u').
 */
export function buildStepGraph(s: StepShape): Uint8Array {
  const g = new GraphBuilder('two_tower_train_step');
  declareIo(g, s);
  constants(g, s);
  const u = towerForward(g, 'xu', 'u');
  const v = towerForward(g, 'xi', 'i');
  const scale = g.op('Exp', ['log_scale']);
  const us = g.op('Mul', [u.norm, scale]);
  const lsm = g.op('LogSoftmax', [g.op('Gemm', [us, v.norm, 'bias'], { transB: int(1) })], { axis: int(1) });
  const diag = g.op('GatherElements', [lsm, 'diag_col2'], { axis: int(1) });
  g.op('Mul', [g.op('ReduceSum', [diag], { keepdims: int(0) }), 'neg_inv_batch'], {}, 'loss');
  // G = P − I, with the −1 added on the diagonal only (ScatterND add) instead of a full B×C pass.
  const grad = g.op('ScatterND', [g.op('Exp', [lsm]), 'diag_rc', 'minus_ones'], { reduction: { kind: 'string', value: 'add' } });
  const dUs = g.op('Gemm', [grad, v.norm], { alpha: { kind: 'float', value: 1 / s.batch } });
  g.op('ReduceSum', [g.op('Mul', [dUs, us])], { keepdims: int(1) }, 'g_log_scale');
  const dV = g.op('Gemm', [grad, us], { transA: int(1), alpha: { kind: 'float', value: 1 / s.batch } });
  towerBackward(g, 'xu', 'u', u, g.op('Mul', [dUs, scale]), 'ones_rows');
  towerBackward(g, 'xi', 'i', v, dV, 'ones_cols');
  return g.encode({ producer: 'wayfarer-two-tower', doc: 'Two-tower training step: loss and gradients (in-batch softmax, logQ).' });
}
