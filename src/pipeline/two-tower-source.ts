/**
 * @module pipeline/two-tower-source
 * The two-tower candidate source: the user tower per request (id, home country, device, request
 * context, recent items; an unknown user takes the context-only path), then the nearest items by
 * inner product — exact over a destination's items, else from the ANN index with a bounded
 * over-fetch. Also keeps the index current when items are added or changed (cold start).
 */
import type { Candidate, Reason } from '../domain/candidate.ts';
import type { Item, ItemId } from '../domain/types.ts';
import type { VectorIndex } from '../ports/vector-index.ts';
import { itemEmbeddings, userEmbedding, type TwoTowerModel } from '../models/two-tower/index.ts';
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

const SIMILAR_TASTE: Reason = { kind: 'similar-taste' };

export class TwoTowerSource {
  private closed = false;

  constructor(
    readonly model: TwoTowerModel,
    readonly index: VectorIndex,
    readonly vectors: ItemVectors,
    private readonly options: TwoTowerSourceOptions = DEFAULT_TWO_TOWER_SOURCE_OPTIONS,
  ) {}

  /** The user tower for a request: a unit vector; unknown ids use context, device, country and recent items only. */
  userVector(ctx: RequestContext): Float32Array {
    return userEmbedding(this.model, {
      userId: ctx.userId, homeCountry: ctx.country, device: ctx.device,
      context: { destination: ctx.destination, checkin: ctx.checkin, checkout: ctx.checkout },
      recentItems: ctx.recentItems, ts: ctx.now,
    });
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
   */
  upsertItems(items: readonly Item[]): { upserted: number; removed: number } {
    if (this.closed || items.length === 0) return { upserted: 0, removed: 0 };
    const keep = items.filter(isRetrievable);
    let removed = 0;
    for (const it of items) {
      if (isRetrievable(it)) continue;
      if (this.index.remove(it.id)) removed++;
      this.vectors.delete(it.id);
    }
    const emb = itemEmbeddings(this.model, keep);
    const d = this.model.dim;
    keep.forEach((it, i) => {
      const v = emb.subarray(i * d, (i + 1) * d);
      this.index.upsert(it.id, v);
      this.vectors.set(it.id, v);
    });
    return { upserted: keep.length, removed };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.index.close();
  }
}
