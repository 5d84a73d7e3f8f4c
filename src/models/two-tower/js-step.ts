/**
 * @module models/two-tower/js-step
 * Reference implementation of the training step in plain float64 JavaScript: the same loss and
 * gradients as the ONNX step graph (in-batch sampled softmax with logQ bias, learned temperature,
 * L2-normalised towers). Used for the gradient check, to cross-check onnxruntime, and as the
 * dependency-free fallback backend (≈ 100× slower than onnxruntime, see train.ts).
 */
import type { FloatArray } from './forward.ts';
import { mlpForward } from './forward.ts';
import type { DenseLayout, ParamLayout } from './params.ts';

/** One batch as the dense step sees it: gathered inputs and the additive logit bias. */
export interface StepBatch {
  /** rows × userInputDim. */
  xu: FloatArray;
  /** cols × itemInputDim (cols = rows + uniform negatives). */
  xi: FloatArray;
  /** rows × cols: −log Q_j, plus −1e9 on in-batch duplicates of the row's positive. */
  bias: Float32Array;
  rows: number;
  cols: number;
}

/** Mean loss and its gradient w.r.t. the dense block and the gathered inputs. */
export interface StepResult {
  loss: number;
  /** Same layout as params[0, denseSize). */
  dense: Float32Array;
  gxu: Float32Array;
  gxi: Float32Array;
}

/** Computes loss and gradients for a batch; implementations: onnxruntime (fast) and JS (reference). */
export interface StepRunner {
  run(params: Float32Array, batch: StepBatch): Promise<StepResult>;
  close(): Promise<void>;
}

interface TowerState {
  hidden: Float64Array;
  norms: Float64Array;
  out: Float64Array;
}

function forwardTower(p: Float32Array, l: ParamLayout, t: DenseLayout, x: FloatArray, rows: number): TowerState {
  const s = { hidden: new Float64Array(rows * l.hiddenDim), norms: new Float64Array(rows), out: new Float64Array(rows * l.outputDim) };
  mlpForward(p, t, l.hiddenDim, l.outputDim, x, rows, s.out, s.hidden, s.norms);
  return s;
}

/** Backprop d loss / d normalised output into dense grads (accumulated in g) and returns d loss / d x. */
function backwardTower(p: Float32Array, l: ParamLayout, t: DenseLayout, x: FloatArray, rows: number, s: TowerState, dNorm: Float64Array, g: Float64Array): Float32Array {
  const h = l.hiddenDim;
  const d = l.outputDim;
  const din = t.inputDim;
  const gx = new Float32Array(rows * din);
  const dOut = new Float64Array(d);
  const dPre = new Float64Array(h);
  for (let i = 0; i < rows; i++) {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += (dNorm[i * d + j] as number) * (s.out[i * d + j] as number);
    for (let j = 0; j < d; j++) dOut[j] = ((dNorm[i * d + j] as number) - (s.out[i * d + j] as number) * dot) / (s.norms[i] as number);
    for (let k = 0; k < h; k++) {
      const hk = s.hidden[i * h + k] as number;
      let acc = 0;
      for (let j = 0; j < d; j++) {
        g[t.w2 + k * d + j] = (g[t.w2 + k * d + j] as number) + hk * (dOut[j] as number);
        acc += (p[t.w2 + k * d + j] as number) * (dOut[j] as number);
      }
      dPre[k] = hk > 0 ? acc : 0;
    }
    for (let j = 0; j < d; j++) g[t.b2 + j] = (g[t.b2 + j] as number) + (dOut[j] as number);
    for (let c = 0; c < din; c++) {
      const xc = x[i * din + c] as number;
      let acc = 0;
      for (let k = 0; k < h; k++) {
        g[t.w1 + c * h + k] = (g[t.w1 + c * h + k] as number) + xc * (dPre[k] as number);
        acc += (p[t.w1 + c * h + k] as number) * (dPre[k] as number);
      }
      gx[i * din + c] = acc;
    }
    for (let k = 0; k < h; k++) g[t.b1 + k] = (g[t.b1 + k] as number) + (dPre[k] as number);
  }
  return gx;
}

/** Row-wise softmax cross-entropy with the positive on the diagonal; returns the mean loss and fills grad = (P − Y)/rows. */
function softmaxLoss(logits: Float64Array, rows: number, cols: number, grad: Float64Array): number {
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, logits[i * cols + j] as number);
    let z = 0;
    for (let j = 0; j < cols; j++) z += Math.exp((logits[i * cols + j] as number) - max);
    const lse = max + Math.log(z);
    loss += lse - (logits[i * cols + i] as number);
    for (let j = 0; j < cols; j++) grad[i * cols + j] = (Math.exp((logits[i * cols + j] as number) - lse) - (i === j ? 1 : 0)) / rows;
  }
  return loss / rows;
}

/** Loss and gradients in float64 (returned as float32 arrays, the loss as a double). */
export function jsStep(p: Float32Array, l: ParamLayout, b: StepBatch): StepResult {
  const d = l.outputDim;
  const u = forwardTower(p, l, l.user, b.xu, b.rows);
  const v = forwardTower(p, l, l.item, b.xi, b.cols);
  const scale = Math.exp(p[l.logScale] as number);
  const sim = new Float64Array(b.rows * b.cols);
  const logits = new Float64Array(b.rows * b.cols);
  for (let i = 0; i < b.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += (u.out[i * d + k] as number) * (v.out[j * d + k] as number);
      sim[i * b.cols + j] = dot;
      logits[i * b.cols + j] = dot * scale + (b.bias[i * b.cols + j] as number);
    }
  }
  const grad = new Float64Array(b.rows * b.cols);
  const loss = softmaxLoss(logits, b.rows, b.cols, grad);
  const g = new Float64Array(l.denseSize);
  let gScale = 0;
  const dU = new Float64Array(b.rows * d);
  const dV = new Float64Array(b.cols * d);
  for (let i = 0; i < b.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      const gij = grad[i * b.cols + j] as number;
      gScale += gij * (sim[i * b.cols + j] as number);
      const ds = gij * scale;
      for (let k = 0; k < d; k++) {
        dU[i * d + k] = (dU[i * d + k] as number) + ds * (v.out[j * d + k] as number);
        dV[j * d + k] = (dV[j * d + k] as number) + ds * (u.out[i * d + k] as number);
      }
    }
  }
  g[l.logScale] = gScale * scale;
  const gxu = backwardTower(p, l, l.user, b.xu, b.rows, u, dU, g);
  const gxi = backwardTower(p, l, l.item, b.xi, b.cols, v, dV, g);
  return { loss, dense: Float32Array.from(g), gxu, gxi };
}

/** The JS reference as a StepRunner. */
export function createJsStepRunner(layout: ParamLayout): StepRunner {
  return {
    run: (params, batch) => Promise.resolve(jsStep(params, layout, batch)),
    close: () => Promise.resolve(),
  };
}
