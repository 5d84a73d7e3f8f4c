/**
 * @module features/feature-store
 * The feature store facade the engine uses: apply interaction events (the online write is awaited, so
 * the very next read sees it), read a ranking request's feature vectors in one batched online read, and
 * build point-in-time training rows from the offline store with the same definitions and code.
 */
import type { Interaction, ItemId, UserId } from '../domain/types.ts';
import type { EntityKey, OfflineFeatureReader, OfflineFeatureWriter, OnlineFeatureReader, OnlineStateStore } from '../ports/features.ts';
import { InvalidInputError } from '../errors.ts';
import type { FeatureDefinitions } from './definitions.ts';
import { RANKING_SERVICE } from './defaults.ts';
import { applyStreamEvents, RecentEventIds, type ApplyResult, type ItemLookup, type OfflineHistoryMode } from './streaming.ts';
import { assembleCandidates, planService, viewKey, type FeatureVectors } from './vectors.ts';
import { itemKey, keyFor } from './entity-key.ts';
import { getHistoricalFeatures, type HistoricalFeatures, type LabelRow } from './historical.ts';

export interface FeatureStoreDeps {
  /** The online store (memory or Redis): serving reads and stream state. */
  online: OnlineFeatureReader & OnlineStateStore;
  /** The offline history (DuckDB/Parquet); without it nothing is recorded for training. */
  offline?: (OfflineFeatureWriter & OfflineFeatureReader) | undefined;
  definitions: FeatureDefinitions;
  /** Price and stars of the items events refer to (for preference features). */
  itemLookup: ItemLookup;
  /** UTC ms: the time feature vectors are computed as of, and the createdTs of live history rows. */
  clock?: () => number;
}

export interface FeatureStoreOptions {
  /** The feature service readForRanking returns (default 'ranking'). */
  service?: string;
  /** See OfflineHistoryMode (default 'as-served'). */
  offlineMode?: OfflineHistoryMode;
  /** Event ids remembered in memory to drop redeliveries before touching the store (default 100,000). */
  recentEventIds?: number;
  /** Load–fold–commit rounds per call before giving up on contended partitions (default 8). */
  maxAttempts?: number;
}

export interface FeatureStore {
  readonly definitions: FeatureDefinitions;
  /** Update stream features from events; idempotent per event id. Resolves once the online store has them. */
  applyEvents(events: readonly Interaction[]): Promise<ApplyResult>;
  /**
   * Feature vectors of a ranking request: one row per candidate, the service's columns, values as of the
   * clock. One online read for the user, every candidate and the context. `context` holds context entity
   * ids such as { destination: 'paris' }.
   */
  readForRanking(userId: UserId, itemIds: readonly ItemId[], context?: Readonly<Record<string, string | undefined>>): Promise<FeatureVectors>;
  /** Point-in-time training rows for labels (see features/historical.ts); needs the offline store. */
  getHistoricalFeatures(labels: readonly LabelRow[], service?: string): Promise<HistoricalFeatures>;
  /** Make the offline history durable (the online store is always written synchronously). */
  flush(): Promise<void>;
}

export function createFeatureStore(deps: FeatureStoreDeps, opts: FeatureStoreOptions = {}): FeatureStore {
  const clock = deps.clock ?? Date.now;
  const defs = deps.definitions;
  const service = opts.service ?? RANKING_SERVICE;
  const plan = planService(defs, service);
  const recent = new RecentEventIds(opts.recentEventIds ?? 100_000);
  // Item keys by item id, kept across requests: the same key strings come back for the same candidates,
  // so no request builds (and hashes) 500 new strings per item view. Bounded: cleared when full.
  const itemKeyMemo = new Map<ItemId, EntityKey>();
  const itemKeys = (id: ItemId): EntityKey => {
    let key = itemKeyMemo.get(id);
    if (key === undefined) {
      if (itemKeyMemo.size >= 500_000) itemKeyMemo.clear();
      itemKeyMemo.set(id, key = itemKey(id));
    }
    return key;
  };
  const writer = {
    defs, state: deps.online, offline: deps.offline, itemLookup: deps.itemLookup, clock,
    offlineMode: opts.offlineMode ?? 'as-served', ...(opts.maxAttempts === undefined ? {} : { maxAttempts: opts.maxAttempts }),
  };

  return {
    definitions: defs,

    applyEvents: (events) => applyStreamEvents(writer, recent, events),

    async readForRanking(userId, itemIds, context = {}) {
      const ids: Record<string, string | undefined> = { ...context, user: userId };
      const keysOf = plan.views.map((pv) => {
        const names = pv.keyNames;
        if (!names.includes('item')) return new Array<EntityKey | undefined>(itemIds.length).fill(viewKey(pv, ids));
        if (names.length === 1) return itemIds.map(itemKeys);
        if (names.length === 2 && names[1] === 'item') {
          const head = keyFor([names[0]!], ids);
          return head === undefined ? new Array<EntityKey | undefined>(itemIds.length) : itemIds.map((item) => `${head}|${itemKeys(item)}`);
        }
        return itemIds.map((item) => { ids['item'] = item; return viewKey(pv, ids); });
      });
      // A per-item view's key is a one-to-one function of the item id, so keys are deduplicated by item
      // (ids are usually the caller's strings, already hashed) rather than by building a set of new keys.
      const repeated = repeats(itemIds);
      const lookups = plan.views.map((pv, vi) => {
        const keys = keysOf[vi]!;
        if (!pv.keyNames.includes('item')) return { view: pv.view.name, keys: keys[0] === undefined ? [] : [keys[0]] };
        return { view: pv.view.name, keys: keys.filter((k, i): k is EntityKey => k !== undefined && (repeated === undefined || repeated.first[i] === true)) };
      });
      const rows = await deps.online.read(lookups);
      const asOf = clock();
      return { columns: plan.refs, types: plan.types, itemIds, values: assembleCandidates(plan, keysOf, rows, itemIds.length, asOf, repeated?.positions), asOf };
    },

    async getHistoricalFeatures(labels, name = service) {
      if (deps.offline === undefined) throw new InvalidInputError('historical features need an offline store');
      return getHistoricalFeatures(deps.offline, defs, labels, name);
    },

    async flush() {
      await deps.offline?.flush();
    },
  };
}

/**
 * For ids with repeats: whether each id is its value's first occurrence, and the position of that first
 * occurrence among the distinct ids (in order of appearance). Undefined when every id is distinct.
 */
function repeats(ids: readonly string[]): { first: boolean[]; positions: Int32Array } | undefined {
  const at = new Map<string, number>();
  const positions = new Int32Array(ids.length);
  const first = ids.map((id, i) => {
    const p = at.get(id);
    if (p !== undefined) {
      positions[i] = p;
      return false;
    }
    at.set(id, positions[i] = at.size);
    return true;
  });
  return at.size === ids.length ? undefined : { first, positions };
}
