/**
 * @module test/contract/online-features.contract
 * The online feature store contract (reader, writer, stream state store), written once and run against
 * every adapter: MemoryOnlineFeatures here in test/contract, RedisOnlineFeatures in test/integration.
 * Times are based on the real clock (Redis expires keys on its own clock) and moved with a manual clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureWrite, OnlineFeatureReader, OnlineFeatureWriter, OnlineStateStore } from '../../src/ports/features.ts';
import { itemKey, userItemKey, userKey } from '../../src/features/entity-key.ts';

export type OnlineFeatures = OnlineFeatureReader & OnlineFeatureWriter & OnlineStateStore;

export interface OnlineFeaturesFactory {
  /** A fresh, empty store reading the given clock; applied-event markers expire after dedupTtlMs. */
  open(clock: () => number, dedupTtlMs: number): Promise<OnlineFeatures>;
  /** Remove what the run left behind (before close). */
  cleanup?(store: OnlineFeatures): Promise<void>;
}

const DEDUP_TTL_MS = 300;
const HOUR = 3_600_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function onlineFeaturesContract(name: string, factory: OnlineFeaturesFactory): void {
  describe(`${name} (online features contract)`, () => {
    let store: OnlineFeatures;
    let now = Date.now();
    const T = now;
    const row = (key: string, view: string, eventTs: number, values: FeatureWrite['values'], ttlMs = HOUR): FeatureWrite => ({ key, view, eventTs, values, ttlMs });
    const readOne = async (view: string, key: string) => (await store.read([{ view, keys: [key] }]))[0]?.[0];

    beforeAll(async () => { store = await factory.open(() => now, DEDUP_TTL_MS); });
    afterAll(async () => { await factory.cleanup?.(store); await store.close(); await store.close(); });

    it('reads nothing for unknown keys, one list per lookup, aligned with its keys', async () => {
      const out = await store.read([{ view: 'v', keys: [userKey('nobody')] }, { view: 'w', keys: [] }]);
      expect(out).toEqual([[undefined], []]);
    });

    it('round-trips every value type and awkward ids exactly', async () => {
      const key = userItemKey('u|{1}=%', 'ïtem:7');
      const values = { f: 0.1 + 0.2, i: 42, s: 'clïck "quoted"', fl: [1.5, -2, 1e-9], sl: ['a|b', '{c}'], big: 1_764_000_000_123 };
      await store.write([row(key, 'mixed', T, values)]);
      expect(await readOne('mixed', key)).toEqual({ eventTs: T, values });
    });

    it('keeps views and keys apart, and reads many lookups in one call', async () => {
      const items = Array.from({ length: 500 }, (_, i) => `h${i}`);
      await store.write([
        row(userKey('u1'), 'user_view', T, { n: 1 }),
        ...items.map((id, i) => row(itemKey(id), 'item_view', T, { n: i })),
        ...items.filter((_, i) => i % 2 === 0).map((id, i) => row(userItemKey('u1', id), 'ui_view', T, { n: i })),
      ]);
      const [u, it2, ui, wrongView] = await store.read([
        { view: 'user_view', keys: [userKey('u1'), userKey('u2')] },
        { view: 'item_view', keys: items.map(itemKey) },
        { view: 'ui_view', keys: items.map((id) => userItemKey('u1', id)) },
        { view: 'item_view', keys: [userKey('u1')] },
      ]);
      const present = (rows: readonly unknown[] | undefined): number => (rows ?? []).filter((r) => r !== undefined).length;
      expect(u!.map((r) => r?.values)).toEqual([{ n: 1 }, undefined]);
      expect(present(it2)).toBe(500);
      expect(it2![123]?.values).toEqual({ n: 123 });
      expect(present(ui)).toBe(250);
      expect(ui![1]).toBeUndefined();
      expect(ui![2]?.values).toEqual({ n: 1 });
      expect(wrongView).toEqual([undefined]);
    });

    it('expires a row once now − eventTs > ttlMs, and never stores an expired row', async () => {
      // A TTL of a minute from this moment: the adapter's clock decides, whatever the store's own
      // expiry does meanwhile (Redis expires keys on the wall clock, and a loaded machine is slow).
      const t0 = Date.now();
      const ttl = 60_000;
      const key = userKey('ttl');
      await store.write([row(key, 'ttl_view', t0, { x: 1 }, ttl), row(userKey('old'), 'ttl_view', t0 - 2 * ttl, { x: 1 }, ttl)]);
      try {
        now = t0 + ttl;
        expect(await readOne('ttl_view', key)).toBeDefined();
        now = t0 + ttl + 1;
        expect(await readOne('ttl_view', key)).toBeUndefined();
        now = t0;
        expect(await readOne('ttl_view', userKey('old'))).toBeUndefined();
      } finally {
        now = T;
      }
    });

    it('lets the newer eventTs win; an equal eventTs replaces (a correction)', async () => {
      const key = itemKey('nw');
      await store.write([row(key, 'nw_view', T, { x: 1 })]);
      await store.write([row(key, 'nw_view', T - 10, { x: 0 })]);
      expect((await readOne('nw_view', key))?.values).toEqual({ x: 1 });
      await store.write([row(key, 'nw_view', T, { x: 2, y: 3 })]);
      expect(await readOne('nw_view', key)).toEqual({ eventTs: T, values: { x: 2, y: 3 } });
      await store.write([row(key, 'nw_view', T + 1, { z: 1 })]);
      expect((await readOne('nw_view', key))?.values).toEqual({ z: 1 });
    });

    it('loads version 0 for missing rows and commits with compare-and-set', async () => {
      const p = userKey('cas');
      const rows = [{ key: p, view: 'ua' }, { key: userItemKey('cas', 'h1'), view: 'uil' }];
      const [s0] = await store.load([{ partition: p, rows, eventIds: ['e1'] }]);
      expect(s0!.rows).toEqual([{ version: 0, row: undefined }, { version: 0, row: undefined }]);
      expect(s0!.applied.size).toBe(0);
      const commit = { partition: p, eventIds: ['e1'], rows: rows.map((r) => ({ ...row(r.key, r.view, T, { c: 1 }), expectVersion: 0 })) };
      expect(await store.commit([commit])).toEqual(['committed']);
      const [s1] = await store.load([{ partition: p, rows, eventIds: ['e1', 'e2'] }]);
      expect(s1!.rows.map((r) => r.version)).toEqual([1, 1]);
      expect(s1!.rows[0]!.row).toEqual({ eventTs: T, values: { c: 1 } });
      expect([...s1!.applied]).toEqual(['e1']);
      expect(await readOne('uil', userItemKey('cas', 'h1'))).toEqual({ eventTs: T, values: { c: 1 } });
    });

    it('refuses a redelivered event and a stale version, changing nothing', async () => {
      const p = userKey('cas2');
      const mk = (ids: string[], expect0: number, expect1: number, c: number) => ({
        partition: p, eventIds: ids,
        rows: [{ ...row(p, 'ua', T, { c }), expectVersion: expect0 }, { ...row(userItemKey('cas2', 'h'), 'uil', T, { c }), expectVersion: expect1 }],
      });
      expect(await store.commit([mk(['a'], 0, 0, 1)])).toEqual(['committed']);
      expect(await store.commit([mk(['a'], 1, 1, 2), mk(['b'], 1, 0, 3), mk(['c'], 1, 1, 4)])).toEqual(['duplicate', 'conflict', 'committed']);
      const [s] = await store.load([{ partition: p, rows: [{ key: p, view: 'ua' }, { key: userItemKey('cas2', 'h'), view: 'uil' }], eventIds: ['a', 'b', 'c'] }]);
      expect(s!.rows.map((r) => [r.version, r.row?.values])).toEqual([[2, { c: 4 }], [2, { c: 4 }]]);
      expect([...s!.applied].sort()).toEqual(['a', 'c']);
    });

    it('scopes applied events to their partition and forgets them after the dedup TTL', async () => {
      const a = itemKey('pa');
      const b = itemKey('pb');
      expect(await store.commit([{ partition: a, eventIds: ['shared'], rows: [{ ...row(a, 'ip', T, { n: 1 }), expectVersion: 0 }] }])).toEqual(['committed']);
      const [sa, sb] = await store.load([{ partition: a, rows: [], eventIds: ['shared'] }, { partition: b, rows: [], eventIds: ['shared'] }]);
      expect(sa!.applied.has('shared')).toBe(true);
      expect(sb!.applied.has('shared')).toBe(false);
      now = T + DEDUP_TTL_MS + 100;
      await sleep(DEDUP_TTL_MS + 100);
      const [later] = await store.load([{ partition: a, rows: [], eventIds: ['shared'] }]);
      expect(later!.applied.has('shared')).toBe(false);
      now = T;
    });

    it('bumps the version on plain writes too, so stream commits based on an older load conflict', async () => {
      const k = itemKey('mix');
      await store.write([row(k, 'ip', T, { n: 1 })]);
      const [s] = await store.load([{ partition: k, rows: [{ key: k, view: 'ip' }], eventIds: [] }]);
      const v = s!.rows[0]!.version;
      expect(v).toBeGreaterThan(0);
      await store.write([row(k, 'ip', T + 1, { n: 2 })]);
      expect(await store.commit([{ partition: k, eventIds: ['m'], rows: [{ ...row(k, 'ip', T + 2, { n: 3 }), expectVersion: v }] }])).toEqual(['conflict']);
      expect((await readOne('ip', k))?.values).toEqual({ n: 2 });
    });
  });
}
