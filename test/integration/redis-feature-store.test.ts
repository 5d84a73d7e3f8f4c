/**
 * @module test/integration/redis-feature-store.test
 * The feature store facade on the local Redis (standalone, and Cluster-guarded: every multi-key command
 * within one hash tag, no pipelines): read-your-writes, idempotent redelivery across instances,
 * concurrent writers, and identical values online and offline. One key prefix per store, deleted after.
 */
import { describe, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisOnlineFeatures } from '../../src/adapters/redis/redis-online-features.ts';
import { featureStoreScenarios } from '../../src/features/feature-store.scenarios.ts';
import { probeService } from '../support/services.ts';
import { clusterGuard, deleteByPrefix, uniquePrefix } from './redis-features-support.ts';

const redis = await probeService('redis');

if (redis.url === undefined) {
  describe.skip(`feature store on Redis — ${redis.skipReason}`, () => { it('skipped', () => {}); });
} else {
  const url = redis.url;
  for (const mode of ['standalone', 'cluster-guarded'] as const) {
    featureStoreScenarios(`RedisOnlineFeatures (${mode})`, async (clock) => {
      const prefix = uniquePrefix(`wf_test_fs_${mode}`);
      const client = new Redis(url, { maxRetriesPerRequest: 1 });
      const store = new RedisOnlineFeatures(mode === 'standalone' ? client : clusterGuard(client), { keyPrefix: prefix, clock });
      // Delete the run's keys when the scenario closes the store.
      const close = store.close.bind(store);
      store.close = async () => { await deleteByPrefix(url, prefix); await close(); };
      return store;
    });
  }
}
