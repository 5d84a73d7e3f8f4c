/**
 * @module models/two-tower/engine
 * Runs training epochs over one TrainerCore on the calling thread plus `threads − 1` worker
 * threads sharing parameters, optimizer state and data through SharedArrayBuffers (Hogwild).
 * Threads take batch numbers from a shared atomic cursor over one shared example order.
 */
import { createRng, deriveSeed } from '../../util/rng.ts';
import type { TwoTowerDataset } from './dataset.ts';
import { createJsStepRunner } from './js-step.ts';
import type { TwoTowerModel } from './model.ts';
import { createOptimizerState } from './optimizer.ts';
import { createOrtStepRunner } from './ort-step.ts';
import type { CoreOptions, CoreResult } from './trainer-core.ts';
import { TrainerCore } from './trainer-core.ts';
import { TrainingWorkers, shared, sharedDataset } from './worker-pool.ts';

export interface EngineOptions {
  /** 1 = the calling thread only (deterministic); n > 1 adds n − 1 workers. */
  threads: number;
  backend: 'onnx' | 'js';
  options: CoreOptions;
}

/** Per-epoch runner over the main-thread core and the worker threads. */
export interface Engine {
  runEpoch(order: Int32Array, batchCount: number, seed: number): Promise<CoreResult[]>;
  close(): Promise<void>;
}

export async function createEngine(o: EngineOptions, model: TwoTowerModel, ds: TwoTowerDataset, logQ: Float32Array | null, order: Int32Array): Promise<Engine> {
  const l = model.layout;
  const opts = o.options;
  const multi = o.threads > 1;
  const state = createOptimizerState(l, multi);
  const data = multi ? sharedDataset(ds) : ds;
  const q = logQ !== null && multi ? shared(logQ) : logQ;
  const cols = opts.rows + opts.uniform;
  const runner = o.backend === 'onnx' ? await createOrtStepRunner(l, opts.rows, cols) : createJsStepRunner(l);
  const core = new TrainerCore(l, data, q, opts, runner, model.params, state);
  const cursor = new Int32Array(multi ? new SharedArrayBuffer(4) : new ArrayBuffer(4));
  const workers = multi
    ? TrainingWorkers.create(o.threads - 1, { kind: 'two-tower-train', layout: l, options: opts, backend: o.backend, params: model.params, state, dataset: data, logQ: q, order, cursor })
    : null;
  return {
    async runEpoch(ord, batchCount, seed) {
      cursor[0] = 0;
      const jobs = Array.from({ length: o.threads - 1 }, (_, w) => ({ batchCount, seed: deriveSeed(seed, `worker${w + 1}`) }));
      const [main, rest] = await Promise.all([core.run(ord, cursor, batchCount, createRng(deriveSeed(seed, 'worker0'))), workers?.run(jobs) ?? []]);
      return [main, ...rest];
    },
    async close() {
      await runner.close();
      await workers?.close();
    },
  };
}

export function trainOrder(trainEnd: number, multi: boolean): Int32Array {
  const order = multi ? new Int32Array(new SharedArrayBuffer(trainEnd * 4)) : new Int32Array(trainEnd);
  for (let i = 0; i < trainEnd; i++) order[i] = i;
  return order;
}

export function shuffleInPlace(order: Int32Array, seed: number): void {
  const rng = createRng(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
}

