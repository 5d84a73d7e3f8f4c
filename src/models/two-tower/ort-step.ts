/**
 * @module models/two-tower/ort-step
 * The training step on onnxruntime-node: one InferenceSession per thread over the step graph,
 * single intra-op thread (parallelism comes from training workers, not from ORT's pool, which is
 * slower on 2 cores). Weights are fed as views of the shared parameter array each step.
 */
import * as ort from 'onnxruntime-node';
import type { StepBatch, StepResult, StepRunner } from './js-step.ts';
import type { ParamLayout } from './params.ts';
import { buildStepGraph } from './step-graph.ts';

/** Session options shared by every two-tower ORT session: one thread, full graph optimisation. */
export const ORT_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  logSeverityLevel: 3,
};

function f32(a: Float32Array | Float64Array): Float32Array {
  return a instanceof Float32Array ? a : Float32Array.from(a);
}

function view(p: Float32Array, from: number, length: number, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', p.subarray(from, from + length), dims);
}

function weightFeeds(p: Float32Array, l: ParamLayout): Record<string, ort.Tensor> {
  const h = l.hiddenDim;
  const d = l.outputDim;
  const feeds: Record<string, ort.Tensor> = {};
  for (const [k, t] of [['u', l.user], ['i', l.item]] as const) {
    feeds[`w${k}1`] = view(p, t.w1, t.inputDim * h, [t.inputDim, h]);
    feeds[`b${k}1`] = view(p, t.b1, h, [h]);
    feeds[`w${k}2`] = view(p, t.w2, h * d, [h, d]);
    feeds[`b${k}2`] = view(p, t.b2, d, [d]);
  }
  feeds['log_scale'] = view(p, l.logScale, 1, [1]);
  return feeds;
}

/**
 * Pre-allocated output tensors: the dense gradients are views into one array laid out like
 * params[0, denseSize), so ORT writes them in place and nothing is copied or allocated per step.
 */
function outputs(l: ParamLayout, rows: number, cols: number): { fetches: Record<string, ort.Tensor>; result: StepResult } {
  const h = l.hiddenDim;
  const d = l.outputDim;
  const dense = new Float32Array(l.denseSize);
  const gxu = new Float32Array(rows * l.user.inputDim);
  const gxi = new Float32Array(cols * l.item.inputDim);
  const fetches: Record<string, ort.Tensor> = {
    loss: new ort.Tensor('float32', new Float32Array(1), [1]),
    g_log_scale: view(dense, l.logScale, 1, [1, 1]),
    g_xu: new ort.Tensor('float32', gxu, [rows, l.user.inputDim]),
    g_xi: new ort.Tensor('float32', gxi, [cols, l.item.inputDim]),
  };
  for (const [k, t] of [['u', l.user], ['i', l.item]] as const) {
    fetches[`g_w${k}1`] = view(dense, t.w1, t.inputDim * h, [t.inputDim, h]);
    fetches[`g_b${k}1`] = view(dense, t.b1, h, [1, h]);
    fetches[`g_w${k}2`] = view(dense, t.w2, h * d, [h, d]);
    fetches[`g_b${k}2`] = view(dense, t.b2, d, [1, d]);
  }
  return { fetches, result: { loss: NaN, dense, gxu, gxi } };
}

/**
 * A StepRunner on onnxruntime for batches of exactly `rows` examples and `cols` candidates. The
 * returned StepResult arrays are reused by the next `run` (consume them before calling again).
 */
export async function createOrtStepRunner(layout: ParamLayout, rows: number, cols: number): Promise<StepRunner> {
  const graph = buildStepGraph({
    batch: rows, uniform: cols - rows, userInputDim: layout.user.inputDim, itemInputDim: layout.item.inputDim,
    hiddenDim: layout.hiddenDim, outputDim: layout.outputDim,
  });
  const session = await ort.InferenceSession.create(graph, ORT_SESSION_OPTIONS);
  // onnxruntime-node rejects SharedArrayBuffer-backed tensors: feed a private copy of the dense block.
  const dense = new Float32Array(layout.denseSize);
  const feeds = weightFeeds(dense, layout);
  const { fetches, result } = outputs(layout, rows, cols);
  const lossOut = fetches['loss']?.data as Float32Array;
  let inputs: StepBatch | null = null;
  return {
    async run(params: Float32Array, b: StepBatch): Promise<StepResult> {
      if (b.rows !== rows || b.cols !== cols) throw new Error(`two-tower ORT step: built for ${rows}×${cols}, got ${b.rows}×${b.cols}`);
      dense.set(params.subarray(0, layout.denseSize));
      if (inputs === null || inputs.xu !== b.xu || inputs.xi !== b.xi || inputs.bias !== b.bias) {
        // Batches from one BatchBuilder reuse their buffers, so these tensors are built once.
        feeds['xu'] = new ort.Tensor('float32', f32(b.xu), [rows, layout.user.inputDim]);
        feeds['xi'] = new ort.Tensor('float32', f32(b.xi), [cols, layout.item.inputDim]);
        feeds['bias'] = new ort.Tensor('float32', b.bias, [rows, cols]);
        inputs = b.xu instanceof Float32Array && b.xi instanceof Float32Array ? b : null;
      }
      await session.run(feeds, fetches);
      result.loss = lossOut[0] ?? NaN;
      return result;
    },
    close: () => session.release(),
  };
}
