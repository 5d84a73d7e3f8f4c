/**
 * @module test/contract/store.contract
 * The Store contract, written once and run against every adapter (PGlite, PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeItem, makeUser, type Interaction } from '../../src/domain/types.ts';
import type { Store } from '../../src/ports/store.ts';
import { LATEST_SCHEMA_VERSION } from '../../src/adapters/postgres/migrations.ts';

const T0 = Date.UTC(2026, 0, 1);

export function ev(id: string, userId: string, itemId: string, ts: number, over: Partial<Interaction> = {}): Interaction {
  return { eventId: id, userId, itemId, type: 'click', value: null, ts, sessionId: null, context: {}, ...over };
}

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}

export function storeContract(name: string, open: () => Promise<Store>, cleanup: (s: Store) => Promise<void> = async () => {}): void {
  describe(`${name} (Store contract)`, () => {
    let store: Store;
    beforeAll(async () => { store = await open(); });
    afterAll(async () => { await cleanup(store); await store.close(); });

    it('migrates idempotently to the latest version', async () => {
      await store.migrate();
      expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    });

    it('upserts users and merges: nulls never erase, attributes merge', async () => {
      await store.upsertUsers([makeUser('u1', { homeCountry: 'DE', device: 'mobile', attributes: { a: 1 } }), makeUser('u2')]);
      await store.upsertUsers([makeUser('u1', { device: 'desktop', attributes: { b: 'x' } }), makeUser('u1', { attributes: { c: true } })]);
      const [u1] = await store.getUsers(['u1']);
      expect(u1).toEqual({ id: 'u1', homeCountry: 'DE', device: 'mobile', attributes: { a: 1, c: true } });
      expect((await store.getUsers(['u2', 'nope'])).map((u) => u.id)).toEqual(['u2']);
    });

    it('upserts items with every field and reads them back', async () => {
      const h = makeItem('h1', 'hotel', {
        name: 'Hotel Ünïcode', city: 'c1', country: 'FR', lat: 48.85, lon: 2.35, price: 120.5, stars: 4, reviewScore: 8.5,
        chain: 'acme', available: true, attributes: { tags: ['spa'] },
      });
      await store.upsertItems([h, makeItem('h2', 'hotel', { status: 'invalid', available: false }), makeItem('c1', 'city')]);
      await store.upsertItems([makeItem('h1', 'hotel', { price: 99 })]);
      const [got] = await store.getItems(['h1']);
      expect(got).toEqual({ ...h, price: 99 });
      const [h2] = await store.getItems(['h2']);
      expect(h2?.status).toBe('invalid');
      expect(h2?.available).toBe(false);
    });

    it('rejects an out-of-range item field with an error naming the operation', async () => {
      await expect(store.upsertItems([makeItem('bad', 'hotel', { stars: 7 })])).rejects.toThrow(/upsert 1 items failed.*stars/);
    });

    it('appends interactions idempotently by event id', async () => {
      const events = [
        ev('e1', 'u1', 'h1', T0 + 1, { type: 'search', context: { destination: 'c1', note: 'ü' } }),
        ev('e2', 'u1', 'h1', T0 + 2, { sessionId: 's1', value: 3.5 }),
        ev('e3', 'u1', 'h2', T0 + 2, { type: 'booking' }),
        ev('e3', 'u1', 'h2', T0 + 2, { type: 'booking' }),
      ];
      expect(await store.appendInteractions(events)).toEqual({ inserted: 3, duplicates: 1 });
      expect(await store.appendInteractions(events.slice(0, 2))).toEqual({ inserted: 0, duplicates: 2 });
      expect(await store.appendInteractions([])).toEqual({ inserted: 0, duplicates: 0 });
      const again = await store.appendInteractions([events[0]!, ev('e4', 'u2', 'h1', T0 + 3)], { returnInsertedIds: true });
      expect(again).toEqual({ inserted: 1, duplicates: 1, insertedIds: new Set(['e4']) });
    });

    it('keeps millisecond timestamps and context exactly', async () => {
      const ts = Date.UTC(2026, 4, 17, 13, 45, 12, 987);
      await store.appendInteractions([ev('ms', 'u9', 'h9', ts, { context: { checkin: '2026-06-01', party: 2 } })]);
      const [got] = await store.userHistory('u9', 5);
      expect(got).toEqual(ev('ms', 'u9', 'h9', ts, { context: { checkin: '2026-06-01', party: 2 } }));
    });

    it('scans interactions in (ts, eventId) order across batch boundaries, with filters', async () => {
      const many = Array.from({ length: 25 }, (_, i) => ev(`m${String(i).padStart(2, '0')}`, 'u3', `h${i % 4}`, T0 + 1000 + Math.floor(i / 3), {
        type: i % 5 === 0 ? 'booking' : 'click',
      }));
      await store.appendInteractions(many);
      const all = await collect(store.scanInteractions({ fromTs: T0 + 1000, toTs: T0 + 2000, batchSize: 4 }));
      expect(all.map((e) => e.eventId)).toEqual(many.map((e) => e.eventId));
      const bookings = await collect(store.scanInteractions({ fromTs: T0 + 1000, toTs: T0 + 1005, types: ['booking'], batchSize: 2 }));
      expect(bookings.map((e) => e.eventId)).toEqual(['m00', 'm05', 'm10']);
    });

    it('returns a user history newest first, limited', async () => {
      const h = await store.userHistory('u1', 2);
      expect(h.map((e) => e.eventId)).toEqual(['e3', 'e2']);
      expect((await store.userHistory('u2', 5)).map((e) => e.eventId)).toEqual(['e4']);
      expect(await store.userHistory('nobody', 5)).toEqual([]);
    });

    it('scans items and users in id order in batches', async () => {
      await store.upsertItems(Array.from({ length: 7 }, (_, i) => makeItem(`z${i}`, 'listing')));
      const batches: number[] = [];
      const ids: string[] = [];
      for await (const b of store.scanItems(3)) { batches.push(b.length); ids.push(...b.map((i) => i.id)); }
      expect(ids).toEqual([...ids].sort());
      expect(ids.filter((id) => id.startsWith('z'))).toHaveLength(7);
      expect(Math.max(...batches)).toBeLessThanOrEqual(3);
      expect((await collect(store.scanUsers(1))).map((u) => u.id)).toEqual(['u1', 'u2']);
    });

    it('adds and removes global and per-user blocks idempotently', async () => {
      await store.addBlocks([{ itemId: 'h1', userId: null, reason: 'fraud' }, { itemId: 'h2', userId: 'u1', reason: null }]);
      await store.addBlocks([{ itemId: 'h1', userId: null, reason: 'again' }, { itemId: 'h2', userId: 'u2', reason: null }]);
      expect(await store.listBlocks()).toEqual([
        { itemId: 'h1', userId: null, reason: 'fraud' },
        { itemId: 'h2', userId: 'u1', reason: null },
        { itemId: 'h2', userId: 'u2', reason: null },
      ]);
      await store.removeBlocks([{ itemId: 'h1', userId: null }, { itemId: 'h2', userId: 'u2' }]);
      expect(await store.listBlocks()).toEqual([{ itemId: 'h2', userId: 'u1', reason: null }]);
    });

    it('reports the time range of its interactions', async () => {
      expect(await store.timeRange()).toEqual({ minTs: T0 + 1, maxTs: Date.UTC(2026, 4, 17, 13, 45, 12, 987) });
    });

    it('counts what it holds', async () => {
      const c = await store.counts();
      expect(c).toEqual({ users: 2, items: 10, interactions: 30, blocks: 1 });
    });
  });
}
