/**
 * @module pipeline/item-vectors
 * ItemVectors: the item embeddings of the two-tower source by item id, in one growable row-major
 * Float32Array, for exact scoring of small candidate sets (the items of one destination) where an
 * ANN search with a filter would have to over-fetch. Saved as 'item-vectors@1': a JSON header with
 * the ids and a little-endian float32 blob.
 */
import type { ItemId } from '../domain/types.ts';
import { ERROR_CODES, InvalidInputError, RecsysError } from '../errors.ts';
import { TopK } from '../util/top-k.ts';

export const ITEM_VECTORS_FORMAT = 'item-vectors@1';

interface ItemVectorsHeader {
  format: typeof ITEM_VECTORS_FORMAT;
  dim: number;
  /** Row i of the blob is ids[i]. */
  ids: ItemId[];
}

export class ItemVectors {
  private data: Float32Array;
  private readonly ids: ItemId[] = [];
  private readonly rowOf = new Map<ItemId, number>();

  constructor(readonly dim: number, capacity = 1024) {
    if (!Number.isInteger(dim) || dim < 1) throw new InvalidInputError(`item vectors: dim must be a positive integer, got ${dim}`);
    this.data = new Float32Array(Math.max(1, capacity) * dim);
  }

  /** A table over `ids` and their row-major vectors (ids.length × dim); the vectors are copied. */
  static of(ids: readonly ItemId[], vectors: Float32Array, dim: number): ItemVectors {
    if (vectors.length !== ids.length * dim) throw new InvalidInputError(`item vectors: ${vectors.length} values for ${ids.length} ids × ${dim} dims`);
    const t = new ItemVectors(dim, ids.length);
    t.data.set(vectors);
    ids.forEach((id, i) => {
      if (t.rowOf.has(id)) throw new InvalidInputError(`item vectors: duplicate id '${id}'`);
      t.rowOf.set(id, i);
      t.ids.push(id);
    });
    return t;
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: ItemId): boolean {
    return this.rowOf.has(id);
  }

  /** The item's vector (a view: do not keep it across writes), or undefined. */
  get(id: ItemId): Float32Array | undefined {
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : this.data.subarray(row * this.dim, (row + 1) * this.dim);
  }

  /** Insert or replace an item's vector. */
  set(id: ItemId, v: Float32Array): void {
    if (v.length !== this.dim) throw new InvalidInputError(`item vectors: vector of ${v.length} dims, expected ${this.dim}`);
    let row = this.rowOf.get(id);
    if (row === undefined) {
      row = this.ids.length;
      if ((row + 1) * this.dim > this.data.length) {
        const grown = new Float32Array(this.data.length * 2);
        grown.set(this.data);
        this.data = grown;
      }
      this.ids.push(id);
      this.rowOf.set(id, row);
    }
    this.data.set(v, row * this.dim);
  }

  /** Remove an item (the last row moves into its slot); false when it was not stored. */
  delete(id: ItemId): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    const last = this.ids.length - 1;
    const lastId = this.ids[last] as ItemId;
    if (row !== last) {
      this.data.copyWithin(row * this.dim, last * this.dim, (last + 1) * this.dim);
      this.ids[row] = lastId;
      this.rowOf.set(lastId, row);
    }
    this.ids.pop();
    this.rowOf.delete(id);
    return true;
  }

  /**
   * Exact top-n by inner product with `query` among `candidates` (ids without a vector and ids
   * `skip` rejects are passed over), best first; ties go to the smaller id.
   */
  topAmong(query: Float32Array, candidates: Iterable<ItemId>, n: number, skip?: (id: ItemId) => boolean): { id: ItemId; score: number }[] {
    const top = new TopK<ItemId>(n);
    const d = this.dim;
    const x = this.data;
    for (const id of candidates) {
      const row = this.rowOf.get(id);
      if (row === undefined || skip?.(id) === true) continue;
      let s = 0;
      for (let j = 0, o = row * d; j < d; j++, o++) s += (query[j] as number) * (x[o] as number);
      top.offer(id, s);
    }
    const { ids, scores } = top.sorted();
    return ids.map((id, i) => ({ id, score: scores[i] as number }));
  }

  /** The saved form: a JSON header (format, dim, ids in row order) and the float32 LE rows. */
  toFiles(): { header: string; vectors: Uint8Array } {
    const header: ItemVectorsHeader = { format: ITEM_VECTORS_FORMAT, dim: this.dim, ids: [...this.ids] };
    const used = this.data.subarray(0, this.ids.length * this.dim);
    return { header: JSON.stringify(header), vectors: new Uint8Array(used.buffer.slice(used.byteOffset, used.byteOffset + used.byteLength)) };
  }

  /** Rebuild from `toFiles` output; throws REC_ERR_MODEL_FORMAT when they do not match. */
  static fromFiles(header: Uint8Array | string, vectors: Uint8Array): ItemVectors {
    let h: Partial<ItemVectorsHeader>;
    try {
      h = JSON.parse(typeof header === 'string' ? header : new TextDecoder().decode(header)) as Partial<ItemVectorsHeader>;
    } catch (err) {
      throw formatError('header is not valid JSON', err);
    }
    if (h.format !== ITEM_VECTORS_FORMAT) throw formatError(`expected format '${ITEM_VECTORS_FORMAT}', got ${JSON.stringify(h.format)}`);
    if (!Number.isInteger(h.dim) || !Array.isArray(h.ids)) throw formatError('header needs an integer dim and an ids array');
    const dim = h.dim as number;
    if (vectors.byteLength !== h.ids.length * dim * 4) throw formatError(`blob has ${vectors.byteLength} bytes, ${h.ids.length} ids × ${dim} dims need ${h.ids.length * dim * 4}`);
    const floats = new Float32Array(h.ids.length * dim);
    // Copy byte-wise: the blob may sit at an offset that is not a multiple of 4.
    new Uint8Array(floats.buffer).set(vectors);
    return ItemVectors.of(h.ids, floats, dim);
  }
}

function formatError(message: string, cause?: unknown): RecsysError {
  return new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `${ITEM_VECTORS_FORMAT}: ${message}`, cause });
}
