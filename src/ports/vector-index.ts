/**
 * @module ports/vector-index
 * Maximum-inner-product search over item embeddings: the retrieval half of the two-tower candidate
 * stage. Adapters (src/adapters/ann/) are exact (brute force) or approximate (HNSW).
 */
import type { ItemId } from '../domain/types.ts';

/** One search result: an item and its inner product with the query (the cosine, for unit vectors). */
export interface Neighbor {
  id: ItemId;
  score: number;
}

/**
 * Items a search must skip: a set of ids, or a predicate that is true for the ids to skip.
 * Prefer a set when the list is known up front: approximate adapters size their over-fetch from it.
 */
export type Exclusion = ReadonlySet<ItemId> | ((id: ItemId) => boolean);

/** Read side: what the candidate stage needs. */
export interface VectorIndexReader {
  /** Dimensions of every stored vector and of every query. */
  readonly dim: number;
  /** Number of live (searchable) items. */
  readonly size: number;
  /** True when search returns the true top-k; false for approximate (ANN) adapters. */
  readonly isExact: boolean;
  /** Whether the item is stored (and not removed). */
  has(id: ItemId): boolean;
  /**
   * The k stored items with the highest inner product with `query`, best first (ties in any
   * order), skipping excluded items. Returns min(k, live items not excluded) results when the index
   * can find them; an approximate index may miss some true neighbours, never returns an excluded or
   * removed item and never returns an item twice. k = 0 or an empty index gives [].
   * Throws InvalidInputError when query.length !== dim, a value is not finite or k is not a
   * non-negative integer.
   */
  search(query: Float32Array, k: number, exclude?: Exclusion): Neighbor[];
  /**
   * `search` for each row of a row-major (n×dim) matrix of queries, with the same k and exclusion;
   * result i belongs to row i. Adapters may use a faster path than n single searches.
   */
  searchBatch(queries: Float32Array, k: number, exclude?: Exclusion): Neighbor[][];
}

/** Write side: bulk build from item embeddings, plus run-time changes (cold-start items, removals). */
export interface VectorIndexWriter {
  /**
   * Insert items in bulk: `vectors` is row-major, ids.length × dim. An id already stored is
   * replaced (as upsert does). Throws InvalidInputError, before changing anything, when the
   * matrix does not have ids.length × dim values, a value is not finite or an id repeats in `ids`.
   */
  add(ids: readonly ItemId[], vectors: Float32Array): void;
  /** Insert one item, or replace its vector when already stored. Searchable as soon as it returns. */
  upsert(id: ItemId, vector: Float32Array): void;
  /** Remove an item; returns false when it was not stored. Later searches never return it. */
  remove(id: ItemId): boolean;
}

/** A vector index with its life cycle. Obtain one from an adapter's constructor or loader (`open…Index(dir)`). */
export interface VectorIndex extends VectorIndexReader, VectorIndexWriter {
  /**
   * Persist to a local directory (created when missing) so that the adapter's loader reopens it
   * without rebuilding: a `header.json` ({ format: 'ann@1', library, dim, metric, size, params }),
   * the id mapping and the library's own index file. Files are replaced atomically, header last.
   * What is saved is the index as it is when save() is called; later changes are not included.
   */
  save(dir: string): Promise<void>;
  /** Release native memory and mapped files. Any later call is an error. */
  close(): void;
}

/** An adapter's loader: reopens what its `save(dir)` wrote. */
export type VectorIndexLoader = (dir: string) => Promise<VectorIndex>;
