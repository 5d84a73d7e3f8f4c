/**
 * @module test/integration/redis-row-cache.test
 * The online store's client-side cache against the local Redis: item rows are served from the process
 * after the first read, a write by another process reaches the cache through Redis's invalidation, own
 * writes are visible at once, user rows are always read from Redis, and when either connection is killed
 * the cache empties and tracking comes back (a change made meanwhile is read, not a stale copy).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisOnlineFeatures } from '../../src/adapters/redis/redis-online-features.ts';
import { itemKey, userKey } from '../../src/features/entity-key.ts';
import type { FeatureWrite } from '../../src/ports/features.ts';
import { probeService } from '../support/services.ts';
import { deleteByPrefix, uniquePrefix } from './redis-features-support.ts';

const redis = await probeService('redis');
const HOUR = 3_600_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` until it returns true (every 10 ms, at most `ms`). */
async function eventually(fn: () => Promise<boolean> | boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return true;
    await sleep(10);
  }
  return fn();
}

if (redis.url === undefined) {
  describe.skip(`Redis client-side cache — ${redis.skipReason}`, () => { it('skipped', () => {}); });
} else {
  const url = redis.url;
  describe('Redis client-side cache of item rows', () => {
    const prefix = uniquePrefix('wf_test_cache');
    let cached: RedisOnlineFeatures;
    let other: RedisOnlineFeatures; // another process writing, without a cache
    let admin: Redis;
    const T = Date.now();
    const row = (key: string, view: string, n: number, eventTs = T): FeatureWrite => ({ key, view, eventTs, ttlMs: HOUR, values: { n } });
    const readItem = async (id: string) => (await cached.read([{ view: 'item_view', keys: [itemKey(id)] }]))[0]![0]?.values['n'];

    beforeAll(async () => {
      cached = new RedisOnlineFeatures(new Redis(url, { maxRetriesPerRequest: 1 }), { keyPrefix: prefix, clientCache: { entities: ['item'], pingIntervalMs: 200 } });
      other = new RedisOnlineFeatures(new Redis(url, { maxRetriesPerRequest: 1 }), { keyPrefix: prefix });
      admin = new Redis(url);
      await cached.cacheReady();
    });
    afterAll(async () => {
      await deleteByPrefix(url, prefix);
      await cached.close();
      await other.close();
      await admin.quit();
    });

    it('serves item rows from the process after the first read, user rows always from Redis', async () => {
      await other.write([row(itemKey('a'), 'item_view', 1), row(userKey('u'), 'user_view', 10)]);
      expect(await readItem('a')).toBe(1);
      const before = cached.cacheStats()!;
      const [u, i] = await cached.read([{ view: 'user_view', keys: [userKey('u')] }, { view: 'item_view', keys: [itemKey('a'), itemKey('none')] }]);
      expect(u![0]?.values).toEqual({ n: 10 });
      expect(i![0]?.values).toEqual({ n: 1 });
      expect(i![1]).toBeUndefined();
      const after = cached.cacheStats()!;
      expect(after.hits - before.hits).toBe(1); // item a; 'none' was a miss, now cached as absent
      expect(await readItem('none')).toBeUndefined();
      expect(cached.cacheStats()!.hits - after.hits).toBe(1);
      // A user row is never cached: another process's change is read at once.
      await other.write([row(userKey('u'), 'user_view', 11, T + 1)]);
      expect((await cached.read([{ view: 'user_view', keys: [userKey('u')] }]))[0]![0]?.values).toEqual({ n: 11 });
    });

    it('drops a cached row when another process changes it, and reads the new value', async () => {
      await other.write([row(itemKey('b'), 'item_view', 1)]);
      expect(await readItem('b')).toBe(1);
      expect(await readItem('b')).toBe(1); // cached now
      const inv = cached.cacheStats()!.invalidations;
      await other.write([row(itemKey('b'), 'item_view', 2, T + 1)]);
      expect(await eventually(() => cached.cacheStats()!.invalidations > inv)).toBe(true);
      expect(await readItem('b')).toBe(2);
      // A key cached as absent is invalidated when it appears.
      expect(await readItem('new')).toBeUndefined();
      await other.write([row(itemKey('new'), 'item_view', 5)]);
      expect(await eventually(async () => (await readItem('new')) === 5)).toBe(true);
    });

    it('sees its own writes at once', async () => {
      await cached.write([row(itemKey('c'), 'item_view', 1)]);
      expect(await readItem('c')).toBe(1);
      await cached.write([row(itemKey('c'), 'item_view', 2, T + 1)]);
      expect(await readItem('c')).toBe(2);
      const [state] = await cached.load([{ partition: itemKey('c'), eventIds: [], rows: [{ view: 'item_view', key: itemKey('c') }] }]);
      const version = state!.rows[0]!.version;
      await cached.commit([{ partition: itemKey('c'), eventIds: ['e1'], rows: [{ ...row(itemKey('c'), 'item_view', 3, T + 2), expectVersion: version }] }]);
      expect(await readItem('c')).toBe(3);
    });

    it('empties itself when the invalidation connection is killed, and tracks again once it is back', async () => {
      await other.write([row(itemKey('d'), 'item_view', 1)]);
      expect(await readItem('d')).toBe(1);
      const resets = cached.cacheStats()!.resets;
      const subId = cached.cacheSubscriberId!;
      expect(subId).toBeTypeOf('number');
      await admin.call('CLIENT', 'KILL', 'ID', String(subId));
      expect(await eventually(() => cached.cacheStats()!.resets > resets)).toBe(true);
      // While the cache is down (and after), the change is read, never the stale copy.
      await other.write([row(itemKey('d'), 'item_view', 2, T + 1)]);
      expect(await readItem('d')).toBe(2);
      expect(await eventually(() => cached.cacheSubscriberId !== undefined && cached.cacheSubscriberId !== subId)).toBe(true);
      await cached.cacheReady();
      expect(await eventually(async () => { await readItem('d'); return cached.cacheStats()!.size > 0; })).toBe(true);
      const inv = cached.cacheStats()!.invalidations;
      await other.write([row(itemKey('d'), 'item_view', 3, T + 2)]);
      expect(await eventually(() => cached.cacheStats()!.invalidations > inv)).toBe(true);
      expect(await readItem('d')).toBe(3);
    });

    it('empties itself when the read connection is killed, and tracks again on reconnect', async () => {
      await other.write([row(itemKey('e'), 'item_view', 1)]);
      expect(await readItem('e')).toBe(1);
      expect(await readItem('e')).toBe(1);
      const resets = cached.cacheStats()!.resets;
      const dataId = Number(await admin.call('CLIENT', 'LIST', 'TYPE', 'normal').then((list) => {
        const line = String(list).split('\n').find((l) => / cmd=(mget|client)/.test(l) && l.includes(`sub=0`) && !l.includes(`id=${cached.cacheSubscriberId} `) && l.includes('flags=t'));
        return /id=(\d+)/.exec(line ?? '')?.[1];
      }));
      expect(dataId).toBeGreaterThan(0);
      await admin.call('CLIENT', 'KILL', 'ID', String(dataId));
      expect(await eventually(() => cached.cacheStats()!.resets > resets)).toBe(true);
      await other.write([row(itemKey('e'), 'item_view', 2, T + 1)]);
      expect(await eventually(async () => (await readItem('e').catch(() => undefined)) === 2)).toBe(true);
      // Tracking is back: the row is cached again and a later change still reaches the cache.
      expect(await eventually(async () => { const h = cached.cacheStats()!.hits; await readItem('e'); return cached.cacheStats()!.hits > h; })).toBe(true);
      await other.write([row(itemKey('e'), 'item_view', 3, T + 2)]);
      expect(await eventually(async () => (await readItem('e')) === 3)).toBe(true);
    });
  });
}
