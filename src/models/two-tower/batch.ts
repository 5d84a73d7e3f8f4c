/**
 * @module models/two-tower/batch
 * Assembles one training batch around the dense step: gathers embedding rows into the tower
 * inputs (with id-dropout), builds the logit bias (−log Q per candidate, −1e9 on in-batch
 * duplicates of a row's positive), and scatters the input gradients back into per-table sparse
 * row gradients. One builder per thread; all buffers are allocated once.
 */
import type { Rng } from '../../util/rng.ts';
import type { TwoTowerDataset } from './dataset.ts';
import { ITEM_FIELD_COUNT, USER_FIELD_COUNT, encodeMonth } from './encoding.ts';
import { gatherItem, gatherUser } from './forward.ts';
import type { StepBatch } from './js-step.ts';
import { SparseRows } from './optimizer.ts';
import type { ParamLayout, TableLayout } from './params.ts';
import { UNKNOWN } from './vocab.ts';

/** Logit bias of a candidate that is the row's own positive at another column. */
export const DUPLICATE_BIAS = -1e9;

export interface BatchOptions {
  /** Probability of replacing a user or item id by UNKNOWN (cold-start training). */
  idDropout: number;
  /**
   * Probability of training a row as a request without destination and dates: destination and
   * trip length become UNKNOWN, season and month those of the event time (what serving encodes then).
   */
  contextDropout: number;
  /** Per item index: log Q (expected occurrences among the candidates); null disables the correction. */
  logQ: Float32Array | null;
}

export class BatchBuilder {
  readonly xu: Float32Array;
  readonly xi: Float32Array;
  readonly bias: Float32Array;
  /** Item index per candidate column (positives first, then uniform negatives). */
  readonly columnItem: Int32Array;
  private readonly userRows: Int32Array;
  private readonly recentRows: Int32Array;
  private readonly itemRows: Int32Array;
  private readonly head: Int32Array;
  private readonly stamp: Int32Array;
  private readonly next: Int32Array;
  private batchNo = 0;
  readonly userSparse: SparseRows[];
  readonly recentSparse: SparseRows;
  readonly itemSparse: SparseRows[];

  constructor(readonly layout: ParamLayout, readonly recentItems: number, readonly rows: number, readonly cols: number) {
    this.xu = new Float32Array(rows * layout.user.inputDim);
    this.xi = new Float32Array(cols * layout.item.inputDim);
    this.bias = new Float32Array(rows * cols);
    this.columnItem = new Int32Array(cols);
    this.userRows = new Int32Array(rows * USER_FIELD_COUNT);
    this.recentRows = new Int32Array(rows * recentItems);
    this.itemRows = new Int32Array(cols * ITEM_FIELD_COUNT);
    const itemCount = layout.itemTables[0]?.rows ?? 1;
    this.head = new Int32Array(itemCount);
    this.stamp = new Int32Array(itemCount);
    this.next = new Int32Array(cols);
    this.userSparse = layout.userTables.map((t) => new SparseRows(t, rows));
    this.recentSparse = new SparseRows(layout.recentTable, rows * recentItems + 1);
    this.itemSparse = layout.itemTables.map((t) => new SparseRows(t, cols));
  }

  /** The batch for examples order[from … from + rows) and the given uniform negatives (cols − rows items). */
  fill(p: Float32Array, ds: TwoTowerDataset, order: Int32Array, from: number, negatives: Int32Array, rng: Rng, o: BatchOptions): StepBatch {
    const l = this.layout;
    const r = this.recentItems;
    for (let i = 0; i < this.rows; i++) {
      const e = order[from + i] as number;
      const dropUser = o.idDropout > 0 && rng.next() < o.idDropout;
      for (let f = 0; f < USER_FIELD_COUNT; f++) this.userRows[i * USER_FIELD_COUNT + f] = ds.userFields[e * USER_FIELD_COUNT + f] as number;
      if (dropUser) this.userRows[i * USER_FIELD_COUNT] = UNKNOWN;
      if (o.contextDropout > 0 && rng.next() < o.contextDropout) this.dropContext(i * USER_FIELD_COUNT, ds.ts[e] as number);
      for (let j = 0; j < r; j++) this.recentRows[i * r + j] = ds.recent[e * r + j] as number;
      gatherUser(p, l, this.userRows, i * USER_FIELD_COUNT, this.recentRows, i * r, r, this.xu, i * l.user.inputDim);
      this.columnItem[i] = ds.items[e] as number;
    }
    for (let j = this.rows; j < this.cols; j++) this.columnItem[j] = negatives[j - this.rows] as number;
    for (let j = 0; j < this.cols; j++) {
      const item = this.columnItem[j] as number;
      for (let f = 0; f < ITEM_FIELD_COUNT; f++) this.itemRows[j * ITEM_FIELD_COUNT + f] = ds.itemFeatures[item * ITEM_FIELD_COUNT + f] as number;
      if (o.idDropout > 0 && rng.next() < o.idDropout) this.itemRows[j * ITEM_FIELD_COUNT] = UNKNOWN;
      gatherItem(p, l, this.itemRows, j * ITEM_FIELD_COUNT, this.xi, j * l.item.inputDim);
    }
    this.fillBias(o.logQ);
    return { xu: this.xu, xi: this.xi, bias: this.bias, rows: this.rows, cols: this.cols };
  }

  /** Fields 3 (destination) and 6 (trip length) unknown, 4–5 (season, month) from the event time. */
  private dropContext(at: number, ts: number): void {
    this.userRows[at + 3] = UNKNOWN;
    this.userRows[at + 6] = UNKNOWN;
    encodeMonth(ts, this.userRows, at);
  }

  /** −log Q_j in every row, then mask the row's positive wherever it reappears in another column. */
  private fillBias(logQ: Float32Array | null): void {
    const { rows, cols, bias, columnItem, head, stamp, next } = this;
    for (let j = 0; j < cols; j++) bias[j] = logQ === null ? 0 : -(logQ[columnItem[j] as number] as number);
    for (let i = 1; i < rows; i++) bias.copyWithin(i * cols, 0, cols);
    const b = ++this.batchNo;
    // Columns of the same item form a linked list (head → next), so masking costs O(cols + duplicates).
    for (let j = 0; j < cols; j++) {
      const item = columnItem[j] as number;
      next[j] = stamp[item] === b ? (head[item] as number) : -1;
      stamp[item] = b;
      head[item] = j;
    }
    for (let i = 0; i < rows; i++) {
      for (let j = head[columnItem[i] as number] as number; j >= 0; j = next[j] as number) if (j !== i) bias[i * cols + j] = DUPLICATE_BIAS;
    }
  }

  /** Scatter the input gradients of the last `fill` into the sparse row gradients. */
  scatter(gxu: Float32Array, gxi: Float32Array): void {
    const l = this.layout;
    const r = this.recentItems;
    for (let i = 0; i < this.rows; i++) {
      const at = i * l.user.inputDim;
      for (let f = 0; f < USER_FIELD_COUNT; f++) {
        const t = l.userTables[f] as TableLayout;
        (this.userSparse[f] as SparseRows).add(this.userRows[i * USER_FIELD_COUNT + f] as number, gxu, at + t.column);
      }
      this.scatterRecent(gxu, at + l.recentTable.column, i * r);
    }
    for (let j = 0; j < this.cols; j++) {
      const at = j * l.item.inputDim;
      for (let f = 0; f < ITEM_FIELD_COUNT; f++) {
        const t = l.itemTables[f] as TableLayout;
        (this.itemSparse[f] as SparseRows).add(this.itemRows[j * ITEM_FIELD_COUNT + f] as number, gxi, at + t.column);
      }
    }
  }

  /** The pooled slot's gradient goes 1/n to each of the n known recent items, or wholly to row 0. */
  private scatterRecent(gxu: Float32Array, at: number, rAt: number): void {
    let n = 0;
    for (let j = 0; j < this.recentItems; j++) if (this.recentRows[rAt + j] !== UNKNOWN) n++;
    if (n === 0) {
      this.recentSparse.add(UNKNOWN, gxu, at);
      return;
    }
    for (let j = 0; j < this.recentItems; j++) {
      const row = this.recentRows[rAt + j] as number;
      if (row !== UNKNOWN) this.recentSparse.add(row, gxu, at, 1 / n);
    }
  }

  /** Row-wise Adagrad on every touched row of every table. */
  applySparse(p: Float32Array, rowAcc: Float32Array, lr: number, l2 = 0): void {
    for (const s of this.userSparse) s.applyAdagrad(p, rowAcc, lr, l2);
    this.recentSparse.applyAdagrad(p, rowAcc, lr, l2);
    for (const s of this.itemSparse) s.applyAdagrad(p, rowAcc, lr, l2);
  }
}
