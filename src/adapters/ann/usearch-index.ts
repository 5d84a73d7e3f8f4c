/**
 * @module adapters/ann/usearch-index
 * UsearchIndex: HNSW on usearch 2.25 — the ANN adapter for multi-core builds and memory-mapped
 * serving. Not the default: hnswlib-node answered more queries per core at equal recall here (see
 * hnswlib-index.ts for the measurements); usearch wins when builds can use many cores or when
 * several processes should share one mapped index instead of each reading its own copy.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import usearch from 'usearch';
import type { Index as NativeIndex } from 'usearch';
import type { ItemId } from '../../domain/types.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Exclusion, Neighbor, VectorIndex } from '../../ports/vector-index.ts';
import { IDS_FILE, formatError, readHeader, readIds, writeIds, writeIndexDir } from './ann-format.ts';
import type { RawHits } from './search-support.ts';
import { KeyMap, checkK, checkMatrix, checkUniqueIds, checkVector, firstFetch, queryRows, searchWithOverFetch } from './search-support.ts';

const INDEX_FILE = 'index.usearch';

/** Build and search parameters of a UsearchIndex. */
export interface UsearchIndexOptions {
  /** Vector dimensions. */
  dim: number;
  /** Graph degree M ("connectivity"): more → better recall per ef, more memory, slower build. Default 16. */
  connectivity?: number;
  /** Beam width while inserting (efConstruction). Default 128. */
  expansionAdd?: number;
  /** Beam width while searching (efSearch): each search explores max(efSearch, fetched) candidates. Default 128. */
  efSearch?: number;
  /** Threads for bulk add. Default: every core. */
  buildThreads?: number;
  /** Threads for searchBatch. Default 1: a server gets its parallelism from concurrent requests. */
  searchThreads?: number;
}

/** How openUsearchIndex maps the saved index; search parameters can be overridden at open. */
export interface UsearchOpenOptions extends Partial<Pick<UsearchIndexOptions, 'efSearch' | 'buildThreads' | 'searchThreads'>> {
  /**
   * Memory-map the index file read-only (default true): no copy on the heap, pages shared between
   * processes (1M × 64 maps in 0.7–1.8 s here, vs 1.4–3 s to load). Changes after opening go to a
   * small in-memory overlay (upserts) and to tombstones (removals); save() folds them into a new file.
   */
  mmap?: boolean;
}

type Config = Required<UsearchIndexOptions>;

function resolveConfig(opts: UsearchIndexOptions): Config {
  if (!Number.isInteger(opts.dim) || opts.dim <= 0) throw new InvalidInputError(`dim must be a positive integer, got ${opts.dim}`);
  return {
    dim: opts.dim, connectivity: opts.connectivity ?? 16, expansionAdd: opts.expansionAdd ?? 128, efSearch: opts.efSearch ?? 128,
    buildThreads: opts.buildThreads ?? availableParallelism(), searchThreads: opts.searchThreads ?? 1,
  };
}

function nativeIndex(c: Config): NativeIndex {
  return new usearch.Index({
    dimensions: c.dim, metric: usearch.MetricKind.IP, quantization: usearch.ScalarKind.F32, connectivity: c.connectivity,
    // efSearch is applied per call (the library explores max(expansion, wanted)), so it can change at run time.
    expansion_add: c.expansionAdd, expansion_search: 1, multi: false,
  });
}

function keyArray(keys: readonly number[]): BigUint64Array {
  const out = new BigUint64Array(keys.length);
  keys.forEach((k, i) => (out[i] = BigInt(k)));
  return out;
}

/** usearch reports 1 − dot for the 'ip' metric; hits carry the dot product. */
function toHits(m: { keys: BigUint64Array; distances: Float32Array }, want: number): RawHits {
  const count = Math.min(want, m.keys.length);
  const scores = new Float64Array(count);
  for (let i = 0; i < count; i++) scores[i] = 1 - (m.distances[i] as number);
  return { count, keys: m.keys, scores };
}

/** Merges two best-first hit lists into the best `want`. */
function mergeHits(a: RawHits, b: RawHits, want: number): RawHits {
  const keys: number[] = [];
  const scores: number[] = [];
  let i = 0;
  let j = 0;
  while (keys.length < want && (i < a.count || j < b.count)) {
    const takeA = j >= b.count || (i < a.count && (a.scores[i] as number) >= (b.scores[j] as number));
    const src = takeA ? a : b;
    const at = takeA ? i++ : j++;
    keys.push(Number(src.keys[at]));
    scores.push(src.scores[at] as number);
  }
  return { count: keys.length, keys, scores };
}

/**
 * Approximate MIPS with usearch's HNSW. Item ids map to increasing integer keys (never reused);
 * exclusions and removed keys are handled by over-fetching. An index opened with mmap keeps its
 * base read-only and takes upserts into an in-memory overlay index searched alongside it.
 */
export class UsearchIndex implements VectorIndex {
  readonly isExact = false;
  readonly dim: number;
  private readonly config: Config;
  private readonly keys: KeyMap;
  /** True when the base is a read-only memory mapping; false when it lives in memory and takes changes. */
  private readonly mapped: boolean;
  private base: NativeIndex | null;
  /** Overlay for upserts while `base` is a read-only mapping, with its vectors (for save). */
  private overlay: { index: NativeIndex; vectors: Map<number, Float32Array> } | null = null;
  /** Keys removed from a read-only base: still in its graph, filtered out as free keys. */
  private readonly tombstones = new Set<number>();

  /**
   * An empty index; `internal` is for openUsearchIndex (a loaded or mapped base and its key map).
   */
  constructor(opts: UsearchIndexOptions, internal?: { base: NativeIndex; keys: KeyMap; mapped: boolean }) {
    this.config = resolveConfig(opts);
    this.dim = this.config.dim;
    this.base = internal?.base ?? nativeIndex(this.config);
    this.keys = internal?.keys ?? new KeyMap();
    this.mapped = internal?.mapped ?? false;
  }

  get size(): number {
    return this.keys.size;
  }

  /** Beam width of searches; may be changed at any time (recall ↑, speed ↓). */
  get efSearch(): number {
    return this.config.efSearch;
  }

  set efSearch(ef: number) {
    if (!Number.isInteger(ef) || ef <= 0) throw new InvalidInputError(`efSearch must be a positive integer, got ${ef}`);
    this.config.efSearch = ef;
  }

  has(id: ItemId): boolean {
    return this.keys.keyOf(id) !== undefined;
  }

  add(ids: readonly ItemId[], vectors: Float32Array): void {
    const base = this.open();
    checkMatrix(vectors, ids.length, this.dim, 'vectors');
    checkUniqueIds(ids);
    if (ids.length === 0) return;
    for (const id of ids) this.remove(id);
    const keys = ids.map((id) => this.keys.assign(id));
    if (!this.mapped) base.add(keyArray(keys), vectors, this.config.buildThreads);
    else keys.forEach((key, i) => this.addToOverlay(key, vectors.slice(i * this.dim, (i + 1) * this.dim)));
  }

  upsert(id: ItemId, vector: Float32Array): void {
    const base = this.open();
    checkVector(vector, this.dim, `vector of '${id}'`);
    this.remove(id);
    const key = this.keys.assign(id);
    if (!this.mapped) base.add(BigInt(key), vector, 1);
    else this.addToOverlay(key, vector.slice());
  }

  remove(id: ItemId): boolean {
    const base = this.open();
    const key = this.keys.release(id);
    if (key === undefined) return false;
    if (this.overlay?.vectors.delete(key) === true) this.overlay.index.remove(BigInt(key));
    else if (!this.mapped) base.remove(BigInt(key));
    else this.tombstones.add(key);
    return true;
  }

  search(query: Float32Array, k: number, exclude?: Exclusion): Neighbor[] {
    this.open();
    checkVector(query, this.dim, 'query');
    checkK(k);
    return this.searchChecked(query, k, exclude, null);
  }

  /** One native batch call (on `searchThreads` threads) for the first fetch of every query. */
  searchBatch(queries: Float32Array, k: number, exclude?: Exclusion): Neighbor[][] {
    const base = this.open();
    const n = queryRows(queries, this.dim);
    checkMatrix(queries, n, this.dim, 'queries');
    checkK(k);
    if (n === 0) return [];
    if (n === 1 || k === 0 || base.size() === 0) return this.rows(queries, n).map((q) => this.searchChecked(q, k, exclude, null));
    const want = firstFetch(k, this.available(), exclude, this.tombstones.size);
    const batch = base.search(queries, Math.max(want, this.config.efSearch), this.config.searchThreads) as unknown as InstanceType<typeof usearch.BatchMatches>;
    return this.rows(queries, n).map((q, i) => this.searchChecked(q, k, exclude, { want, hits: toHits(batch.get(i), want) }));
  }

  /** Snapshots the index synchronously when the files are written; see VectorIndex.save. */
  async save(dir: string): Promise<void> {
    const base = this.open();
    const { dim, connectivity, expansionAdd, efSearch } = this.config;
    const header = { format: 'ann@1', library: 'usearch', dim, metric: 'ip', size: this.size, params: { connectivity, expansionAdd, efSearch, quantization: 'f32' } } as const;
    await writeIndexDir(dir, header, [
      { name: INDEX_FILE, write: (tmp) => this.writeNative(base, tmp) },
      { name: IDS_FILE, write: (tmp) => writeIds(tmp, this.keys.table()) },
    ]);
  }

  /** Drops the native indexes; usearch frees their memory and mappings when they are collected. */
  close(): void {
    this.base = null;
    this.overlay = null;
  }

  private searchChecked(query: Float32Array, k: number, exclude: Exclusion | undefined, first: { want: number; hits: RawHits } | null): Neighbor[] {
    return searchWithOverFetch({
      k, exclude, keys: this.keys, available: this.available(), stale: this.tombstones.size,
      fetch: (want) => (first !== null && first.want === want ? this.withOverlay(query, first.hits, want) : this.fetch(query, want)),
    });
  }

  private fetch(query: Float32Array, want: number): RawHits {
    const base = this.open();
    const hits = base.size() === 0 ? { count: 0, keys: [], scores: [] } : toHits(base.search(query, Math.max(want, this.config.efSearch), 1), want);
    return this.withOverlay(query, hits, want);
  }

  private withOverlay(query: Float32Array, hits: RawHits, want: number): RawHits {
    if (this.overlay === null || this.overlay.vectors.size === 0) return hits;
    const extra = toHits(this.overlay.index.search(query, Math.max(want, this.config.efSearch), 1), want);
    return mergeHits(hits, extra, want);
  }

  /** Native entries a search can return, removed-but-mapped ones included. */
  private available(): number {
    return (this.base?.size() ?? 0) + (this.overlay?.vectors.size ?? 0);
  }

  private addToOverlay(key: number, vector: Float32Array): void {
    this.overlay ??= { index: nativeIndex(this.config), vectors: new Map() };
    this.overlay.index.add(BigInt(key), vector, 1);
    this.overlay.vectors.set(key, vector);
  }

  /**
   * Saves the native index. A read-only base is written out as mapped, loaded back into memory,
   * given the tombstones and the overlay, and written again: the file at the mapped path may
   * have been replaced since it was mapped, so it is not a safe source.
   */
  private writeNative(base: NativeIndex, file: string): void {
    base.save(file);
    if (!this.mapped) return;
    const copy = nativeIndex(this.config);
    copy.load(file);
    if (this.tombstones.size > 0) copy.remove(keyArray([...this.tombstones]));
    for (const [key, v] of this.overlay?.vectors ?? []) copy.add(BigInt(key), v, this.config.buildThreads);
    copy.save(file);
  }

  private rows(queries: Float32Array, n: number): Float32Array[] {
    return Array.from({ length: n }, (_, i) => queries.subarray(i * this.dim, (i + 1) * this.dim));
  }

  private open(): NativeIndex {
    if (this.base === null) throw new InvalidInputError('UsearchIndex is closed');
    return this.base;
  }
}

/**
 * Reopens a UsearchIndex saved with `save(dir)` without rebuilding: memory-mapped (default) or
 * loaded into memory. Throws REC_ERR_MODEL_MISSING / REC_ERR_MODEL_FORMAT naming the problem.
 */
export async function openUsearchIndex(dir: string, opts: UsearchOpenOptions = {}): Promise<UsearchIndex> {
  const header = await readHeader(dir, 'usearch');
  const ids = await readIds(dir);
  const p = header.params;
  const config = resolveConfig({
    dim: header.dim, connectivity: Number(p['connectivity'] ?? 16), expansionAdd: Number(p['expansionAdd'] ?? 128),
    efSearch: opts.efSearch ?? Number(p['efSearch'] ?? 128),
    ...(opts.buildThreads === undefined ? {} : { buildThreads: opts.buildThreads }),
    ...(opts.searchThreads === undefined ? {} : { searchThreads: opts.searchThreads }),
  });
  const file = path.join(dir, INDEX_FILE);
  const mmap = opts.mmap ?? true;
  const base = nativeIndex(config);
  try {
    if (mmap) base.view(file);
    else base.load(file);
  } catch (err) {
    throw formatError(dir, `usearch cannot ${mmap ? 'map' : 'load'} ${INDEX_FILE}`, err);
  }
  const keys = new KeyMap(ids);
  if (base.dimensions() !== header.dim || base.size() !== header.size || keys.size !== header.size) {
    throw formatError(dir, `${INDEX_FILE} has dim ${base.dimensions()} and ${base.size()} vectors, ${IDS_FILE} ${keys.size} ids; header says dim ${header.dim}, size ${header.size}`);
  }
  return new UsearchIndex(config, { base, keys, mapped: mmap });
}
