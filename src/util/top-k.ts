/**
 * @module util/top-k
 * Bounded min-heap top-k selection: O(n log k) time, O(k) memory. Order is score descending,
 * ties broken by id ascending so that results are deterministic whatever the insertion order.
 */

/** True when (scoreA, idA) ranks strictly before (scoreB, idB): higher score, then smaller id. */
export function ranksBefore<Id extends number | string>(scoreA: number, idA: Id, scoreB: number, idB: Id): boolean {
  return scoreA > scoreB || (scoreA === scoreB && idA < idB);
}

/**
 * Keeps the best `k` (id, score) pairs offered to it. The root of the heap is the worst kept pair,
 * so an offer that does not beat it costs one comparison. NaN scores are ignored.
 * Offering the same id twice keeps both entries: deduplicate upstream.
 */
export class TopK<Id extends number | string = number> {
  private readonly ids: Id[] = [];
  private readonly scores: number[] = [];

  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`TopK: k must be a non-negative integer, got ${k}`);
  }

  /** Number of pairs currently kept (≤ k). */
  get size(): number {
    return this.ids.length;
  }

  /** The worst kept score, or -Infinity while fewer than k pairs are kept (anything would enter). */
  get threshold(): number {
    return this.ids.length < this.k ? -Infinity : (this.scores[0] as number);
  }

  /** Offer a pair; returns true when it was kept. */
  offer(id: Id, score: number): boolean {
    if (this.k === 0 || Number.isNaN(score)) return false;
    const n = this.ids.length;
    if (n < this.k) {
      this.ids.push(id);
      this.scores.push(score);
      this.siftUp(n);
      return true;
    }
    if (!ranksBefore(score, id, this.scores[0] as number, this.ids[0] as Id)) return false;
    this.ids[0] = id;
    this.scores[0] = score;
    this.siftDown(0);
    return true;
  }

  /** The kept pairs, best first. Does not clear the selector. */
  sorted(): { ids: Id[]; scores: number[] } {
    const order = this.ids.map((_, i) => i);
    order.sort((a, b) => {
      const sa = this.scores[a] as number;
      const sb = this.scores[b] as number;
      if (sa !== sb) return sb - sa;
      const ia = this.ids[a] as Id;
      const ib = this.ids[b] as Id;
      return ia < ib ? -1 : ia > ib ? 1 : 0;
    });
    return { ids: order.map((i) => this.ids[i] as Id), scores: order.map((i) => this.scores[i] as number) };
  }

  /** True when the entry at i is worse than the one at j (min-heap order on rank). */
  private worse(i: number, j: number): boolean {
    return ranksBefore(this.scores[j] as number, this.ids[j] as Id, this.scores[i] as number, this.ids[i] as Id);
  }

  private swap(i: number, j: number): void {
    const id = this.ids[i] as Id;
    this.ids[i] = this.ids[j] as Id;
    this.ids[j] = id;
    const s = this.scores[i] as number;
    this.scores[i] = this.scores[j] as number;
    this.scores[j] = s;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.ids.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.worse(l, m)) m = l;
      if (r < n && this.worse(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
