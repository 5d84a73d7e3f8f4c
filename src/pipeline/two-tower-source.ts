/**
 * @module pipeline/two-tower-source
 * The two-tower candidate source: the user tower per request (id, home country, device, request
 * context, recent items; an unknown user takes the context-only path), then the nearest items by
 * inner product — exact over a destination's items, else from the ANN index with a bounded
 * over-fetch. Also keeps the index current when items are added or changed (cold start). The
 * towers run in-process (synchronously, inside `query`) or in onnxruntime (imported towers:
 * `prepare` runs the user tower before the synchronous `query`).
 */
import type { Candidate, Reason } from '../domain/candidate.ts';
import type { Item, ItemId } from '../domain/types.ts';
import { ERROR_CODES, RecsysError } from '../errors.ts';
import type { VectorIndex } from '../ports/vector-index.ts';
import { TwoTowerModel, itemEmbeddings, userEmbedding, type UserQuery } from '../models/two-tower/index.ts';
import type { ItemVectors } from './item-vectors.ts';
import type { RequestContext } from './stage.ts';

export const TWO_TOWER_SOURCE = 'two-tower';

export interface TwoTowerSourceOptions {
  /**
   * A destination with at most this many items is scored exactly from the item vectors (a few µs
   * per 1k items); a larger one goes through the ANN index with the destination as a filter.
   */
  exactMaxItems: number;
  /** Most ANN results fetched for one request while filters reject hits (bounds the cost of a rare destination). */
  maxFetch: number;
}

/** How training and loading get a vector index: adapters are constructed in the composition root. */
export interface VectorIndexFactory {
  /** An empty index for about `size` items of `dim` dimensions (exact for small catalogs, ANN above). */
  create(dim: number, size: number): VectorIndex;
  /** Reopen a folder written by `VectorIndex.save`, without rebuilding. */
  open(dir: string): Promise<VectorIndex>;
}

export const DEFAULT_TWO_TOWER_SOURCE_OPTIONS: TwoTowerSourceOptions = { exactMaxItems: 20_000, maxFetch: 4_000 };

/** Items the two-tower source can propose: active and bookable (not a city or destination entry). */
export function isRetrievable(item: Pick<Item, 'kind' | 'status'>): boolean {
  return item.status === 'active' && item.kind !== 'city' && item.kind !== 'destination';
}

/** Towers run on the request's thread: a user vector costs tens of µs, so `query` computes it inline. */
export interface InProcessTowers {
  readonly kind: 'in-process';
  /** Embedding dimension D. */
  readonly dim: number;
  userVector(query: UserQuery): Float32Array;
  /** items.length × D floats, row i for items[i]. */
  itemVectors(items: readonly Item[]): Float32Array;
}

/** Towers served by onnxruntime (imported ONNX towers): every run is asynchronous. */
export interface OnnxSourceTowers {
  readonly kind: 'onnx';
  /** Embedding dimension D. */
  readonly dim: number;
  userVector(query: UserQuery): Promise<Float32Array>;
  /** items.length × D floats, row i for items[i]. */
  itemVectors(items: readonly Item[]): Promise<Float32Array>;
  /** Release the runtime sessions once the runs in flight are done; never rejects. */
  close(): Promise<void>;
}

export type SourceTowers = InProcessTowers | OnnxSourceTowers;

/** The built-in model's towers, run in-process. */
export function inProcessTowers(model: TwoTowerModel): InProcessTowers {
  return {
    kind: 'in-process', dim: model.dim,
    userVector: (query) => userEmbedding(model, query),
    itemVectors: (items) => itemEmbeddings(model, items),
  };
}

/** What the user tower sees of a request: id, home country, device, destination and dates, recent items, time. */
export function requestUserQuery(ctx: RequestContext): UserQuery {
  return {
    userId: ctx.userId, homeCountry: ctx.country, device: ctx.device,
    context: { destination: ctx.destination, checkin: ctx.checkin, checkout: ctx.checkout },
    recentItems: ctx.recentItems, ts: ctx.now,
  };
}

const SIMILAR_TASTE: Reason = { kind: 'similar-taste' };

type UpsertResult = { upserted: number; removed: number };

export class TwoTowerSource {
  readonly towers: SourceTowers;
  private closed = false;
  /** User vectors (or the error) computed by `prepare`, per request; collected with the request. */
  private readonly prepared = new WeakMap<RequestContext, Float32Array | Error>();
  /** Index writes of asynchronous upserts apply in call order, whatever order their embeddings finish in. */
  private writes: Promise<unknown> = Promise.resolve();

  /** `towers`: a built-in model (run in-process) or any SourceTowers. */
  constructor(
    towers: SourceTowers | TwoTowerModel,
    readonly index: VectorIndex,
    readonly vectors: ItemVectors,
    private readonly options: TwoTowerSourceOptions = DEFAULT_TWO_TOWER_SOURCE_OPTIONS,
  ) {
    this.towers = towers instanceof TwoTowerModel ? inProcessTowers(towers) : towers;
  }

  /**
   * Run an asynchronous user tower for this request ahead of `query`. Returns undefined (nothing
   * to wait for) with in-process towers, which run inside `query`. Never rejects: a failure is kept
   * and thrown by `query`, so that it costs this source only, not the request.
   */
  prepare(ctx: RequestContext): Promise<void> | undefined {
    const t = this.towers;
    if (t.kind === 'in-process' || this.closed) return undefined;
    return t.userVector(requestUserQuery(ctx)).then(
      (v) => { this.prepared.set(ctx, v); },
      (err: unknown) => { this.prepared.set(ctx, err instanceof Error ? err : new Error(String(err))); },
    );
  }

  /**
   * The user tower for a request: a unit vector; unknown ids use context, device, country and
   * recent items only. With asynchronous towers, the vector `prepare` computed (or its error).
   */
  userVector(ctx: RequestContext): Float32Array {
    const t = this.towers;
    if (t.kind === 'in-process') return t.userVector(requestUserQuery(ctx));
    const v = this.prepared.get(ctx);
    if (v === undefined) throw new RecsysError({ code: ERROR_CODES.NOT_READY, message: 'two-tower: the ONNX user tower runs asynchronously; await prepare(ctx) before query' });
    if (v instanceof Error) throw v;
    return v;
  }

  /**
   * Up to `n` items by descending inner product with the user vector, none of which `skip`
   * rejects. `destinationItems` (the items of the requested destination, when there is one)
   * switches to exact scoring when it is small enough.
   */
  query(ctx: RequestContext, n: number, skip: (id: ItemId) => boolean, destinationItems?: Iterable<ItemId> & { size: number }): Candidate[] {
    if (n <= 0 || this.closed) return [];
    const u = this.userVector(ctx);
    const hits = destinationItems !== undefined && destinationItems.size <= this.options.exactMaxItems
      ? this.vectors.topAmong(u, destinationItems, n, skip)
      : this.searchIndex(u, n, skip, ctx.exclude.size);
    return hits.map((h) => ({ itemId: h.id, source: TWO_TOWER_SOURCE, score: h.score, sourceScores: { [TWO_TOWER_SOURCE]: h.score }, reasons: [SIMILAR_TASTE] }));
  }

  /** ANN top-n with filtering done here, so that the over-fetch is bounded by `maxFetch`. */
  private searchIndex(u: Float32Array, n: number, skip: (id: ItemId) => boolean, excluded: number): { id: ItemId; score: number }[] {
    const available = this.index.size;
    const cap = Math.min(available, Math.max(n, this.options.maxFetch));
    let want = Math.min(cap, n + Math.min(excluded, 2 * n + 64) + Math.ceil(n / 4) + 16);
    for (;;) {
      const hits = this.index.search(u, want);
      const out: { id: ItemId; score: number }[] = [];
      for (const h of hits) {
        if (!skip(h.id)) out.push(h);
        if (out.length >= n) return out;
      }
      if (hits.length < want || want >= cap) return out;
      want = Math.min(cap, want * 2);
    }
  }

  /**
   * Bring new or changed items into the index: retrievable ones are embedded by the item tower
   * (an id the model never saw is embedded from its features alone) and upserted, others removed.
   * With in-process towers the index has changed when this returns; with ONNX towers once the
   * promise resolves (writes still apply in call order).
   */
  upsertItems(items: readonly Item[]): Promise<UpsertResult> {
    if (this.closed || items.length === 0) return Promise.resolve({ upserted: 0, removed: 0 });
    const keep = items.filter(isRetrievable);
    const t = this.towers;
    if (t.kind === 'in-process') return Promise.resolve(this.write(items, keep, t.itemVectors(keep)));
    const embedded = keep.length === 0 ? Promise.resolve(new Float32Array(0)) : t.itemVectors(keep);
    const done = this.writes.then(() => embedded).then((emb) => this.write(items, keep, emb));
    this.writes = done.catch(() => undefined);
    return done;
  }

  /** Apply one upsert: remove the items no longer retrievable, upsert the embedded ones. */
  private write(items: readonly Item[], keep: readonly Item[], emb: Float32Array): UpsertResult {
    if (this.closed) return { upserted: 0, removed: 0 };
    const d = this.towers.dim;
    if (emb.length !== keep.length * d) throw new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `two-tower: the item tower returned ${emb.length} values for ${keep.length} items × ${d} dims` });
    let removed = 0;
    for (const it of items) {
      if (isRetrievable(it)) continue;
      if (this.index.remove(it.id)) removed++;
      this.vectors.delete(it.id);
    }
    keep.forEach((it, i) => {
      const v = emb.subarray(i * d, (i + 1) * d);
      this.index.upsert(it.id, v);
      this.vectors.set(it.id, v);
    });
    return { upserted: keep.length, removed };
  }

  /** Release the index and, for ONNX towers, their sessions (after the runs in flight). Later calls serve nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.index.close();
    if (this.towers.kind === 'onnx') void this.towers.close();
  }
}
