/**
 * @module models/popularity/state
 * The mutable popularity tables shared by the trainer and the online model. Scores are kept in
 * "log-time" units, weight · exp((ts − t0)/τ): adding an event touches only its own entries, and the
 * decayed score at `now` is score · exp((t0 − now)/τ), one factor common to every entry.
 */
import type { Interaction, ItemId } from '../../domain/types.ts';
import { TopK } from '../../util/top-k.ts';
import type { PopularityConfig, Season } from './context.ts';
import { contextKeys, contextString, eventSeason, eventWeight } from './context.ts';

/** Rebase t0 before exp((ts − t0)/τ) can overflow (e^709 is the float64 limit). */
const MAX_EXPONENT = 600;

/**
 * One context's item scores. Map values are slots into the `vals` slab, not the scores themselves:
 * updating a slab entry allocates nothing, where a Map of doubles boxes every new value (≈2.5× slower).
 */
export interface ContextTable {
  readonly key: string;
  /** Weighted events counted in this context. */
  support: number;
  /** Σ of the scores (log-time units): the denominator of an item's share. */
  mass: number;
  /** Dense item index → slot. After `fromArtifact`, only the ranked items are present. */
  readonly slots: Map<number, number>;
  /** Score per slot, in log-time units (grown by doubling; `slots.size` entries are used). */
  vals: Float64Array;
  /** Dense item indices, best first, at most `maxListSize` (built by `rankAll`, then kept up to date). */
  top: number[];
}

/** A new, empty table. */
export function newTable(key: string, capacity = 8): ContextTable {
  return { key, support: 0, mass: 0, slots: new Map(), vals: new Float64Array(capacity), top: [] };
}

/** Score of an item in a table (log-time units), 0 when absent. */
export function scoreOf(t: ContextTable, idx: number): number {
  const slot = t.slots.get(idx);
  return slot === undefined ? 0 : (t.vals[slot] as number);
}

/** Add `x` to an item's score. */
export function addScore(t: ContextTable, idx: number, x: number): void {
  let slot = t.slots.get(idx);
  if (slot === undefined) {
    slot = t.slots.size;
    if (slot >= t.vals.length) {
      const grown = new Float64Array(t.vals.length * 2);
      grown.set(t.vals);
      t.vals = grown;
    }
    t.slots.set(idx, slot);
    t.vals[slot] = 0;
  }
  t.vals[slot] = (t.vals[slot] as number) + x;
  t.mass += x;
}

export class PopularityState {
  readonly items: ItemId[] = [];
  readonly index = new Map<ItemId, number>();
  /** Catalog city per dense index (from `setItemCity`). */
  readonly itemCity: (string | undefined)[] = [];
  /** Last `context.destination` seen with the item, for items whose catalog city is unknown. */
  readonly learnedDestination: (string | undefined)[] = [];
  readonly tables = new Map<string, ContextTable>();
  /** Origin of the log-time units (UTC ms); NaN until the first event. */
  t0 = Number.NaN;
  /** Largest event ts seen (UTC ms). */
  maxTs = -Infinity;
  events = 0;
  readonly seen = { country: false, destination: false };
  readonly tauMs: number;
  /** Table references by context value, so that an event does not build and hash key strings. */
  private readonly seasonTables = new Map<Season, ContextTable>();
  private readonly countryTables = new Map<string, ContextTable>();
  private readonly countrySeasonTables = new Map<string, Map<Season, ContextTable>>();
  private readonly destinationTables = new Map<string, ContextTable>();

  constructor(readonly config: PopularityConfig) {
    this.tauMs = config.halfLifeMs / Math.LN2;
  }

  intern(itemId: ItemId): number {
    let idx = this.index.get(itemId);
    if (idx === undefined) {
      idx = this.items.length;
      this.items.push(itemId);
      this.itemCity.push(undefined);
      this.learnedDestination.push(undefined);
      this.index.set(itemId, idx);
    }
    return idx;
  }

  setItemCity(itemId: ItemId, city: string | null): void {
    this.itemCity[this.intern(itemId)] = city ?? undefined;
  }

  /** True when the item belongs to destination `d` (catalog city, or learned from events). */
  inDestination(idx: number, d: string): boolean {
    return this.itemCity[idx] === d || this.learnedDestination[idx] === d;
  }

  /** Multiplier turning log-time scores into scores decayed to `now`. */
  decayTo(now: number): number {
    return Number.isNaN(this.t0) ? 1 : Math.exp((this.t0 - now) / this.tauMs);
  }

  /**
   * Count one event in every context it belongs to. `homeCountry` is used when the event's context
   * has no `home_country`. `touched` receives each (table, item index) updated.
   */
  add(e: Interaction, homeCountry?: string | null, touched?: (t: ContextTable, idx: number) => void): void {
    const w = eventWeight(e, this.config.weights);
    if (!(w > 0)) return;
    if (Number.isNaN(this.t0)) this.t0 = e.ts;
    else if ((e.ts - this.t0) / this.tauMs > MAX_EXPONENT) this.rebase(e.ts);
    const score = w * Math.exp((e.ts - this.t0) / this.tauMs);
    const idx = this.intern(e.itemId);
    this.events++;
    if (e.ts > this.maxTs) this.maxTs = e.ts;
    const season = eventSeason(e);
    const country = contextString(e.context, 'home_country') ?? homeCountry ?? null;
    this.bump(this.table(contextKeys.global), idx, score, touched);
    this.bump(this.cached(this.seasonTables, season, contextKeys.season), idx, score, touched);
    if (country !== null) {
      this.seen.country = true;
      this.bump(this.cached(this.countryTables, country, contextKeys.country), idx, score, touched);
      let bySeason = this.countrySeasonTables.get(country);
      if (bySeason === undefined) this.countrySeasonTables.set(country, (bySeason = new Map<Season, ContextTable>()));
      this.bump(this.cached(bySeason, season, (s) => contextKeys.countrySeason(country, s)), idx, score, touched);
    }
    this.addDestinations(e, idx, score, touched);
  }

  /** Destination contexts: the event's destination (else the item's learned one) and the catalog city. */
  private addDestinations(e: Interaction, idx: number, score: number, touched?: (t: ContextTable, idx: number) => void): void {
    const ctxDest = contextString(e.context, 'destination');
    if (ctxDest !== null) this.learnedDestination[idx] = ctxDest;
    const a = ctxDest ?? this.learnedDestination[idx];
    const b = this.itemCity[idx];
    if (a !== undefined) this.bump(this.cached(this.destinationTables, a, contextKeys.destination), idx, score, touched);
    if (b !== undefined && b !== a) this.bump(this.cached(this.destinationTables, b, contextKeys.destination), idx, score, touched);
    if (a !== undefined || b !== undefined) this.seen.destination = true;
  }

  /** The table of context `key`, created when new. */
  private table(key: string): ContextTable {
    let t = this.tables.get(key);
    if (t === undefined) {
      t = newTable(key);
      this.tables.set(key, t);
    }
    return t;
  }

  private cached<V>(cache: Map<V, ContextTable>, value: V, key: (v: V) => string): ContextTable {
    let t = cache.get(value);
    if (t === undefined) {
      t = this.table(key(value));
      cache.set(value, t);
    }
    return t;
  }

  private bump(t: ContextTable, idx: number, score: number, touched?: (t: ContextTable, idx: number) => void): void {
    addScore(t, idx, score);
    t.support++;
    touched?.(t, idx);
  }

  /** Move the origin to `ts`, scaling every score; rare (once per ~600 τ of event time). */
  private rebase(ts: number): void {
    const f = Math.exp((this.t0 - ts) / this.tauMs);
    for (const t of this.tables.values()) {
      for (let i = 0; i < t.slots.size; i++) t.vals[i] = (t.vals[i] as number) * f;
      t.mass *= f;
    }
    this.t0 = ts;
  }

  /** True when item `a` ranks before item `b` in table `t`: higher score, then smaller item id. */
  before(t: ContextTable, a: number, b: number): boolean {
    const sa = scoreOf(t, a);
    const sb = scoreOf(t, b);
    return sa > sb || (sa === sb && (this.items[a] as string) < (this.items[b] as string));
  }

  /** Rank every table from scratch (after batch training). */
  rankAll(): void {
    for (const t of this.tables.values()) {
      const heap = new TopK<string>(this.config.maxListSize);
      for (const [idx, slot] of t.slots) heap.offer(this.items[idx] as string, t.vals[slot] as number);
      t.top = heap.sorted().ids.map((id) => this.index.get(id) as number);
    }
  }

  /**
   * Keep `t.top` exact after item `idx`'s score grew. Scores only grow, and every other score is
   * unchanged in log-time units, so an item outside the list enters only by beating the last one.
   */
  rerank(t: ContextTable, idx: number): void {
    const top = t.top;
    const max = this.config.maxListSize;
    const pos = top.indexOf(idx);
    if (pos >= 0) top.splice(pos, 1);
    else if (top.length >= max && !this.before(t, idx, top[max - 1] as number)) return;
    let lo = 0;
    let hi = pos >= 0 ? pos : top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.before(t, top[mid] as number, idx)) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, idx);
    if (top.length > max) top.pop();
  }
}
