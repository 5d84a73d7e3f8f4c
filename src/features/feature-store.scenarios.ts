/**
 * @module features/feature-store.scenarios
 * Behaviour of the feature store facade, written once and run on the memory online store
 * (feature-store.test.ts) and on Redis (test/integration/redis-feature-store.test.ts): read-your-writes,
 * idempotent redelivery, concurrent writers, and the same values online and offline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Interaction } from '../domain/types.ts';
import type { OnlineFeatureReader, OnlineFeatureWriter, OnlineStateStore } from '../ports/features.ts';
import { createDuckDbOfflineStore, type DuckDbOfflineStore } from '../adapters/duckdb/duckdb-offline-store.ts';
import { createRng } from '../util/rng.ts';
import { defaultFeatureDefinitions } from './defaults.ts';
import { userItemKey } from './entity-key.ts';
import { createFeatureStore, type FeatureStoreOptions } from './feature-store.ts';
import { manualClock, recordLookup, syntheticEvents, syntheticItems, tempDir, type ManualClock } from './testing.ts';

type Online = OnlineFeatureReader & OnlineFeatureWriter & OnlineStateStore;

/** Opens a fresh, empty online store on the clock. */
export type OpenOnline = (clock: () => number) => Promise<Online>;

const HOUR = 3_600_000;
const defs = defaultFeatureDefinitions();
const items = syntheticItems(40);
const col = (name: string): number => defs.services[0]!.features.indexOf(name);

export function featureStoreScenarios(name: string, openOnline: OpenOnline): void {
  describe(`createFeatureStore on ${name}`, () => {
    // Near the real clock: Redis expires keys on its own clock.
    const T0 = Math.floor(Date.now() / HOUR) * HOUR - 48 * HOUR;
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

    async function open(opts: FeatureStoreOptions = {}, shared?: { online: Online; offline: DuckDbOfflineStore; clock: ManualClock }) {
      const clock = shared?.clock ?? manualClock(T0);
      const online = shared?.online ?? (await openOnline(clock));
      let offline = shared?.offline;
      if (offline === undefined) {
        const tmp = await tempDir('fs');
        const o = await createDuckDbOfflineStore({ dir: tmp.dir, definitions: defs });
        offline = o;
        cleanups.push(async () => { await o.close(); await online.close(); await tmp.remove(); });
      }
      const store = createFeatureStore({ online, offline, definitions: defs, itemLookup: recordLookup(items), clock }, opts);
      return { store, online, offline, clock };
    }
    const ev = (id: string, type: Interaction['type'], ts: number, userId = 'u1', itemId = 'h1'): Interaction => ({
      eventId: id, userId, itemId, type, value: null, ts, sessionId: null, context: {},
    });

    it('makes an applied event visible to the very next read', async () => {
      const { store, clock } = await open();
      clock.set(T0 + 1000);
      await store.applyEvents([ev('a1', 'click', T0 + 500), ev('a2', 'booking', T0 + 900, 'u1', 'h2')]);
      const v = await store.readForRanking('u1', ['h1', 'h2', 'h3']);
      expect(v.itemIds).toEqual(['h1', 'h2', 'h3']);
      expect(v.values.map((r) => r[col('user_activity:click_count_1h')])).toEqual([1, 1, 1]);
      expect(v.values.map((r) => r[col('user_item_last:last_type')])).toEqual(['click', 'booking', null]);
      expect(v.values[2]![col('item_popularity:clicks_1d')]).toBeNull();
      expect(v.values[0]![col('item_popularity:clicks_1d')]).toBeCloseTo(2 ** (-500 / (24 * HOUR)), 12);
      expect(v.asOf).toBe(T0 + 1000);
    });

    it('changes nothing on redelivery: in the same batch, later, or through another instance', async () => {
      const a = await open();
      a.clock.set(T0 + HOUR);
      const batch = [ev('r1', 'click', T0 + 1), ev('r2', 'click', T0 + 2), ev('r1', 'click', T0 + 1)];
      expect(await a.store.applyEvents(batch)).toMatchObject({ applied: 2, duplicates: 1 });
      const before = await a.store.readForRanking('u1', ['h1']);
      expect(await a.store.applyEvents(batch)).toMatchObject({ applied: 0, duplicates: 3 });
      // A second process shares the stores but not the in-memory set: the partition markers stop it.
      const b = await open({}, a);
      expect(await b.store.applyEvents([ev('r2', 'click', T0 + 2), ev('r3', 'booking', T0 + 3)])).toMatchObject({ applied: 1, duplicates: 1 });
      const after = await a.store.readForRanking('u1', ['h1']);
      expect(after.values[0]![col('user_activity:click_count_1h')]).toBe(2);
      expect(before.values[0]![col('user_activity:click_count_1h')]).toBe(2);
      expect(after.values[0]![col('user_activity:booking_count_1h')]).toBe(1);
    });

    it('loses no update when several instances write the same partitions concurrently', async () => {
      const a = await open({ maxAttempts: 50 });
      const b = await open({ maxAttempts: 50 }, a);
      a.clock.set(T0 + HOUR);
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).store.applyEvents(
        [ev(`c${i}`, 'click', T0 + i, `u${i % 3}`, 'hot'), ev(`d${i}`, 'impression', T0 + i, 'u0', 'hot')],
      )));
      expect(results.reduce((s, r) => s + r.applied, 0)).toBe(80);
      expect(results.reduce((s, r) => s + r.retries, 0)).toBeGreaterThan(0); // the compare-and-set path ran
      const v = await a.store.readForRanking('u0', ['hot']);
      expect(v.values[0]![col('user_activity:click_count_1h')]).toBe(14);
      // 40 clicks on the hot item, each decayed from its own time to the read time (half-life 7 days).
      const want = Array.from({ length: 40 }, (_, i) => 2 ** (-(HOUR - i) / (7 * 24 * HOUR))).reduce((x, y) => x + y, 0);
      expect(v.values[0]![col('item_popularity:clicks_7d')]).toBeCloseTo(want, 9);
    });

    it('gives training the values serving read, at every time, even after later writes', async () => {
      const { store, clock } = await open();
      const rng = createRng(3);
      const events = syntheticEvents({ count: 900, users: 10, items: 40, start: T0, gapMs: 60_000, seed: 5 });
      // Processing order: most events arrive at once, 15 % up to 30 minutes late (after later events).
      const arrivals = events.map((e) => ({ e, at: e.ts + (rng.next() < 0.15 ? rng.int(30 * 60_000) : 0) })).sort((a, b) => a.at - b.at);
      const users = ['u0', 'u3', 'u7'];
      const cands = ['h0', 'h1', 'h2', 'h5', 'h8', 'h13', 'h21', 'h34'];
      const labelsAt = (t: number) => users.flatMap((u) => cands.map((i) => ({ entityKey: userItemKey(u, i), ts: t })));
      const served: { t: number; values: unknown[] }[] = [];
      let next = 0;
      for (let checkpoint = 150; checkpoint <= arrivals.length; checkpoint += 150) {
        while (next < checkpoint) {
          const batch = arrivals.slice(next, Math.min(checkpoint, next + 1 + rng.int(12)));
          next += batch.length;
          clock.set(batch[batch.length - 1]!.at); // processed as the last event of the batch arrives
          await store.applyEvents(batch.map((a) => a.e));
        }
        const t = (arrivals[next]?.at ?? arrivals[next - 1]!.at + 1000) - 1;
        if (t <= arrivals[next - 1]!.at) continue;
        clock.set(t);
        const online = (await Promise.all(users.map((u) => store.readForRanking(u, cands)))).flatMap((v) => v.values);
        const offline = await store.getHistoricalFeatures(labelsAt(t));
        expect(offline.rows.map((r) => r.values)).toEqual(online);
        served.push({ t, values: online });
      }
      expect(served.flatMap((s) => s.values.flat()).filter((x) => x !== null).length).toBeGreaterThan(1000);
      // Once the whole stream is in, the history still answers each past time with what serving read then.
      const again = await store.getHistoricalFeatures(served.flatMap((s) => labelsAt(s.t)));
      expect(again.rows.map((r) => r.values)).toEqual(served.flatMap((s) => s.values));
    });

    it("in replay mode records one history row per event, known at the event's time", async () => {
      const { store, clock } = await open({ offlineMode: 'replay' });
      clock.set(T0 + 10 * HOUR);
      await store.applyEvents([ev('p1', 'click', T0 + HOUR), ev('p2', 'click', T0 + 2 * HOUR), ev('p3', 'booking', T0 + 3 * HOUR)]);
      const at = async (t: number) => (await store.getHistoricalFeatures([{ entityKey: userItemKey('u1', 'h1'), ts: t }])).rows[0]!.values;
      expect((await at(T0 + HOUR))[col('user_activity:click_count_24h')]).toBeNull();
      expect((await at(T0 + HOUR + 1))[col('user_activity:click_count_24h')]).toBe(1);
      expect((await at(T0 + 2 * HOUR + 1))[col('user_activity:click_count_24h')]).toBe(2);
      expect((await at(T0 + 3 * HOUR + 1))[col('user_item_last:last_type')]).toBe('booking');
    });
  });
}
