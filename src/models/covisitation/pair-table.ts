/**
 * @module models/covisitation/pair-table
 * Training-time accumulation of directed pair weights on dense int ids, with a memory cap:
 * past `maxPairs` distinct pairs, the lowest-weight half is pruned. Weights are in log-time units.
 */
import { TopK } from '../../util/top-k.ts';

/** Neighbour lists in compressed-sparse-row form: row i is [offsets[i], offsets[i+1]). */
export interface NeighbourCsr {
  offsets: Int32Array;
  neighbours: Int32Array;
  weights: Float64Array;
}

/**
 * Rows map a neighbour to a slot of the `vals` slab rather than to the weight itself: updating a
 * slab entry allocates nothing, where a Map of doubles boxes every new value (≈2.5× slower, GC-bound).
 */
export class PairTable {
  readonly rows = new Map<number, Map<number, number>>();
  private vals = new Float64Array(1 << 16);
  /** Slots in use (= distinct pairs held). */
  pairs = 0;
  prunes = 0;

  constructor(private readonly maxPairs: number) {}

  /** Weight of the pair (log-time units), 0 when absent. */
  weight(from: number, to: number): number {
    const slot = this.rows.get(from)?.get(to);
    return slot === undefined ? 0 : (this.vals[slot] as number);
  }

  add(from: number, to: number, w: number): void {
    let row = this.rows.get(from);
    if (row === undefined) {
      row = new Map();
      this.rows.set(from, row);
    }
    const slot = row.get(to);
    if (slot !== undefined) {
      this.vals[slot] = (this.vals[slot] as number) + w;
      return;
    }
    if (this.pairs >= this.vals.length) {
      const grown = new Float64Array(this.vals.length * 2);
      grown.set(this.vals);
      this.vals = grown;
    }
    row.set(to, this.pairs);
    this.vals[this.pairs++] = w;
    if (this.pairs > this.maxPairs) this.prune(Math.floor(this.maxPairs / 2));
  }

  /** Multiply every weight (log-time rebase). */
  scale(f: number): void {
    for (let i = 0; i < this.pairs; i++) this.vals[i] = (this.vals[i] as number) * f;
  }

  /** Drop the lowest-weight pairs until `keep` remain (ties at the threshold are dropped in scan order), compacting the slab. */
  prune(keep: number): void {
    const drop = this.pairs - keep;
    if (drop <= 0) return;
    const threshold = kthSmallest(this.vals.slice(0, this.pairs), drop - 1);
    let less = 0;
    for (let i = 0; i < this.pairs; i++) if ((this.vals[i] as number) < threshold) less++;
    let equalBudget = drop - less;
    const next = new Float64Array(Math.max(1 << 16, keep * 2));
    let n = 0;
    for (const [from, row] of this.rows) {
      for (const [to, slot] of row) {
        const w = this.vals[slot] as number;
        if (w < threshold || (w === threshold && equalBudget-- > 0)) row.delete(to);
        else {
          row.set(to, n);
          next[n++] = w;
        }
      }
      if (row.size === 0) this.rows.delete(from);
    }
    this.vals = next;
    this.pairs = n;
    this.prunes++;
  }

  /** Best `topN` neighbours per row (weight desc, then id asc), weights multiplied by `factor`. */
  toCsr(items: number, topN: number, factor: number): NeighbourCsr {
    const offsets = new Int32Array(items + 1);
    const nb: number[] = [];
    const ws: number[] = [];
    for (let i = 0; i < items; i++) {
      offsets[i] = nb.length;
      const row = this.rows.get(i);
      if (row === undefined) continue;
      const heap = new TopK<number>(topN);
      for (const [to, slot] of row) heap.offer(to, this.vals[slot] as number);
      const top = heap.sorted();
      for (let j = 0; j < top.ids.length; j++) {
        nb.push(top.ids[j] as number);
        ws.push((top.scores[j] as number) * factor);
      }
    }
    offsets[items] = nb.length;
    return { offsets, neighbours: Int32Array.from(nb), weights: Float64Array.from(ws) };
  }
}

/** The k-th smallest value (0-based) of `a`, by in-place quickselect (reorders `a`). */
export function kthSmallest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const pivot = median3(a[lo] as number, a[mid] as number, a[hi] as number);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] as number;
  }
  return a[k] as number;
}

function median3(x: number, y: number, z: number): number {
  return x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
}
