/**
 * @module models/covisitation/covisitation-model
 * The serving side of co-visitation: per-item neighbour lists (CSR, plus rows changed online),
 * queried with a user's recent items and updated online as events arrive.
 */
import type { Candidate } from '../../domain/candidate.ts';
import type { Interaction, ItemId } from '../../domain/types.ts';
import { TopK, ranksBefore } from '../../util/top-k.ts';
import type { CovisitationArtifact } from './artifact.ts';
import { covisitationFromArtifact, covisitationToArtifact } from './artifact.ts';
import type { CovisitationConfig } from './options.ts';
import type { NeighbourCsr } from './pair-table.ts';
import { emitPairsFromHistory, internItem } from './pairs.ts';

/** A recent item of the user and how much it should count (e.g. 3 for a booking, decayed by age). */
export interface RecentItem {
  itemId: ItemId;
  weight: number;
}

/** Rebase the log-time origin before exp((ts − t0)/τ) can overflow. */
const MAX_EXPONENT = 600;

/** Reusable per-query accumulators; an entry is live when its stamp equals the query's generation. */
interface Scratch {
  gen: number;
  stamp: Uint32Array;
  acc: Float64Array;
  best: Float64Array;
  src: Int32Array;
}

interface Row {
  ids: ArrayLike<number>;
  w: ArrayLike<number>;
}

export class CovisitationModel {
  private readonly tauMs: number;
  /** Rows changed online (best first, at most topN), replacing the CSR row. */
  private readonly overlay = new Map<number, { ids: number[]; w: number[] }>();
  private nowMs: number;
  /** Per-model scratch arrays indexed by item, reset lazily by generation stamps (queries are synchronous). */
  private scratch: Scratch | null = null;

  /** Use `CovisitationTrainer.build` or `CovisitationModel.fromArtifact`; the constructor only assigns. */
  constructor(
    readonly config: CovisitationConfig,
    private readonly items: ItemId[],
    private readonly index: Map<ItemId, number>,
    private readonly csr: NeighbourCsr,
    /** Origin of the log-time units of `csr.weights` (UTC ms). */
    private t0: number,
    now: number,
    private readonly trainStats: CovisitationArtifact['stats'],
  ) {
    this.tauMs = config.halfLifeMs / Math.LN2;
    this.nowMs = now;
  }

  /** Instant (UTC ms) scores are decayed to: the build `now`, advanced by later online events. */
  get now(): number {
    return this.nowMs;
  }

  /** Counts for logs and benchmarks. */
  stats(): { items: number; neighbours: number; onlineRows: number } & CovisitationArtifact['stats'] {
    return { items: this.items.length, neighbours: this.csr.neighbours.length, onlineRows: this.overlay.size, ...this.trainStats };
  }

  private row(idx: number): Row {
    const o = this.overlay.get(idx);
    if (o !== undefined) return o;
    if (idx + 1 >= this.csr.offsets.length) return { ids: [], w: [] };
    const a = this.csr.offsets[idx] as number;
    const b = this.csr.offsets[idx + 1] as number;
    return { ids: this.csr.neighbours.subarray(a, b), w: this.csr.weights.subarray(a, b) };
  }

  private decay(): number {
    return Math.exp((this.t0 - this.nowMs) / this.tauMs);
  }

  /**
   * Items co-visited with the user's recent items: score(c) = Σ_r weight_r · w(r → c), with pair
   * weights decayed to `now`. The reason names the recent item contributing most. Recent items
   * themselves, unknown items and items for which `exclude` returns true are left out.
   * Ties are broken by item id.
   */
  query(recent: readonly RecentItem[], k: number, exclude?: (itemId: ItemId) => boolean): Candidate[] {
    const sc = this.scratchFor(this.items.length);
    // Two fresh generations: `own` marks the query's items (never candidates), `gen` live accumulators.
    const gen = ++sc.gen;
    const own = ++sc.gen;
    for (const r of recent) {
      const idx = this.index.get(r.itemId);
      if (idx !== undefined) sc.stamp[idx] = own;
    }
    const touched: number[] = [];
    for (const r of recent) {
      const idx = this.index.get(r.itemId);
      if (idx === undefined || !(r.weight > 0)) continue;
      const { ids, w } = this.row(idx);
      for (let j = 0; j < ids.length; j++) {
        const n = ids[j] as number;
        const stamp = sc.stamp[n] as number;
        if (stamp === own) continue;
        const c = r.weight * (w[j] as number);
        if (stamp !== gen) {
          sc.stamp[n] = gen;
          sc.acc[n] = 0;
          sc.best[n] = -Infinity;
          touched.push(n);
        }
        sc.acc[n] = (sc.acc[n] as number) + c;
        if (c > (sc.best[n] as number)) {
          sc.best[n] = c;
          sc.src[n] = idx;
        }
      }
    }
    return this.select(sc, touched, k, exclude);
  }

  private scratchFor(n: number): Scratch {
    if (this.scratch === null || this.scratch.stamp.length < n || this.scratch.gen > 0x7ffffff0) {
      const cap = Math.max(n, Math.ceil((this.scratch?.stamp.length ?? 0) * 1.5));
      this.scratch = { gen: 0, stamp: new Uint32Array(cap), acc: new Float64Array(cap), best: new Float64Array(cap), src: new Int32Array(cap) };
    }
    return this.scratch;
  }

  private select(sc: Scratch, touched: readonly number[], k: number, exclude?: (itemId: ItemId) => boolean): Candidate[] {
    const heap = new TopK<string>(Math.max(0, k));
    const idxOf = new Map<string, number>();
    for (const n of touched) {
      const score = sc.acc[n] as number;
      if (score < heap.threshold) continue;
      const itemId = this.items[n] as string;
      if (exclude?.(itemId) === true) continue;
      if (heap.offer(itemId, score)) idxOf.set(itemId, n);
    }
    const f = this.decay();
    const top = heap.sorted();
    return top.ids.map((itemId, i) => {
      const score = (top.scores[i] as number) * f;
      const from = this.items[sc.src[idxOf.get(itemId) as number] as number] as string;
      return { itemId, source: 'covisitation', score, sourceScores: { covisitation: score }, reasons: [{ kind: 'covisited', itemId: from }] };
    });
  }

  /** The item's strongest `k` neighbours (weight decayed to `now`), reason = the item itself. */
  similar(itemId: ItemId, k: number): Candidate[] {
    const idx = this.index.get(itemId);
    if (idx === undefined || k <= 0) return [];
    const { ids, w } = this.row(idx);
    const f = this.decay();
    const out: Candidate[] = [];
    for (let j = 0; j < Math.min(k, ids.length); j++) {
      const score = (w[j] as number) * f;
      out.push({ itemId: this.items[ids[j] as number] as string, source: 'covisitation', score, sourceScores: { covisitation: score }, reasons: [{ kind: 'covisited', itemId }] });
    }
    return out;
  }

  /**
   * Add at once the pairs that `event` creates with the user's `recent` interactions (any order,
   * e.g. `userHistory` newest first; the event itself may be included). Same weights as batch
   * training; a pair that had fallen out of an item's top-N starts again from its new weight.
   */
  update(recent: readonly Interaction[], event: Interaction): void {
    if (event.ts > this.nowMs) this.nowMs = event.ts;
    if ((event.ts - this.t0) / this.tauMs > MAX_EXPONENT) this.rebase(event.ts);
    const f = Math.exp((event.ts - this.t0) / this.tauMs);
    emitPairsFromHistory(recent, event, this.config, (id) => this.intern(id), (a, b, x) => this.bump(a, b, x * f));
  }

  private intern(itemId: ItemId): number {
    return internItem(this.items, this.index, itemId);
  }

  private bump(from: number, to: number, x: number): void {
    let row = this.overlay.get(from);
    if (row === undefined) {
      const r = this.row(from);
      row = { ids: Array.from(r.ids), w: Array.from(r.w) };
      this.overlay.set(from, row);
    }
    let j = row.ids.indexOf(to);
    if (j < 0) {
      row.ids.push(to);
      row.w.push(x);
      j = row.ids.length - 1;
    } else {
      row.w[j] = (row.w[j] as number) + x;
    }
    // Weights only grow: bubble the entry up to its place.
    while (j > 0 && ranksBefore(row.w[j] as number, row.ids[j] as number, row.w[j - 1] as number, row.ids[j - 1] as number)) {
      [row.w[j], row.w[j - 1]] = [row.w[j - 1] as number, row.w[j] as number];
      [row.ids[j], row.ids[j - 1]] = [row.ids[j - 1] as number, row.ids[j] as number];
      j--;
    }
    if (row.ids.length > this.config.topN) {
      row.ids.pop();
      row.w.pop();
    }
  }

  private rebase(ts: number): void {
    const f = Math.exp((this.t0 - ts) / this.tauMs);
    for (let i = 0; i < this.csr.weights.length; i++) this.csr.weights[i] = (this.csr.weights[i] as number) * f;
    for (const row of this.overlay.values()) for (let j = 0; j < row.w.length; j++) row.w[j] = (row.w[j] as number) * f;
    this.t0 = ts;
  }

  /** The versioned form ('covisitation@1'), online changes included, weights decayed to `now`. */
  toArtifact(): CovisitationArtifact {
    const n = this.items.length;
    const f = this.decay();
    const offsets = new Int32Array(n + 1);
    const nb: number[] = [];
    const ws: number[] = [];
    for (let i = 0; i < n; i++) {
      offsets[i] = nb.length;
      const { ids, w } = this.row(i);
      for (let j = 0; j < ids.length; j++) {
        nb.push(ids[j] as number);
        ws.push((w[j] as number) * f);
      }
    }
    offsets[n] = nb.length;
    const csr = { offsets, neighbours: Int32Array.from(nb), weights: Float64Array.from(ws) };
    return covisitationToArtifact(this.config, this.nowMs, this.items, csr, this.trainStats);
  }

  /** Load a parsed artifact; throws RecsysError(REC_ERR_MODEL_FORMAT) when it is not 'covisitation@1'. */
  static fromArtifact(raw: unknown): CovisitationModel {
    const { artifact: a, config, csr } = covisitationFromArtifact(raw);
    const index = new Map<ItemId, number>();
    a.items.forEach((id, i) => index.set(id, i));
    const stats = { events: a.stats?.events ?? 0, pairs: a.stats?.pairs ?? 0, prunes: a.stats?.prunes ?? 0 };
    return new CovisitationModel(config, [...a.items], index, csr, a.now, a.now, stats);
  }
}
