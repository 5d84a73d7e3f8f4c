/**
 * @module features/open-feature-store.test
 * openFeatureStore from a config: in memory (events read back, history flushed to the configured folder
 * by close), on the local Redis (unique key prefix, deleted after), and a Redis that does not answer:
 * a fast DependencyError naming the URL without its password.
 */
import { readdir } from 'node:fs/promises';
import { Redis } from 'ioredis';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.ts';
import { DependencyError, ERROR_CODES } from '../errors.ts';
import { probeService } from '../../test/support/services.ts';
import { deleteByPrefix, uniquePrefix } from '../../test/integration/redis-features-support.ts';
import { markerKey } from '../adapters/redis/redis-keys.ts';
import { dedupWindowMs, offlineDirOf, openFeatureStore, type OpenedFeatureStore } from './open-feature-store.ts';
import { manualClock, recordLookup, syntheticEvents, syntheticItems, tempDir } from './testing.ts';

// Near the real time: Redis expires keys (PXAT eventTs + ttl) by its own clock.
const T0 = Math.floor(Date.now() / 1000) * 1000 - 7_200_000;
const items = syntheticItems(20);
const events = syntheticEvents({ count: 200, users: 5, items: 20, start: T0, gapMs: 1000 });
const redis = await probeService('redis');

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

/** Apply the events and read u0's 7-day click count back in a ranking request. */
async function roundTrip(store: OpenedFeatureStore): Promise<void> {
  const result = await store.applyEvents(events);
  expect(result).toBeDefined();
  const vectors = await store.readForRanking('u0', ['h1', 'h2']);
  expect(vectors.columns).toContain('user_activity:click_count_7d');
  const col = vectors.columns.indexOf('user_activity:click_count_7d');
  const expected = events.filter((e) => e.userId === 'u0' && e.type === 'click').length;
  expect(vectors.values[0]?.[col]).toBe(expected);
}

describe('openFeatureStore', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeAll(async () => { ({ dir, remove } = await tempDir('open-fs')); });
  afterAll(async () => { await remove(); });

  it('uses memory online and the default offline folder; close flushes the history', async () => {
    const config = loadConfig(JSON.stringify({ dataDir: dir }), {});
    expect(offlineDirOf(config)).toBe(path.join(dir, 'features', 'offline'));
    const clock = manualClock(T0 + 3_600_000);
    const store = await openFeatureStore(config, { clock, itemLookup: recordLookup(items) });
    expect(store.onlineLocation).toBe('memory');
    expect(store.definitionsVersion).toBeUndefined();
    await roundTrip(store);
    await store.close();
    await store.close(); // idempotent
    expect((await listFiles(offlineDirOf(config))).some((f) => f.endsWith('.parquet'))).toBe(true);
  });

  it('honours features.offlineDir', async () => {
    const config = loadConfig(JSON.stringify({ dataDir: dir, features: { offlineDir: path.join(dir, 'elsewhere') } }), {});
    const store = await openFeatureStore(config, { clock: manualClock(T0 + 3_600_000), itemLookup: recordLookup(items) });
    await store.applyEvents(events.slice(0, 10));
    await store.close();
    expect((await listFiles(path.join(dir, 'elsewhere'))).length).toBeGreaterThan(0);
  });

  it('fails fast, naming the Redis URL without its password, when Redis does not answer', async () => {
    const config = loadConfig(JSON.stringify({ dataDir: dir }), { WAYFARER_REDIS_URL: 'redis://:hunter2@127.0.0.1:1' });
    const started = Date.now();
    const err = await openFeatureStore(config, { itemLookup: recordLookup(items), redisTimeoutMs: 500 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect((err as DependencyError).code).toBe(ERROR_CODES.STORE_UNAVAILABLE);
    expect((err as Error).message).toContain('redis://:***@127.0.0.1:1');
    expect((err as Error).message).not.toContain('hunter2');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  describe.skipIf(redis.url === undefined)(`on Redis${redis.skipReason === undefined ? '' : ` — ${redis.skipReason}`}`, () => {
    const prefix = uniquePrefix('wf_test_open');
    afterAll(async () => { if (redis.url !== undefined) await deleteByPrefix(redis.url, prefix); });

    it('reads back what it applied, and names the URL in a later outage', async () => {
      const config = loadConfig(JSON.stringify({ dataDir: dir }), { WAYFARER_REDIS_URL: redis.url!, WAYFARER_REDIS_PREFIX: prefix });
      const store = await openFeatureStore(config, { clock: manualClock(T0 + 3_600_000), itemLookup: recordLookup(items) });
      expect(store.onlineLocation).toBe(redis.url);
      await roundTrip(store);
      // A second instance on the same Redis sees the rows: they are not in process memory.
      const other = await openFeatureStore(loadConfig(JSON.stringify({ dataDir: path.join(dir, 'other') }), { WAYFARER_REDIS_URL: redis.url!, WAYFARER_REDIS_PREFIX: prefix }),
        { clock: manualClock(T0 + 3_600_000), itemLookup: recordLookup(items) });
      await roundTrip(other); // re-applied events are dropped by the markers in Redis: the counts do not double
      // The markers outlive the warm-up window (14 days by default), so a restart's replay is dropped too.
      const probe = new Redis(redis.url!);
      const ttl = await probe.pttl(markerKey(prefix, 'user=u0', events.find((e) => e.userId === 'u0')!.eventId));
      await probe.quit();
      expect(ttl).toBeGreaterThan(dedupWindowMs(config) - 60_000);
      expect(dedupWindowMs(config)).toBeGreaterThan(config.features.warmupDays * 86_400_000);
      await other.close();
      await store.close();
      // After close the client is gone: reads fail with the Redis URL in the message.
      const err = await store.online.read([{ view: 'user_activity', keys: ['user=u0'] }]).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(DependencyError);
      expect((err as Error).message).toContain(`Redis at ${redis.url}`);
    });
  });
});
