/**
 * @module models/two-tower/optimizer
 * Adam for the dense block (MLPs, temperature) and sparse row-wise Adagrad for embedding rows
 * (one accumulator per row, as FBGEMM's rowwise_adagrad: a quarter of the per-element cost and
 * 1/dim of the memory). A batch's row gradients are first summed per distinct row, then only
 * touched rows are updated. In place on (possibly shared) Float32Arrays, Hogwild across threads.
 */
import type { ParamLayout, TableLayout } from './params.ts';

/** Optimizer state. */
export interface OptimizerState {
  /** Adam first moment of the dense block (same offsets as params). */
  m: Float32Array;
  /** Adam second moment of the dense block. */
  v: Float32Array;
  /** Row-wise Adagrad accumulators: Σ over steps of the mean squared row gradient, at TableLayout.firstRow + row. */
  rowAcc: Float32Array;
}

export function createOptimizerState(layout: ParamLayout, shared = false): OptimizerState {
  const alloc = (n: number): Float32Array => (shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n));
  return { m: alloc(layout.denseSize), v: alloc(layout.denseSize), rowAcc: alloc(layout.tableRows) };
}

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export const ADAM_DEFAULTS: Readonly<AdamOptions> = Object.freeze({ lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 });

/** One bias-corrected Adam step (`step` counts from 1) over params[0, grad.length). */
export function adamStep(p: Float32Array, s: OptimizerState, grad: Float32Array, step: number, o: AdamOptions): void {
  const { beta1: b1, beta2: b2, eps } = o;
  const lr = (o.lr * Math.sqrt(1 - b2 ** step)) / (1 - b1 ** step);
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const { m, v } = s;
  for (let i = 0; i < grad.length; i++) {
    const g = grad[i] as number;
    const mi = b1 * (m[i] as number) + c1 * g;
    const vi = b2 * (v[i] as number) + c2 * g * g;
    m[i] = mi;
    v[i] = vi;
    p[i] = (p[i] as number) - (lr * mi) / (Math.sqrt(vi) + eps);
  }
}

/** Sums the gradient rows of one table over a batch, then applies Adagrad to the touched rows only. */
export class SparseRows {
  private readonly slotOf: Int32Array;
  private readonly rows: Int32Array;
  private readonly grad: Float32Array;
  private count = 0;

  /** `capacity`: the most distinct rows one batch can touch. */
  constructor(readonly table: TableLayout, capacity: number) {
    this.slotOf = new Int32Array(table.rows).fill(-1);
    const cap = Math.min(capacity, table.rows);
    this.rows = new Int32Array(cap);
    this.grad = new Float32Array(cap * table.dim);
  }

  /** Add scale · src[at … at + dim) to the gradient of `row`. */
  add(row: number, src: Float32Array, at: number, scale = 1): void {
    const dim = this.table.dim;
    let slot = this.slotOf[row] as number;
    const g = this.grad;
    if (slot < 0) {
      slot = this.count++;
      this.slotOf[row] = slot;
      this.rows[slot] = row;
      const base = slot * dim;
      for (let k = 0; k < dim; k++) g[base + k] = scale * (src[at + k] as number);
      return;
    }
    const base = slot * dim;
    for (let k = 0; k < dim; k++) g[base + k] = (g[base + k] as number) + scale * (src[at + k] as number);
  }

  /**
   * Row-wise Adagrad on every touched row, then forget the batch: with g = row gradient + l2 · row,
   * acc += mean(g²), row −= lr · g / (√acc + eps). The L2 term is lazy: only touched rows decay.
   */
  applyAdagrad(p: Float32Array, rowAcc: Float32Array, lr: number, l2 = 0, eps = 1e-7): void {
    const dim = this.table.dim;
    const g = this.grad;
    for (let s = 0; s < this.count; s++) {
      const row = this.rows[s] as number;
      const at = this.table.offset + row * dim;
      const base = s * dim;
      let ss = 0;
      for (let k = 0; k < dim; k++) {
        const gk = (g[base + k] as number) + l2 * (p[at + k] as number);
        g[base + k] = gk;
        ss += gk * gk;
      }
      const accAt = this.table.firstRow + row;
      const a = (rowAcc[accAt] as number) + ss / dim;
      rowAcc[accAt] = a;
      const step = lr / (Math.sqrt(a) + eps);
      for (let k = 0; k < dim; k++) p[at + k] = (p[at + k] as number) - step * (g[base + k] as number);
      this.slotOf[row] = -1;
    }
    this.count = 0;
  }

  /** Distinct rows touched since the last apply. */
  get touched(): number {
    return this.count;
  }

  /** The summed gradient of `row` in this batch, or null when untouched (for tests). */
  gradientOf(row: number): Float32Array | null {
    const slot = this.slotOf[row] as number;
    return slot < 0 ? null : this.grad.slice(slot * this.table.dim, (slot + 1) * this.table.dim);
  }
}
