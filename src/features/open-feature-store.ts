/**
 * @module features/open-feature-store
 * Builds the feature store from the config: the online store on Redis when `redis.url` is set (else in
 * memory), the DuckDB/Parquet offline history under `features.offlineDir` (default
 * `<dataDir>/features/offline`), the definitions registry and materialisation watermark in the artifact
 * store `<dataDir>/artifacts`. The Redis client fails fast (short connect and command timeouts, one retry
 * per command), and every Redis failure is a DependencyError naming the URL with its password redacted.
 */
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import { redactUrl } from '../util/redact.ts';
import type { ArtifactStore } from '../ports/artifacts.ts';
import type { OfflineFeatureReader, OfflineFeatureWriter, OnlineFeatureReader, OnlineFeatureWriter, OnlineStateStore } from '../ports/features.ts';
import { FsArtifactStore } from '../adapters/filesystem/fs-artifact-store.ts';
import { MemoryOnlineFeatures } from '../adapters/memory/memory-online-features.ts';
import { RedisOnlineFeatures, type RedisOnlineFeaturesOptions } from '../adapters/redis/redis-online-features.ts';
import type { RowCacheStats } from '../adapters/redis/redis-row-cache.ts';
import { createDuckDbOfflineStore } from '../adapters/duckdb/duckdb-offline-store.ts';
import { DependencyError, ERROR_CODES } from '../errors.ts';
import type { FeatureDefinitions } from './definitions.ts';
import { defaultFeatureDefinitions } from './defaults.ts';
import { FeatureRegistry } from './registry.ts';
import { createFeatureStore, type FeatureStore, type FeatureStoreOptions } from './feature-store.ts';
import type { ItemLookup } from './streaming.ts';

/** Online store as the facade and materialisation need it. */
export type OnlineFeatures = OnlineFeatureReader & OnlineFeatureWriter & OnlineStateStore & {
  /** The client-side cache's counters (Redis with redis.clientCache on); undefined otherwise. */
  cacheStats?(): RowCacheStats | undefined;
};
export type OfflineFeatures = OfflineFeatureReader & OfflineFeatureWriter;

export interface OpenFeatureStoreOptions {
  /** Price and stars of the items events refer to. */
  itemLookup: ItemLookup;
  /** UTC ms for the facade and the online store's expiry (default Date.now). */
  clock?: () => number;
  /** Definitions to use (default: the latest registered version, else Wayfarer's defaults). */
  definitions?: FeatureDefinitions;
  /** Redis connect and per-command timeout in ms (default 2,000). */
  redisTimeoutMs?: number;
  /** Service, offline mode, dedup and retry settings of the facade. */
  store?: FeatureStoreOptions;
}

export interface OpenedFeatureStore extends FeatureStore {
  /** The online store (Redis or memory), e.g. for materialisation. */
  readonly online: OnlineFeatures;
  readonly offline: OfflineFeatures;
  /** Registry and watermark storage. */
  readonly artifacts: ArtifactStore;
  /** Registered version of the definitions, or undefined for unregistered ones (defaults or passed in). */
  readonly definitionsVersion: string | undefined;
  /** Which online store is used, for logs: `memory` or the Redis URL with its password redacted. */
  readonly onlineLocation: string;
  /** Flush the offline history, then close both stores; idempotent. */
  close(): Promise<void>;
}

/** The offline history's folder (absolute). */
export function offlineDirOf(config: Config): string {
  return path.resolve(config.features.offlineDir ?? path.join(config.dataDir, 'features', 'offline'));
}

/** The artifact store holding the definitions registry and the materialisation watermark. */
export function featureArtifactsOf(config: Config): ArtifactStore {
  return new FsArtifactStore(path.join(path.resolve(config.dataDir), 'artifacts'));
}

/** The latest registered definitions, or Wayfarer's defaults when none are registered. Never writes. */
export async function loadFeatureDefinitions(artifacts: ArtifactStore): Promise<{ definitions: FeatureDefinitions; version: string | undefined }> {
  const registry = new FeatureRegistry(artifacts);
  if ((await registry.versions()).length === 0) return { definitions: defaultFeatureDefinitions(), version: undefined };
  const latest = await registry.load();
  return { definitions: latest.definitions, version: latest.version };
}

/** Open the feature store the config describes. Throws DependencyError when Redis does not answer. */
export async function openFeatureStore(config: Config, opts: OpenFeatureStoreOptions): Promise<OpenedFeatureStore> {
  const clock = opts.clock ?? Date.now;
  const artifacts = featureArtifactsOf(config);
  const loaded = opts.definitions !== undefined ? { definitions: opts.definitions, version: undefined } : await loadFeatureDefinitions(artifacts);
  // Applied-event markers must outlive the warm-up window: every load replays the last `warmupDays` of
  // events, and a persistent store (Redis) must recognise each one it already applied, or it counts twice.
  const eventDedupTtlMs = dedupWindowMs(config);
  const online = config.redis.url === undefined
    ? new MemoryOnlineFeatures({ clock, eventDedupTtlMs })
    : await openRedisOnline(config.redis.url, {
      keyPrefix: config.redis.keyPrefix, clock, eventDedupTtlMs,
      ...(config.redis.clientCache.enabled ? { clientCache: { entities: config.redis.clientCache.entities, maxRows: config.redis.clientCache.maxRows } } : {}),
    }, opts.redisTimeoutMs ?? 2000);
  let offline: OfflineFeatures;
  try {
    offline = await createDuckDbOfflineStore({ dir: offlineDirOf(config), definitions: loaded.definitions });
  } catch (err) {
    await online.close();
    throw err;
  }
  const facade = createFeatureStore({ online, offline, definitions: loaded.definitions, itemLookup: opts.itemLookup, clock }, opts.store);
  let closing: Promise<void> | undefined;
  return {
    ...facade,
    online,
    offline,
    artifacts,
    definitionsVersion: loaded.version,
    onlineLocation: config.redis.url === undefined ? 'memory' : redactUrl(config.redis.url),
    close() {
      closing ??= (async () => {
        try {
          await offline.close(); // flushes first
        } finally {
          await online.close();
        }
      })();
      return closing;
    },
  };
}

/** Connect (and PING) with short timeouts, so a missing Redis fails at open, not on the first request. */
/** How long applied-event markers live: the warm-up window plus a day of slack. */
export function dedupWindowMs(config: Config): number {
  return (config.features.warmupDays + 1) * 86_400_000;
}

async function openRedisOnline(url: string, adapter: RedisOnlineFeaturesOptions, timeoutMs: number): Promise<OnlineFeatures> {
  const where = redactUrl(url);
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    // Keep reconnecting in the background during an outage, at most every 2 s; commands fail meanwhile.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // ioredis emits 'error' on every failed (re)connect; without a listener Node prints each one. Failures
  // reach callers as DependencyErrors from the commands themselves.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw new DependencyError(ERROR_CODES.STORE_UNAVAILABLE, `online feature store: cannot reach Redis at ${where}`, err);
  }
  const store = new RedisOnlineFeatures(client, adapter);
  try {
    await store.cacheReady();
  } catch (err) {
    await store.close();
    throw new DependencyError(ERROR_CODES.STORE_UNAVAILABLE, `${(err as Error).message} (redis.clientCache.enabled: false), Redis at ${where}`, (err as Error).cause);
  }
  return withLocation(store, where);
}

/** Adds the (redacted) Redis URL to the adapter's DependencyErrors. */
function withLocation(store: RedisOnlineFeatures, where: string): OnlineFeatures {
  const named = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DependencyError) throw new DependencyError(err.code, `${err.message} (Redis at ${where})`, err.cause);
      throw err;
    }
  };
  return {
    read: (lookups) => named(() => store.read(lookups)),
    write: (rows) => named(() => store.write(rows)),
    load: (loads) => named(() => store.load(loads)),
    commit: (commits) => named(() => store.commit(commits)),
    cacheStats: () => store.cacheStats(),
    close: () => store.close(),
  };
}
