/**
 * @module models/two-tower/train-worker
 * Entry point of a training worker thread: builds its TrainerCore over the shared parameters from
 * `workerData`, then runs each job it is sent and replies with the loss sum and phase times.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createRng } from '../../util/rng.ts';
import { createJsStepRunner } from './js-step.ts';
import { createOrtStepRunner } from './ort-step.ts';
import { TrainerCore } from './trainer-core.ts';
import type { WorkerInit, WorkerJob, WorkerReply } from './worker-pool.ts';

async function main(init: WorkerInit): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const rows = init.options.rows;
  const cols = rows + init.options.uniform;
  const runner = init.backend === 'onnx' ? await createOrtStepRunner(init.layout, rows, cols) : createJsStepRunner(init.layout);
  const core = new TrainerCore(init.layout, init.dataset, init.logQ, init.options, runner, init.params, init.state);
  // Jobs are strictly sequential: the main thread sends the next one only after this reply.
  port.on('message', (job: WorkerJob) => {
    core.run(init.order, init.cursor, job.batchCount, createRng(job.seed)).then(
      (result) => port.postMessage({ ok: true, result } satisfies WorkerReply),
      (err: unknown) => port.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
    );
  });
}

const init = workerData as WorkerInit | null;
if (!isMainThread && init?.kind === 'two-tower-train') void main(init);
