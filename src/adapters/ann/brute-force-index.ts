/**
 * @module adapters/ann/brute-force-index
 * BruteForceIndex: exact maximum-inner-product search in plain JS over one contiguous, growable
 * Float32Array; the reference that ANN recall is measured against, and the right choice below ~50k items.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ItemId } from '../../domain/types.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Exclusion, Neighbor, VectorIndex } from '../../ports/vector-index.ts';
import { TopK } from '../../util/top-k.ts';
import { IDS_FILE, formatError, readHeader, readIds, writeIds, writeIndexDir } from './ann-format.ts';
import { checkK, checkMatrix, checkUniqueIds, checkVector, queryRows, toPredicate } from './search-support.ts';

const VECTORS_FILE = 'vectors.f32';

/** Options of an empty BruteForceIndex. */
export interface BruteForceIndexOptions {
  /** Vector dimensions. */
  dim: number;
  /** Rows allocated up front; the buffer doubles when full. Default 1024. */
  initialCapacity?: number;
}

/** Per-query state of a scan: the heap, its current entry threshold and the exclusion. */
interface Scan {
  top: TopK;
  threshold: number;
}

/**
 * Exact search: every query scores every row (a 4-way unrolled dot product, or four queries per
 * row in searchBatch) and keeps the best k in a bounded heap. Rows are kept dense: removing an item
 * moves the last row into its slot. Ties between equal scores go to the lower slot.
 */
export class BruteForceIndex implements VectorIndex {
  readonly isExact = true;
  readonly dim: number;
  private data: Float32Array;
  private readonly slotIds: ItemId[] = [];
  private readonly slotOf = new Map<ItemId, number>();
  private closed = false;

  constructor(opts: BruteForceIndexOptions) {
    if (!Number.isInteger(opts.dim) || opts.dim <= 0) throw new InvalidInputError(`dim must be a positive integer, got ${opts.dim}`);
    this.dim = opts.dim;
    this.data = new Float32Array(Math.max(1, opts.initialCapacity ?? 1024) * opts.dim);
  }

  get size(): number {
    return this.slotIds.length;
  }

  has(id: ItemId): boolean {
    return this.slotOf.has(id);
  }

  add(ids: readonly ItemId[], vectors: Float32Array): void {
    this.checkOpen();
    checkMatrix(vectors, ids.length, this.dim, 'vectors');
    checkUniqueIds(ids);
    this.reserve(this.size + ids.length);
    ids.forEach((id, i) => this.put(id, vectors.subarray(i * this.dim, (i + 1) * this.dim)));
  }

  upsert(id: ItemId, vector: Float32Array): void {
    this.checkOpen();
    checkVector(vector, this.dim, `vector of '${id}'`);
    this.reserve(this.size + 1);
    this.put(id, vector);
  }

  remove(id: ItemId): boolean {
    this.checkOpen();
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    const last = this.slotIds.length - 1;
    if (slot !== last) {
      const moved = this.slotIds[last] as ItemId;
      this.data.copyWithin(slot * this.dim, last * this.dim, (last + 1) * this.dim);
      this.slotIds[slot] = moved;
      this.slotOf.set(moved, slot);
    }
    this.slotIds.pop();
    this.slotOf.delete(id);
    return true;
  }

  search(query: Float32Array, k: number, exclude?: Exclusion): Neighbor[] {
    this.checkOpen();
    checkVector(query, this.dim, 'query');
    checkK(k);
    const scan: Scan = { top: new TopK(Math.min(k, this.size)), threshold: -Infinity };
    if (scan.top.k > 0) this.scanOne(query, 0, scan, toPredicate(exclude));
    return this.neighbors(scan);
  }

  /** Scores four queries per pass over the rows, so each row is loaded once per four queries. */
  searchBatch(queries: Float32Array, k: number, exclude?: Exclusion): Neighbor[][] {
    this.checkOpen();
    const n = queryRows(queries, this.dim);
    checkMatrix(queries, n, this.dim, 'queries');
    checkK(k);
    const skip = toPredicate(exclude);
    const scans: Scan[] = [];
    for (let i = 0; i < n; i++) scans.push({ top: new TopK(Math.min(k, this.size)), threshold: -Infinity });
    if (k > 0 && this.size > 0) {
      let q = 0;
      for (; q + 4 <= n; q += 4) this.scanFour(queries, q, scans.slice(q, q + 4), skip);
      for (; q < n; q++) this.scanOne(queries, q * this.dim, scans[q] as Scan, skip);
    }
    return scans.map((s) => this.neighbors(s));
  }

  /** Snapshots the rows and ids when called (a copy), then writes them; see VectorIndex.save. */
  async save(dir: string): Promise<void> {
    this.checkOpen();
    await writeIndexDir(dir, { format: 'ann@1', library: 'brute-force', dim: this.dim, metric: 'ip', size: this.size, params: { byteOrder: 'little-endian' } }, [
      { name: VECTORS_FILE, write: (tmp) => writeFile(tmp, this.data.slice(0, this.size * this.dim)) },
      { name: IDS_FILE, write: (tmp) => writeIds(tmp, this.slotIds) },
    ]);
  }

  close(): void {
    this.closed = true;
    this.data = new Float32Array(0);
    this.slotIds.length = 0;
    this.slotOf.clear();
  }

  /** Writes `vector` into the slot of `id`, appending a slot when `id` is new. Capacity is reserved. */
  private put(id: ItemId, vector: Float32Array): void {
    let slot = this.slotOf.get(id);
    if (slot === undefined) {
      slot = this.slotIds.length;
      this.slotIds.push(id);
      this.slotOf.set(id, slot);
    }
    this.data.set(vector, slot * this.dim);
  }

  private reserve(rows: number): void {
    if (rows * this.dim <= this.data.length) return;
    let cap = this.data.length / this.dim;
    while (cap < rows) cap *= 2;
    const grown = new Float32Array(cap * this.dim);
    grown.set(this.data.subarray(0, this.size * this.dim));
    this.data = grown;
  }

  /** Offers slot `i` with `score` when it beats the heap's entry threshold and is not excluded. */
  private offer(scan: Scan, i: number, score: number, skip: ((id: ItemId) => boolean) | undefined): void {
    if (score < scan.threshold) return;
    if (skip !== undefined && skip(this.slotIds[i] as ItemId)) return;
    if (scan.top.offer(i, score)) scan.threshold = scan.top.threshold;
  }

  private scanOne(q: Float32Array, qo: number, scan: Scan, skip: ((id: ItemId) => boolean) | undefined): void {
    const { dim, data } = this;
    const n = this.size;
    const tail = dim - (dim % 4);
    for (let i = 0, o = 0; i < n; i++, o += dim) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j < tail; j += 4) {
        s0 += (q[qo + j] as number) * (data[o + j] as number);
        s1 += (q[qo + j + 1] as number) * (data[o + j + 1] as number);
        s2 += (q[qo + j + 2] as number) * (data[o + j + 2] as number);
        s3 += (q[qo + j + 3] as number) * (data[o + j + 3] as number);
      }
      for (; j < dim; j++) s0 += (q[qo + j] as number) * (data[o + j] as number);
      const score = s0 + s1 + s2 + s3;
      if (score >= scan.threshold) this.offer(scan, i, score, skip);
    }
  }

  /** Queries q…q+3 of `qs` against every row. */
  private scanFour(qs: Float32Array, q: number, scans: Scan[], skip: ((id: ItemId) => boolean) | undefined): void {
    const { dim, data } = this;
    const n = this.size;
    const a = q * dim;
    const b = a + dim;
    const c = b + dim;
    const d = c + dim;
    const [sa, sb, sc, sd] = scans as [Scan, Scan, Scan, Scan];
    for (let i = 0, o = 0; i < n; i++, o += dim) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < dim; j++) {
        const x = data[o + j] as number;
        s0 += (qs[a + j] as number) * x;
        s1 += (qs[b + j] as number) * x;
        s2 += (qs[c + j] as number) * x;
        s3 += (qs[d + j] as number) * x;
      }
      if (s0 >= sa.threshold) this.offer(sa, i, s0, skip);
      if (s1 >= sb.threshold) this.offer(sb, i, s1, skip);
      if (s2 >= sc.threshold) this.offer(sc, i, s2, skip);
      if (s3 >= sd.threshold) this.offer(sd, i, s3, skip);
    }
  }

  private neighbors(scan: Scan): Neighbor[] {
    const { ids, scores } = scan.top.sorted();
    return ids.map((slot, r) => ({ id: this.slotIds[slot] as ItemId, score: scores[r] as number }));
  }

  private checkOpen(): void {
    if (this.closed) throw new InvalidInputError('BruteForceIndex is closed');
  }
}

/** Reopens a BruteForceIndex saved with `save(dir)`; throws REC_ERR_MODEL_MISSING / REC_ERR_MODEL_FORMAT. */
export async function openBruteForceIndex(dir: string): Promise<BruteForceIndex> {
  const header = await readHeader(dir, 'brute-force');
  const ids = await readIds(dir);
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(dir, VECTORS_FILE));
  } catch (err) {
    throw formatError(dir, `cannot read ${VECTORS_FILE}`, err);
  }
  if (ids.length !== header.size || bytes.byteLength !== header.size * header.dim * 4) {
    throw formatError(dir, `${VECTORS_FILE} holds ${bytes.byteLength} bytes and ${IDS_FILE} ${ids.length} ids, header says ${header.size} × ${header.dim}`);
  }
  const dense = ids.filter((id): id is ItemId => id !== undefined);
  if (dense.length !== ids.length) throw formatError(dir, `${IDS_FILE} has holes`);
  const vectors = new Float32Array(header.size * header.dim);
  new Uint8Array(vectors.buffer).set(bytes);
  const index = new BruteForceIndex({ dim: header.dim, initialCapacity: header.size });
  try {
    index.add(dense, vectors);
  } catch (err) {
    throw formatError(dir, 'corrupt vectors or ids', err);
  }
  return index;
}
