/**
 * @module models/two-tower/worker-pool
 * Training worker threads. Each worker runs one TrainerCore (own onnxruntime session) over the
 * shared parameters; the main thread sends "run these batches" and awaits the summed loss. When
 * this module runs from TypeScript source (tsx, vitest), workers load tsx before the worker module.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TwoTowerDataset } from './dataset.ts';
import type { OptimizerState } from './optimizer.ts';
import type { ParamLayout } from './params.ts';
import type { CoreOptions, CoreResult } from './trainer-core.ts';

/** Everything a worker needs; typed arrays are views of SharedArrayBuffers (shared, not copied). */
export interface WorkerInit {
  kind: 'two-tower-train';
  layout: ParamLayout;
  options: CoreOptions;
  backend: 'onnx' | 'js';
  params: Float32Array;
  state: OptimizerState;
  dataset: TwoTowerDataset;
  logQ: Float32Array | null;
  /** The epoch's example order, rewritten by the main thread before each epoch. */
  order: Int32Array;
  /** cursor[0]: the next batch number to take, reset to 0 by the main thread before each epoch. */
  cursor: Int32Array;
}

/** A request to take batches from the shared cursor until `batchCount`. */
export interface WorkerJob {
  batchCount: number;
  seed: number;
}

export type WorkerReply = { ok: true; result: CoreResult } | { ok: false; message: string };

/** A copy of `a` in shared memory (or `a` itself when it already is shared). */
export function shared<T extends Float32Array | Float64Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** The dataset's arrays moved to shared memory. */
export function sharedDataset(ds: TwoTowerDataset): TwoTowerDataset {
  return {
    ...ds, userFields: shared(ds.userFields), recent: shared(ds.recent), items: shared(ds.items),
    ts: shared(ds.ts), itemFeatures: shared(ds.itemFeatures),
  };
}

function spawn(init: WorkerInit): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './train-worker.ts' : './train-worker.js', import.meta.url);
  if (!fromSource) return new Worker(entry, { workerData: init });
  const boot = `import(${JSON.stringify(tsxEsmApi())}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData: init });
}

/** URL of tsx's ESM API (`tsx/esm/api`, import condition), read from tsx's own export map. */
function tsxEsmApi(): string {
  const req = createRequire(import.meta.url);
  const pkgPath = req.resolve('tsx/package.json');
  const pkg = req(pkgPath) as { exports: Record<string, { import: { default: string } }> };
  const rel = pkg.exports['./esm/api']?.import.default ?? './dist/esm/api/index.mjs';
  return pathToFileURL(path.join(path.dirname(pkgPath), rel)).href;
}

/** A fixed set of training workers; a worker that dies fails its current and every later job. */
export class TrainingWorkers {
  private failure: Error | null = null;
  private readonly pending = new Set<(err: Error) => void>();

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      // A persistent listener: an 'error' event without one would crash the whole process.
      w.on('error', (err) => {
        this.failure = err;
        for (const fail of this.pending) fail(err);
      });
    }
  }

  static create(count: number, init: WorkerInit): TrainingWorkers {
    return new TrainingWorkers(Array.from({ length: count }, () => spawn(init)));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Send `jobs[i]` to worker i; resolves with every worker's result. */
  run(jobs: readonly WorkerJob[]): Promise<CoreResult[]> {
    return Promise.all(this.workers.map((w, i) => new Promise<CoreResult>((resolve, reject) => {
      if (this.failure !== null) {
        reject(new Error('two-tower training worker died', { cause: this.failure }));
        return;
      }
      const fail = (err: Error): void => reject(new Error('two-tower training worker died', { cause: err }));
      this.pending.add(fail);
      w.once('message', (reply: WorkerReply) => {
        this.pending.delete(fail);
        if (reply.ok) resolve(reply.result);
        else reject(new Error(`two-tower training worker: ${reply.message}`));
      });
      w.postMessage(jobs[i]);
    })));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
