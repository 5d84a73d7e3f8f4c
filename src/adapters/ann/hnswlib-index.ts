/**
 * @module adapters/ann/hnswlib-index
 * HnswlibIndex: HNSW on hnswlib-node 3 — the default ANN adapter, chosen over usearch 2.25 by
 * measuring both here (bench/ann.ts --library both: 1M × 64 clustered, M = 16, efConstruction 128,
 * sweeps interleaved, 2 cores): equal recall at equal efSearch (recall@100 0.954 vs 0.952 at ef 160)
 * and ≈ 1.6× the queries per core at every ef (3.7k vs 2.2k/s at ef 160, 5.2k vs 3.4k/s at ef 100),
 * which is what the serving budget spends. Its costs: a single-threaded build (1M: ≈ 230 CPU-s at
 * efConstruction 128, ≈ 400 at the default 256; usearch ≈ 300–350 CPU-s over both cores), vectors
 * passed as number[], and no mmap (a saved 1M index, 395 MB, is read into memory in 1.3–3 s).
 */
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import type { HierarchicalNSW } from 'hnswlib-node';
import type { ItemId } from '../../domain/types.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Exclusion, Neighbor, VectorIndex } from '../../ports/vector-index.ts';
import { IDS_FILE, formatError, readHeader, readIds, writeIds, writeIndexDir } from './ann-format.ts';
import type { RawHits } from './search-support.ts';
import { KeyMap, checkK, checkMatrix, checkUniqueIds, checkVector, queryRows, searchWithOverFetch } from './search-support.ts';

const INDEX_FILE = 'index.hnsw';

/** Build and search parameters of an HnswlibIndex. */
export interface HnswlibIndexOptions {
  /** Vector dimensions. */
  dim: number;
  /** Graph degree M. Default 16. */
  m?: number;
  /**
   * Beam width while inserting. Default 256: at 1M × 64 it costs ≈ 400 CPU-s of build instead of
   * ≈ 230 (efConstruction 128) and lifts recall@100 at efSearch 128 from 0.940 to 0.960.
   */
  efConstruction?: number;
  /**
   * Beam width while searching: each search explores max(efSearch, fetched) candidates. Default
   * 128: recall@100 0.960 at 1M × 64 with the default build, 3.6–4.0k queries/s on one core.
   */
  efSearch?: number;
  /** Slots allocated up front; the graph grows ×2 when full. Default 1024. */
  initialCapacity?: number;
  /** Seed of the level generator, so builds are reproducible. Default 100. */
  randomSeed?: number;
}

/**
 * Approximate MIPS with hnswlib's HNSW. Item ids map to increasing integer labels (never reused);
 * removal marks the label deleted (searches skip it natively) and a later insert reuses its slot.
 * Exclusions are handled by over-fetching.
 */
export class HnswlibIndex implements VectorIndex {
  readonly isExact = false;
  readonly dim: number;
  private native: HierarchicalNSW | null;
  private readonly keys: KeyMap;
  /** Slots marked deleted and not yet reused. */
  private deleted: number;
  private readonly params: { m: number; efConstruction: number; randomSeed: number };

  /** An empty index; `internal` is for openHnswlibIndex (a loaded graph and its key map). */
  constructor(opts: HnswlibIndexOptions, internal?: { native: HierarchicalNSW; keys: KeyMap }) {
    if (!Number.isInteger(opts.dim) || opts.dim <= 0) throw new InvalidInputError(`dim must be a positive integer, got ${opts.dim}`);
    this.dim = opts.dim;
    this.params = { m: opts.m ?? 16, efConstruction: opts.efConstruction ?? 256, randomSeed: opts.randomSeed ?? 100 };
    this.keys = internal?.keys ?? new KeyMap();
    if (internal === undefined) {
      this.native = new hnswlib.HierarchicalNSW('ip', opts.dim);
      this.native.initIndex({ maxElements: Math.max(1, opts.initialCapacity ?? 1024), ...this.params, allowReplaceDeleted: true });
    } else {
      this.native = internal.native;
    }
    this.deleted = this.native.getCurrentCount() - this.keys.size;
    this.efSearch = opts.efSearch ?? 128;
  }

  get size(): number {
    return this.keys.size;
  }

  /** Beam width of searches; may be changed at any time (recall ↑, speed ↓). */
  get efSearch(): number {
    return this.open().getEf();
  }

  set efSearch(ef: number) {
    if (!Number.isInteger(ef) || ef <= 0) throw new InvalidInputError(`efSearch must be a positive integer, got ${ef}`);
    this.open().setEf(ef);
  }

  has(id: ItemId): boolean {
    return this.keys.keyOf(id) !== undefined;
  }

  /** Inserts one vector at a time on the calling thread (hnswlib-node has no parallel insert). */
  add(ids: readonly ItemId[], vectors: Float32Array): void {
    this.open();
    checkMatrix(vectors, ids.length, this.dim, 'vectors');
    checkUniqueIds(ids);
    for (const id of ids) this.remove(id);
    this.reserve(ids.length);
    ids.forEach((id, i) => this.insert(id, vectors.subarray(i * this.dim, (i + 1) * this.dim)));
  }

  upsert(id: ItemId, vector: Float32Array): void {
    this.open();
    checkVector(vector, this.dim, `vector of '${id}'`);
    this.remove(id);
    this.reserve(1);
    this.insert(id, vector);
  }

  remove(id: ItemId): boolean {
    const native = this.open();
    const key = this.keys.release(id);
    if (key === undefined) return false;
    native.markDelete(key);
    this.deleted++;
    return true;
  }

  search(query: Float32Array, k: number, exclude?: Exclusion): Neighbor[] {
    this.open();
    checkVector(query, this.dim, 'query');
    checkK(k);
    return this.searchChecked(query, k, exclude);
  }

  /** One search per row: hnswlib-node has no batch call. */
  searchBatch(queries: Float32Array, k: number, exclude?: Exclusion): Neighbor[][] {
    this.open();
    const n = queryRows(queries, this.dim);
    checkMatrix(queries, n, this.dim, 'queries');
    checkK(k);
    return Array.from({ length: n }, (_, i) => this.searchChecked(queries.subarray(i * this.dim, (i + 1) * this.dim), k, exclude));
  }

  async save(dir: string): Promise<void> {
    const native = this.open();
    const header = {
      format: 'ann@1', library: 'hnswlib', dim: this.dim, metric: 'ip', size: this.size,
      params: { ...this.params, efSearch: native.getEf() },
    } as const;
    await writeIndexDir(dir, header, [
      // Synchronous on purpose: the async writer reads the graph on another thread while JS may change it.
      { name: INDEX_FILE, write: (tmp) => native.writeIndexSync(tmp) },
      { name: IDS_FILE, write: (tmp) => writeIds(tmp, this.keys.table()) },
    ]);
  }

  /** Drops the graph; hnswlib-node frees it when the wrapper is collected. */
  close(): void {
    this.native = null;
  }

  private searchChecked(query: Float32Array, k: number, exclude: Exclusion | undefined): Neighbor[] {
    const native = this.open();
    const q = Array.from(query);
    return searchWithOverFetch({
      k, exclude, keys: this.keys, available: native.getCurrentCount(),
      fetch: (want): RawHits => {
        const r = native.searchKnn(q, want);
        return { count: r.neighbors.length, keys: r.neighbors, scores: r.distances.map((d) => 1 - d) };
      },
    });
  }

  /** Grows the graph so that `n` more inserts fit (inserts reuse deleted slots first). */
  private reserve(n: number): void {
    const native = this.open();
    const needed = native.getCurrentCount() + Math.max(0, n - this.deleted);
    let cap = native.getMaxElements();
    if (needed <= cap) return;
    while (cap < needed) cap *= 2;
    native.resizeIndex(cap);
  }

  private insert(id: ItemId, vector: Float32Array): void {
    const key = this.keys.assign(id);
    this.open().addPoint(Array.from(vector), key, this.deleted > 0);
    if (this.deleted > 0) this.deleted--;
  }

  private open(): HierarchicalNSW {
    if (this.native === null) throw new InvalidInputError('HnswlibIndex is closed');
    return this.native;
  }
}

/** Reopens an HnswlibIndex saved with `save(dir)` (read fully into memory, no rebuild). */
export async function openHnswlibIndex(dir: string, opts: { efSearch?: number } = {}): Promise<HnswlibIndex> {
  const header = await readHeader(dir, 'hnswlib');
  const ids = await readIds(dir);
  const native = new hnswlib.HierarchicalNSW('ip', header.dim);
  try {
    await native.readIndex(path.join(dir, INDEX_FILE), true);
  } catch (err) {
    throw formatError(dir, `hnswlib cannot read ${INDEX_FILE}`, err);
  }
  const keys = new KeyMap(ids);
  if (native.getNumDimensions() !== header.dim || keys.size !== header.size) {
    throw formatError(dir, `${INDEX_FILE} has dim ${native.getNumDimensions()}, ${IDS_FILE} ${keys.size} ids; header says dim ${header.dim}, size ${header.size}`);
  }
  const p = header.params;
  return new HnswlibIndex(
    { dim: header.dim, m: Number(p['m'] ?? 16), efConstruction: Number(p['efConstruction'] ?? 256), randomSeed: Number(p['randomSeed'] ?? 100), efSearch: opts.efSearch ?? Number(p['efSearch'] ?? 128) },
    { native, keys },
  );
}
