/**
 * @module adapters/duckdb/duckdb-offline-store.test
 * The offline store on DuckDB + Parquet: the point-in-time leak test (a value after the label, a tie on
 * the timestamp, a correction created after the fact), TTL, write-order ties across segments, a
 * randomised cross-check against the reference rule, latest-row scans and batch sources.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbOfflineStore, type DuckDbOfflineStore } from './duckdb-offline-store.ts';
import { toFeatureValue } from './parquet-layout.ts';
import { defineFeatures } from '../../features/definitions.ts';
import { userKey } from '../../features/entity-key.ts';
import { pickAsOf } from '../../features/point-in-time.ts';
import { createRng } from '../../util/rng.ts';
import type { OfflineFeatureRow } from '../../ports/features.ts';

const defs = defineFeatures({
  entities: [{ name: 'user', keys: ['user'] }],
  views: [
    {
      name: 'v', entity: 'user', ttlMs: 1000, source: { type: 'batch', query: 'SELECT 1' },
      features: [{ name: 'x', type: 'float' }, { name: 'n', type: 'int' }, { name: 's', type: 'string' }, { name: 'fl', type: 'float_list' }, { name: 'sl', type: 'string_list' }],
    },
    {
      name: 'b', entity: 'user', ttlMs: 10_000,
      source: { type: 'batch', query: "SELECT * FROM (VALUES ('u1', 100, 1.5), ('a|b{c}', 200, 2.5)) AS t(\"user\", event_ts, score)" },
      features: [{ name: 'score', type: 'float' }],
    },
  ],
  services: [],
});

const K = userKey('k');
const row = (eventTs: number, createdTs: number, x: number, key = K): OfflineFeatureRow => ({ key, view: 'v', eventTs, createdTs, values: { x } });

describe('DuckDbOfflineStore', () => {
  let dir: string;
  let store: DuckDbOfflineStore;
  const asOf = async (ts: number, key = K): Promise<number | undefined> => {
    const [r] = await store.readAsOf('v', [{ key, ts }], 1000);
    return r?.values['x'] as number | undefined;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wf-offline-'));
    store = await createDuckDbOfflineStore({ dir, definitions: defs });
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('the point-in-time leak test', () => {
    beforeAll(async () => {
      await store.append([row(100, 100, 1), row(200, 200, 2)]);
      // A correction of the value at 100, created long after the fact.
      await store.append([row(100, 500, 10)]);
      // A late row about an older time than the current value.
      await store.append([row(50, 400, 5)]);
    });

    it('never shows a value whose event time is after the label time', async () => {
      expect(await asOf(150)).toBe(1);
      expect(await asOf(199)).toBe(1);
    });

    it('treats a tie on the timestamp as not yet visible (strictly before the label)', async () => {
      expect(await asOf(100)).toBeUndefined();
      expect(await asOf(101)).toBe(1);
      expect(await asOf(200)).toBe(1);
      expect(await asOf(201)).toBe(2);
    });

    it('hides a correction from labels before it was created, and uses it after', async () => {
      // At 450 the newest event (200) still wins over the correction of the value at 100 …
      expect(await asOf(450)).toBe(2);
      // … and a late row about an older event never outranks a newer one.
      expect(await asOf(401)).toBe(2);
    });

    it('uses the correction for the corrected time once it exists', async () => {
      const c = userKey('corr');
      await store.append([row(100, 101, 1, c), row(100, 500, 10, c)]);
      expect(await asOf(300, c)).toBe(1);
      expect(await asOf(500, c)).toBe(1);
      expect(await asOf(501, c)).toBe(10);
    });

    it('never shows a value created after the label, whatever its event time', async () => {
      const late = userKey('late');
      await store.append([row(10, 300, 7, late)]);
      expect(await asOf(299, late)).toBeUndefined();
      expect(await asOf(301, late)).toBe(7);
    });
  });

  it('drops the winner when older than the TTL, without falling back to older rows', async () => {
    const k = userKey('ttl');
    await store.append([row(1000, 1000, 1, k), row(2000, 2000, 2, k)]);
    expect(await asOf(3000, k)).toBe(2);
    expect(await asOf(3001, k)).toBeUndefined();
    expect(await asOf(1500, k)).toBe(1);
  });

  it('breaks exact (eventTs, createdTs) ties by write order, within and across segments', async () => {
    const k = userKey('tie');
    await store.append([row(10, 10, 1, k), row(10, 10, 2, k)]);
    expect(await asOf(11, k)).toBe(2);
    await store.append([row(10, 10, 3, k)]);
    expect(await asOf(11, k)).toBe(3);
  });

  it('round-trips every value type and answers probes in order, missing keys undefined', async () => {
    const k = userKey('types');
    const values = { x: 0.1 + 0.2, n: 1_764_000_000_123, s: 'ïd "q"', fl: [1.5, -2], sl: ['a', 'b|c'] };
    await store.append([{ key: k, view: 'v', eventTs: 5, createdTs: 5, values }]);
    const out = await store.readAsOf('v', [{ key: userKey('nobody'), ts: 10 }, { key: k, ts: 10 }, { key: k, ts: 5 }], 1000);
    expect(out).toEqual([undefined, { eventTs: 5, values }, undefined]);
  });

  it('agrees with the reference rule on random histories with ties and corrections', async () => {
    const rng = createRng(7);
    const keys = ['r0', 'r1', 'r2', 'r3'].map(userKey);
    const history: (OfflineFeatureRow & { seq: number })[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const rows = Array.from({ length: 60 }, (_, i) => {
        const eventTs = 1000 + rng.int(40) * 10;
        // Mostly known at once or soon after; some created long after the fact (corrections, late data).
        const createdTs = rng.next() < 0.7 ? eventTs + rng.int(3) * 10 : eventTs + rng.int(60) * 10;
        const seq = history.length + i;
        return { key: keys[rng.int(keys.length)]!, view: 'v', eventTs, createdTs, values: { x: seq }, seq };
      });
      history.push(...rows);
      await store.append(rows);
      await store.flush();
    }
    const probes = Array.from({ length: 400 }, () => ({ key: keys[rng.int(keys.length)]!, ts: 1000 + rng.int(100) * 10 }));
    const got = await store.readAsOf('v', probes, 150);
    const want = probes.map((p) => pickAsOf(history.filter((h) => h.key === p.key), p.ts, 150)?.values['x']);
    expect(got.map((r) => r?.values['x'])).toEqual(want);
    expect(want.filter((x) => x !== undefined).length).toBeGreaterThan(100);
  });

  it('lists segments in write order and scans the latest row per key in an event-time range', async () => {
    const k1 = userKey('s1');
    const k2 = userKey('s2');
    const before = await store.listSegments('v');
    await store.append([row(100, 100, 1, k1), row(300, 300, 3, k1), row(200, 200, 2, k2)]);
    await store.append([row(300, 400, 4, k1)]);
    const after = await store.listSegments('v');
    expect(after.slice(0, before.length)).toEqual(before);
    const fresh = after.slice(before.length);
    expect(fresh).toHaveLength(1);
    const rows: OfflineFeatureRow[] = [];
    for await (const batch of store.scanLatest('v', fresh, { start: 0, end: 1000 }, 1)) rows.push(...batch);
    expect(rows.map((r) => [r.key, r.values['x'], r.createdTs])).toEqual([[k1, 4, 400], [k2, 2, 200]]);
    const early: OfflineFeatureRow[] = [];
    for await (const batch of store.scanLatest('v', fresh, { start: 0, end: 300 })) early.push(...batch);
    expect(early.map((r) => [r.key, r.values['x']])).toEqual([[k1, 1], [k2, 2]]);
  });

  it('ingests a batch source with keys escaped like entity-key.ts', async () => {
    expect(await store.ingestBatchSource('b', 50)).toBe(2);
    const out = await store.readAsOf('b', [{ key: userKey('u1'), ts: 101 }, { key: userKey('a|b{c}'), ts: 201 }], 10_000);
    expect(out.map((r) => r?.values['score'])).toEqual([1.5, 2.5]);
  });
});

describe('values read back from DuckDB', () => {
  it('map NULL to no value, BIGINT to numbers, and a NULL inside a list to NaN or an empty string in place', () => {
    expect(toFeatureValue(null)).toBeUndefined();
    expect(toFeatureValue(7n)).toBe(7);
    expect(toFeatureValue([1n, 2.5])).toEqual([1, 2.5]);
    expect(toFeatureValue([1, null, 3])).toEqual([1, NaN, 3]);
    expect(toFeatureValue(['a', null])).toEqual(['a', '']);
  });
});
