/**
 * @module test/integration/redis-online-features.test
 * The online features contract against the local Redis, twice: as standalone Redis (one MGET, pipelines)
 * and in Cluster mode through a guard that fails any command whose keys span hash tags and any pipeline,
 * as a real Redis Cluster would. Each run uses its own key prefix and deletes its keys afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisOnlineFeatures } from '../../src/adapters/redis/redis-online-features.ts';
import { rowKey } from '../../src/adapters/redis/redis-keys.ts';
import { userItemKey } from '../../src/features/entity-key.ts';
import type { FeatureWrite } from '../../src/ports/features.ts';
import { onlineFeaturesContract } from '../contract/online-features.contract.ts';
import { probeService } from '../support/services.ts';
import { clusterGuard, deleteByPrefix, uniquePrefix } from './redis-features-support.ts';

const redis = await probeService('redis');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

if (redis.url === undefined) {
  describe.skip(`RedisOnlineFeatures — ${redis.skipReason}`, () => { it('skipped', () => {}); });
} else {
  const url = redis.url;
  for (const mode of ['standalone', 'standalone with client-side cache', 'cluster-guarded'] as const) {
    const prefix = uniquePrefix(`wf_test_${mode.split(' ')[0]!}`);
    onlineFeaturesContract(`RedisOnlineFeatures (${mode})`, {
      open: async (clock, eventDedupTtlMs) => {
        const client = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
        if (mode === 'cluster-guarded') return new RedisOnlineFeatures(clusterGuard(client), { keyPrefix: prefix, clock, eventDedupTtlMs });
        const cache = mode === 'standalone' ? {} : { clientCache: { entities: ['item'] } };
        const store = new RedisOnlineFeatures(client, { keyPrefix: prefix, clock, eventDedupTtlMs, ...cache });
        await store.cacheReady();
        return store;
      },
      cleanup: async () => { await deleteByPrefix(url, prefix); },
    });
  }

  describe('RedisOnlineFeatures hash rows (compound keys live in their partition\'s hash)', () => {
    const prefix = uniquePrefix('wf_test_hash');
    let store: RedisOnlineFeatures;
    let admin: Redis;
    beforeAll(async () => {
      store = new RedisOnlineFeatures(new Redis(url, { maxRetriesPerRequest: 1 }), { keyPrefix: prefix });
      admin = new Redis(url);
    });
    afterAll(async () => {
      await deleteByPrefix(url, prefix);
      await store.close();
      await admin.quit();
    });
    const ui = (item: string, ttlMs: number, n = 1): FeatureWrite => ({ key: userItemKey('u1', item), view: 'ui', eventTs: Date.now(), ttlMs, values: { n } });

    it('keeps the hash alive as long as its longest-lived row, and sweeps expired fields as it grows', async () => {
      const hash = rowKey(prefix, 'ui', userItemKey('u1', 'x'));
      expect(hash).toBe(`${prefix}{user=u1}:ui`);
      await store.write([ui('long', 3_600_000), ui('short', 60_000)]);
      const pttl = await admin.pttl(hash);
      expect(pttl).toBeGreaterThan(3_500_000);
      // 61 more rows that expire at once, then the 64th field: the sweep drops the expired ones.
      await store.write(Array.from({ length: 61 }, (_, i) => ui(`gone${i}`, 50)));
      expect(await admin.hlen(hash)).toBe(63);
      await sleep(120);
      await store.write([ui('new', 3_600_000)]);
      expect((await admin.hkeys(hash)).sort()).toEqual(['item=long', 'item=new', 'item=short']);
      const [rows] = await store.read([{ view: 'ui', keys: ['long', 'short', 'new', 'gone1'].map((i) => userItemKey('u1', i)) }]);
      expect(rows!.map((r) => r !== undefined)).toEqual([true, true, true, false]);
    });

    it('refuses a hash field it did not write, naming the key and field', async () => {
      const hash = rowKey(prefix, 'ui2', userItemKey('u1', 'x'));
      await admin.hset(hash, 'item=odd', 'not a wayfarer value');
      await expect(store.write([{ ...ui('odd', 60_000), view: 'ui2' }])).rejects.toThrow(/key .*:ui2 field item=odd holds a value the online feature store did not write/);
      await expect(store.read([{ view: 'ui2', keys: [userItemKey('u1', 'odd')] }])).rejects.toThrow(/field item=odd/);
    });
  });

  describe('Cluster guard', () => {
    it('refuses what a Redis Cluster refuses, so the guarded run above proves slot-safety', async () => {
      const client = clusterGuard(new Redis(url));
      try {
        expect(() => client.mget('a{user=1}:x', 'a{item=2}:y')).toThrow(/CROSSSLOT/);
        expect(() => client.pipeline()).toThrow(/pipeline/);
        expect(await client.mget('a{user=1}:x', 'a{user=1}:y')).toEqual([null, null]);
      } finally {
        await client.quit();
      }
    });
  });
}
