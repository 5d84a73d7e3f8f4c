/**
 * @module test/integration/redis-api-features.test
 * The served app with its online feature store on the local Redis: the rank stage reads it, and an event
 * posted through the API is in Redis before the API answers (visible to the very next read). The clock is
 * the wall clock: Redis expires keys by its own time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeService } from '../support/services.ts';
import { createFixture, type Fixture } from '../support/engine-fixture.ts';
import { deleteByPrefix, uniquePrefix } from './redis-features-support.ts';

const redis = await probeService('redis');

if (redis.url === undefined) {
  describe.skip(`API with the Redis feature store — ${redis.skipReason}`, () => { it('skipped', () => {}); });
} else {
  const url = redis.url;
  describe('API with the Redis feature store', () => {
    const prefix = uniquePrefix('wf_test_api');
    let f: Fixture;
    beforeAll(async () => { f = await createFixture({ twoTower: false, now: Date.now(), env: { WAYFARER_REDIS_URL: url, WAYFARER_REDIS_PREFIX: prefix } }); });
    afterAll(async () => { await f.cleanup(); await deleteByPrefix(url, prefix); });

    const clicks = async (): Promise<unknown> => {
      const v = await f.app.features.readForRanking('redis-user', ['h5']);
      return v.values[0]?.[v.columns.indexOf('user_activity:click_count_1h')] ?? 0;
    };

    it('warms Redis up at load and applies a posted event before answering', async () => {
      expect(f.app.features.onlineLocation).toContain('127.0.0.1');
      expect(await clicks()).toBe(0);
      const r = await f.app.server.inject({ method: 'POST', url: '/v1/events', payload: [{ userId: 'redis-user', itemId: 'h5', type: 'click' }, { userId: 'redis-user', itemId: 'h6', type: 'click' }] });
      expect(r.json()).toEqual({ stored: 2, duplicates: 0 });
      expect(await clicks()).toBe(2);
      const rec = await f.app.server.inject({ method: 'GET', url: '/v1/recommendations?userId=redis-user&k=5' });
      expect(rec.statusCode).toBe(200);
      expect(rec.json<{ items: unknown[] }>().items).toHaveLength(5);
    });

    it('serves item rows from its client-side cache and still reads a posted event at once', async () => {
      const itemClicks = async (): Promise<number> => {
        const v = await f.app.features.readForRanking('other-user', ['h7']);
        return Number(v.values[0]?.[v.columns.indexOf('item_popularity:clicks_1d')] ?? 0);
      };
      const before = await itemClicks();
      const stats0 = f.app.features.online.cacheStats!()!;
      expect(await itemClicks()).toBe(before);
      expect(f.app.features.online.cacheStats!()!.hits).toBeGreaterThan(stats0.hits);
      const r = await f.app.server.inject({ method: 'POST', url: '/v1/events', payload: [{ userId: 'cache-user', itemId: 'h7', type: 'click' }] });
      expect(r.json()).toEqual({ stored: 1, duplicates: 0 });
      expect(await itemClicks()).toBeGreaterThan(before + 0.9);
      const metrics = (await f.app.server.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/recsys_feature_cache_lookups_total\{result="hit"\} [1-9]/);
      expect(metrics).toMatch(/recsys_feature_cache_rows \d+/);
      expect(metrics).toMatch(/recsys_feature_cache_invalidations_total [1-9]/);
    });
  });
}
