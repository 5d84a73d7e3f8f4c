/**
 * @module models/two-tower/trainer-core
 * The per-thread training loop: for each batch, gather (JS) → loss and gradients (StepRunner:
 * onnxruntime or JS) → Adam on the dense block → sparse Adagrad on touched embedding rows. The
 * main thread and every worker run one core each over shared parameters (Hogwild).
 */
import type { Rng } from '../../util/rng.ts';
import { BatchBuilder } from './batch.ts';
import type { TwoTowerDataset } from './dataset.ts';
import type { StepRunner } from './js-step.ts';
import type { AdamOptions, OptimizerState } from './optimizer.ts';
import { adamStep } from './optimizer.ts';
import type { ParamLayout } from './params.ts';

/** Hyper-parameters a core needs (plain data: they cross to workers). */
export interface CoreOptions {
  /** Examples per batch. */
  rows: number;
  /** Uniform negatives per batch, shared by all rows. */
  uniform: number;
  idDropout: number;
  /** See BatchOptions.contextDropout. */
  contextDropout: number;
  adam: AdamOptions;
  /** Adagrad learning rate of embedding rows. */
  embeddingLr: number;
  /** L2 coefficient on touched embedding rows. */
  embeddingL2: number;
  learnTemperature: boolean;
  /** Bounds of log(1/τ). */
  logScaleMin: number;
  logScaleMax: number;
}

/** Milliseconds spent per phase, summed over batches (for the throughput report). */
export interface PhaseTimes {
  gatherMs: number;
  stepMs: number;
  updateMs: number;
}

export interface CoreResult {
  lossSum: number;
  batches: number;
  times: PhaseTimes;
}

export class TrainerCore {
  private steps = 0;
  private readonly builder: BatchBuilder;
  private readonly negatives: Int32Array;

  constructor(
    private readonly layout: ParamLayout,
    private readonly ds: TwoTowerDataset,
    private readonly logQ: Float32Array | null,
    private readonly o: CoreOptions,
    private readonly runner: StepRunner,
    private readonly params: Float32Array,
    private readonly state: OptimizerState,
  ) {
    this.builder = new BatchBuilder(layout, ds.recentItems, o.rows, o.rows + o.uniform);
    this.negatives = new Int32Array(o.uniform);
  }

  /**
   * Take batch numbers from the shared `cursor` (Atomics.add on cursor[0]) until batchCount is
   * reached; batch b is examples order[b·rows … (b + 1)·rows). Threads that get more CPU take
   * more batches, so a preempted thread does not hold up the epoch.
   */
  async run(order: Int32Array, cursor: Int32Array, batchCount: number, rng: Rng): Promise<CoreResult> {
    const times: PhaseTimes = { gatherMs: 0, stepMs: 0, updateMs: 0 };
    const itemRows = this.layout.itemTables[0]?.rows ?? 1;
    let lossSum = 0;
    let batches = 0;
    for (let b = Atomics.add(cursor, 0, 1); b < batchCount; b = Atomics.add(cursor, 0, 1)) {
      const t0 = performance.now();
      for (let j = 0; j < this.o.uniform; j++) this.negatives[j] = 1 + rng.int(itemRows - 1);
      const batch = this.builder.fill(this.params, this.ds, order, b * this.o.rows, this.negatives, rng, { idDropout: this.o.idDropout, contextDropout: this.o.contextDropout, logQ: this.logQ });
      const t1 = performance.now();
      const res = await this.runner.run(this.params, batch);
      const t2 = performance.now();
      this.update(res.dense, res.gxu, res.gxi);
      times.gatherMs += t1 - t0;
      times.stepMs += t2 - t1;
      times.updateMs += performance.now() - t2;
      lossSum += res.loss;
      batches++;
    }
    return { lossSum, batches, times };
  }

  private update(dense: Float32Array, gxu: Float32Array, gxi: Float32Array): void {
    const l = this.layout;
    if (!this.o.learnTemperature) dense[l.logScale] = 0;
    adamStep(this.params, this.state, dense, ++this.steps, this.o.adam);
    this.params[l.logScale] = Math.min(this.o.logScaleMax, Math.max(this.o.logScaleMin, this.params[l.logScale] as number));
    this.builder.scatter(gxu, gxi);
    this.builder.applySparse(this.params, this.state.rowAcc, this.o.embeddingLr, this.o.embeddingL2);
  }
}
