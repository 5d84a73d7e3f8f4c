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
  });
}
