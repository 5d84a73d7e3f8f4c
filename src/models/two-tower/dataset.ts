/**
 * @module models/two-tower/dataset
 * Training examples (user context at time t, interacted item) from interest events, as columnar
 * typed arrays sorted by time; the recent items of an example are the user's last ≤ R interest
 * events strictly before t. Also the time split and the validation queries (one per user).
 */
import type { EventType, Interaction, Item, User, UserId } from '../../domain/types.ts';
import { InvalidInputError } from '../../errors.ts';
import { createRng, shuffle } from '../../util/rng.ts';
import type { FeatureEncoder } from './encoding.ts';
import { USER_FIELD_COUNT } from './encoding.ts';
import { UNKNOWN } from './vocab.ts';

/** Examples in time order; example e's user fields are userFields[e·U … e·U + U). */
export interface TwoTowerDataset {
  size: number;
  /** size × USER_FIELD_COUNT user-field indices (USER_FIELDS order). */
  userFields: Int32Array;
  /** size × recentItems item indices, newest first, 0-padded. */
  recent: Int32Array;
  recentItems: number;
  /** Item index of each example's positive. */
  items: Int32Array;
  /** Example time, UTC ms, non-decreasing. */
  ts: Float64Array;
  /** Catalogue features of every vocabulary item: itemVocabSize × ITEM_FIELD_COUNT. */
  itemFeatures: Int32Array;
}

export interface DatasetOptions {
  /** Event types that become examples and enter the recent-items history (default click, booking, rating). */
  exampleTypes?: readonly EventType[];
}

const DEFAULT_TYPES: readonly EventType[] = ['click', 'booking', 'rating'];

/** Per-user ring buffer of the last R item indices. */
class History {
  private readonly slots: Int32Array;
  private readonly added: Int32Array;

  constructor(users: number, private readonly r: number) {
    this.slots = new Int32Array(users * r);
    this.added = new Int32Array(users);
  }

  push(user: number, item: number): void {
    if (user === UNKNOWN) return; // anonymous events have no history to share
    const n = this.added[user] as number;
    this.slots[user * this.r + (n % this.r)] = item;
    this.added[user] = n + 1;
  }

  /** Write the user's items newest first into out[at…], 0-padded to R. */
  read(user: number, out: Int32Array, at: number): void {
    const n = this.added[user] as number;
    const k = Math.min(n, this.r);
    for (let j = 0; j < k; j++) out[at + j] = this.slots[user * this.r + ((n - 1 - j) % this.r)] as number;
    out.fill(UNKNOWN, at + k, at + this.r);
  }
}

/**
 * Build examples from `interactions` (any order). Users give home country and device; items give
 * the item feature table. Events on items outside the vocabulary are skipped. Events sharing a
 * timestamp do not see each other in their recent items.
 */
export function buildDataset(
  encoder: FeatureEncoder, users: Iterable<User>, items: Iterable<Item>, interactions: readonly Interaction[], options: DatasetOptions = {},
): TwoTowerDataset {
  const types = new Set(options.exampleTypes ?? DEFAULT_TYPES);
  const byId = new Map<UserId, User>();
  for (const u of users) byId.set(u.id, u);
  const events = interactions.filter((e) => types.has(e.type) && encoder.items.indexOf(e.itemId) !== UNKNOWN);
  events.sort((a, b) => a.ts - b.ts);
  const n = events.length;
  const r = encoder.recentItems;
  const ds: TwoTowerDataset = {
    size: n, userFields: new Int32Array(n * USER_FIELD_COUNT), recent: new Int32Array(n * r), recentItems: r,
    items: new Int32Array(n), ts: new Float64Array(n), itemFeatures: encoder.itemFeatureTable(items),
  };
  const history = new History(encoder.users.size, r);
  let pendingFrom = 0;
  for (let i = 0; i < n; i++) {
    const e = events[i] as Interaction;
    // Flush the history of earlier timestamps only: same-ts events must not leak into each other.
    for (; pendingFrom < i && (ds.ts[pendingFrom] as number) < e.ts; pendingFrom++) {
      history.push(ds.userFields[pendingFrom * USER_FIELD_COUNT] as number, ds.items[pendingFrom] as number);
    }
    const u = byId.get(e.userId);
    encoder.encodeUser({ userId: e.userId, homeCountry: u?.homeCountry ?? null, device: u?.device ?? null, context: e.context, ts: e.ts }, ds.userFields, i * USER_FIELD_COUNT);
    history.read(ds.userFields[i * USER_FIELD_COUNT] as number, ds.recent, i * r);
    ds.items[i] = encoder.items.indexOf(e.itemId);
    ds.ts[i] = e.ts;
  }
  return ds;
}

/**
 * First example index of the last `fraction` of the time range: cutoff = min + (1 − fraction)·(max − min),
 * examples with ts ≥ cutoff are held out (the rule of training/metrics `timeSplit`).
 */
export function timeSplitIndex(ds: TwoTowerDataset, fraction: number): number {
  if (!(fraction > 0 && fraction < 1)) throw new InvalidInputError(`two-tower: validation fraction must be in (0, 1), got ${fraction}`);
  if (ds.size === 0) return 0;
  const min = ds.ts[0] as number;
  const cutoff = min + (1 - fraction) * ((ds.ts[ds.size - 1] as number) - min);
  let lo = 0;
  let hi = ds.size;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ds.ts[mid] as number) < cutoff) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One query per held-out user: the context of their first held-out event, and what they then interacted with. */
export interface EvalQueries {
  count: number;
  /** Example index each query was taken from. */
  example: Int32Array;
  /** Per query: distinct item indices of the user's held-out events with the query's destination. */
  relevant: Int32Array[];
}

/**
 * Up to `maxUsers` users (seeded sample) with held-out examples in [from, size). A query is the
 * user's first held-out example; its relevant set is every held-out item of that user in the same
 * destination (all of them when the destination is unknown), i.e. the rest of that trip.
 */
export function buildEvalQueries(ds: TwoTowerDataset, from: number, maxUsers: number, seed: number): EvalQueries {
  const first = new Map<number, number>();
  const relevant = new Map<number, Set<number>>();
  for (let e = from; e < ds.size; e++) {
    const user = ds.userFields[e * USER_FIELD_COUNT] as number;
    let q = first.get(user);
    if (q === undefined) {
      first.set(user, (q = e));
      relevant.set(e, new Set());
    }
    const dest = ds.userFields[q * USER_FIELD_COUNT + 3] as number;
    if (dest === UNKNOWN || ds.userFields[e * USER_FIELD_COUNT + 3] === dest) relevant.get(q)?.add(ds.items[e] as number);
  }
  const chosen = shuffle(createRng(seed), [...first.values()]).slice(0, maxUsers).sort((a, b) => a - b);
  return {
    count: chosen.length,
    example: Int32Array.from(chosen),
    relevant: chosen.map((q) => Int32Array.from(relevant.get(q) ?? [])),
  };
}

/** The first `end` examples as a dataset (views, no copy), e.g. to keep a test period out of training. */
export function sliceDataset(ds: TwoTowerDataset, end: number): TwoTowerDataset {
  const n = Math.max(0, Math.min(ds.size, end));
  return {
    ...ds, size: n, userFields: ds.userFields.subarray(0, n * USER_FIELD_COUNT), recent: ds.recent.subarray(0, n * ds.recentItems),
    items: ds.items.subarray(0, n), ts: ds.ts.subarray(0, n),
  };
}
