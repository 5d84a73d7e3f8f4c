/**
 * @module test/integration/redis-online-features.test
 * The online features contract against the local Redis, twice: as standalone Redis (one MGET, pipelines)
 * and in Cluster mode through a guard that fails any command whose keys span hash tags and any pipeline,
 * as a real Redis Cluster would. Each run uses its own key prefix and deletes its keys afterwards.
 */
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisOnlineFeatures } from '../../src/adapters/redis/redis-online-features.ts';
import { onlineFeaturesContract } from '../contract/online-features.contract.ts';
import { probeService } from '../support/services.ts';
import { clusterGuard, deleteByPrefix, uniquePrefix } from './redis-features-support.ts';

const redis = await probeService('redis');

if (redis.url === undefined) {
  describe.skip(`RedisOnlineFeatures — ${redis.skipReason}`, () => { it('skipped', () => {}); });
} else {
  const url = redis.url;
  for (const mode of ['standalone', 'cluster-guarded'] as const) {
    const prefix = uniquePrefix(`wf_test_${mode}`);
    onlineFeaturesContract(`RedisOnlineFeatures (${mode})`, {
      open: async (clock, eventDedupTtlMs) => {
        const client = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
        return new RedisOnlineFeatures(mode === 'standalone' ? client : clusterGuard(client), { keyPrefix: prefix, clock, eventDedupTtlMs });
      },
      cleanup: async () => { await deleteByPrefix(url, prefix); },
    });
  }

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
