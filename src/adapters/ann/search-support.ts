/**
 * @module adapters/ann/search-support
 * What every VectorIndex adapter shares: input checks with clear messages, exclusion predicates,
 * the item id ↔ dense integer key map of the native libraries, and exclusion by over-fetching.
 */
import type { ItemId } from '../../domain/types.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Exclusion, Neighbor } from '../../ports/vector-index.ts';

/** Throws InvalidInputError unless `v` has `dim` finite values; `what` names it in the message. */
export function checkVector(v: Float32Array, dim: number, what: string): void {
  if (!(v instanceof Float32Array)) throw new InvalidInputError(`${what} must be a Float32Array`);
  if (v.length !== dim) throw new InvalidInputError(`${what} has ${v.length} dimensions, the index has ${dim}`);
  for (let j = 0; j < dim; j++) {
    if (!Number.isFinite(v[j])) throw new InvalidInputError(`${what} has a non-finite value at dimension ${j}`);
  }
}

/** Throws InvalidInputError unless `m` is a row-major rows×dim matrix of finite values. */
export function checkMatrix(m: Float32Array, rows: number, dim: number, what: string): void {
  if (!(m instanceof Float32Array)) throw new InvalidInputError(`${what} must be a Float32Array`);
  if (m.length !== rows * dim) {
    throw new InvalidInputError(`${what} has ${m.length} values, expected ${rows} rows × ${dim} dimensions = ${rows * dim}`);
  }
  for (let i = 0; i < m.length; i++) {
    if (!Number.isFinite(m[i])) throw new InvalidInputError(`${what} has a non-finite value in row ${Math.floor(i / dim)}`);
  }
}

/** Throws InvalidInputError unless k is a non-negative integer. */
export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 0) throw new InvalidInputError(`k must be a non-negative integer, got ${k}`);
}

/** Throws InvalidInputError when an id repeats within one bulk add (which one would win is unclear). */
export function checkUniqueIds(ids: readonly ItemId[]): void {
  const seen = new Set<ItemId>();
  for (const id of ids) {
    if (seen.has(id)) throw new InvalidInputError(`duplicate id '${id}' in one add() call`);
    seen.add(id);
  }
}

/** Number of rows of a row-major queries matrix; throws InvalidInputError when not a whole number. */
export function queryRows(queries: Float32Array, dim: number): number {
  if (!(queries instanceof Float32Array)) throw new InvalidInputError('queries must be a Float32Array');
  if (queries.length % dim !== 0) throw new InvalidInputError(`queries have ${queries.length} values, not a multiple of dim ${dim}`);
  return queries.length / dim;
}

/** The exclusion as a predicate (undefined when nothing is excluded). */
export function toPredicate(exclude: Exclusion | undefined): ((id: ItemId) => boolean) | undefined {
  if (exclude === undefined) return undefined;
  if (typeof exclude === 'function') return exclude;
  if (exclude.size === 0) return undefined;
  return (id) => exclude.has(id);
}

/**
 * Dense integer keys for the native libraries. Keys are handed out in increasing order and never
 * reused, so a key seen in a native result either maps to its item or to nothing (removed).
 */
export class KeyMap {
  private readonly keys = new Map<ItemId, number>();

  /** `ids[key]` is the item of a key, undefined when the key is free (removed or replaced). */
  constructor(private readonly ids: (ItemId | undefined)[] = []) {
    ids.forEach((id, key) => {
      if (id !== undefined) this.keys.set(id, key);
    });
  }

  /** Live items. */
  get size(): number {
    return this.keys.size;
  }

  /** Keys handed out so far (live or free): the next key. */
  get keyCount(): number {
    return this.ids.length;
  }

  keyOf(id: ItemId): number | undefined {
    return this.keys.get(id);
  }

  idOf(key: number): ItemId | undefined {
    return this.ids[key];
  }

  /** A fresh key for `id`; release the old one first when replacing. */
  assign(id: ItemId): number {
    const key = this.ids.length;
    this.ids.push(id);
    this.keys.set(id, key);
    return key;
  }

  /** Frees the key of `id`; returns it, or undefined when `id` is not stored. */
  release(id: ItemId): number | undefined {
    const key = this.keys.get(id);
    if (key === undefined) return undefined;
    this.keys.delete(id);
    this.ids[key] = undefined;
    return key;
  }

  /** The key → id table, for persistence. */
  table(): readonly (ItemId | undefined)[] {
    return this.ids;
  }
}

/** Native results for one query, best first: `count` (key, score) pairs. */
export interface RawHits {
  count: number;
  keys: ArrayLike<number | bigint>;
  scores: ArrayLike<number>;
}

/**
 * Size of the first native fetch for k results: k + |excluded set| (k + k/4 for a predicate) +
 * `stale` (native entries that map to no item, such as tombstones), capped at `available`. A huge
 * set (a global block list) counts as at most 2k + 64: most of it lies far from any one query, and
 * the doubling retry covers the rest.
 */
export function firstFetch(k: number, available: number, exclude: Exclusion | undefined, stale = 0): number {
  const extra = exclude === undefined ? 0 : typeof exclude === 'function' ? Math.ceil(k / 4) : Math.min(exclude.size, 2 * k + 64);
  return Math.min(available, k + extra + Math.min(stale, 2 * k + 64));
}

/**
 * Maps native hits to neighbours, dropping free keys and excluded ids, fetching more until k are
 * kept. The first fetch is `firstFetch(…)`; when too few survive and the native search could hold
 * more, the fetch doubles, up to `available` (every native entry).
 */
export function searchWithOverFetch(opts: {
  k: number;
  /** Native entries a fetch can return (live, plus stale ones). */
  available: number;
  /** Native entries that map to no item (tombstones); 0 when the library drops removed entries itself. */
  stale?: number;
  exclude: Exclusion | undefined;
  keys: KeyMap;
  fetch: (want: number) => RawHits;
}): Neighbor[] {
  const { k, available, keys } = opts;
  if (k === 0 || available === 0) return [];
  const skip = toPredicate(opts.exclude);
  let want = firstFetch(k, available, opts.exclude, opts.stale);
  for (;;) {
    const hits = opts.fetch(want);
    const out: Neighbor[] = [];
    for (let i = 0; i < hits.count && out.length < k; i++) {
      const id = keys.idOf(Number(hits.keys[i]));
      if (id === undefined || (skip !== undefined && skip(id))) continue;
      out.push({ id, score: hits.scores[i] as number });
    }
    if (out.length >= k || hits.count < want || want >= available) return out;
    want = Math.min(available, want * 2);
  }
}
