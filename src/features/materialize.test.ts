/**
 * @module features/materialize.test
 * Materialisation from the DuckDB offline store into the memory online store: latest value per entity,
 * incremental runs, newer-wins against fresher online values, a resumable watermark, the event-time
 * range, and a batch view keyed by request context read through readForRanking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../adapters/filesystem/fs-artifact-store.ts';
import { MemoryOnlineFeatures } from '../adapters/memory/memory-online-features.ts';
import { createDuckDbOfflineStore, type DuckDbOfflineStore } from '../adapters/duckdb/duckdb-offline-store.ts';
import type { FeatureWrite, OfflineFeatureRow, OnlineFeatureWriter } from '../ports/features.ts';
import { defineFeatures } from './definitions.ts';
import { WAYFARER_FEATURES } from './defaults.ts';
import { itemKey } from './entity-key.ts';
import { materialize, readWatermark, type MaterializeProgress } from './materialize.ts';
import { createFeatureStore } from './feature-store.ts';
import { manualClock, recordLookup, tempDir } from './testing.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1);
const defs = defineFeatures({
  ...WAYFARER_FEATURES,
  views: [
    ...WAYFARER_FEATURES.views,
    { name: 'item_static', entity: 'item', ttlMs: 30 * DAY, source: { type: 'batch', query: 'SELECT 1' }, features: [{ name: 'q', type: 'float' }] },
    {
      name: 'destination_stats', entity: 'destination', ttlMs: 30 * DAY,
      source: { type: 'batch', query: `SELECT * FROM (VALUES ('paris', ${T0}, 120), ('rome', ${T0}, 80)) AS t(destination, event_ts, searches)` },
      features: [{ name: 'searches', type: 'int' }],
    },
  ],
  services: [...WAYFARER_FEATURES.services, { name: 'ctx', features: ['destination_stats:searches', 'item_static:q'] }],
});

const row = (id: string, eventTs: number, q: number): OfflineFeatureRow => ({ key: itemKey(id), view: 'item_static', eventTs, createdTs: eventTs, values: { q } });

describe('materialize', () => {
  const clock = manualClock(T0 + DAY);
  let offline: DuckDbOfflineStore;
  let artifacts: FsArtifactStore;
  let remove: () => Promise<void>;
  const online = new MemoryOnlineFeatures({ clock });
  const q = async (id: string) => (await online.read([{ view: 'item_static', keys: [itemKey(id)] }]))[0]?.[0]?.values['q'];
  const run = (writer: OnlineFeatureWriter = online, progress?: MaterializeProgress[], start = 0, end = T0 + 10 * DAY) => materialize(offline, writer, {
    definitions: defs, artifacts, start, end, views: ['item_static'], segmentsPerStep: 1, clock,
    ...(progress === undefined ? {} : { onProgress: (p: MaterializeProgress) => { progress.push(p); } }),
  });

  beforeAll(async () => {
    const tmp = await tempDir('materialize');
    remove = tmp.remove;
    offline = await createDuckDbOfflineStore({ dir: `${tmp.dir}/offline`, definitions: defs });
    artifacts = new FsArtifactStore(`${tmp.dir}/artifacts`);
  });
  afterAll(async () => { await offline.close(); await remove(); });

  it('moves the latest value per entity, with progress and a watermark', async () => {
    await offline.append([row('a', T0, 1), row('a', T0 + 10, 2), row('b', T0, 5)]);
    await offline.flush();
    await offline.append([row('a', T0 + 5, 9), row('c', T0 - 40 * DAY, 7)]);
    const progress: MaterializeProgress[] = [];
    const result = await run(online, progress);
    expect(result.views[0]).toMatchObject({ view: 'item_static', segments: 2, rows: 4 });
    expect([await q('a'), await q('b'), await q('c')]).toEqual([2, 5, undefined]); // c is past its TTL
    expect(progress.map((p) => p.segmentsDone)).toEqual([0, 1, 2]);
    expect((await readWatermark(artifacts)).views['item_static']?.lastSegment).toBe(result.views[0]!.watermark);
  });

  it('moves only what changed since the last run, never backwards in time', async () => {
    expect((await run()).views[0]).toMatchObject({ segments: 0, rows: 0 });
    await offline.append([row('a', T0 + 1, 100), row('b', T0 + 20, 6)]);
    expect((await run()).views[0]).toMatchObject({ segments: 1, rows: 2 });
    expect([await q('a'), await q('b')]).toEqual([2, 6]);
  });

  it('resumes after a failure from the last completed step', async () => {
    await offline.append([row('d', T0, 1)]);
    await offline.flush();
    await offline.append([row('d', T0 + 1, 2)]);
    let calls = 0;
    const flaky: OnlineFeatureWriter = {
      write: async (rows: readonly FeatureWrite[]) => { if (++calls === 2) throw new Error('boom'); await online.write(rows); },
      close: async () => {},
    };
    await expect(run(flaky)).rejects.toThrow('boom');
    expect(await q('d')).toBe(1);
    expect((await run()).views[0]).toMatchObject({ segments: 1, rows: 1 });
    expect(await q('d')).toBe(2);
  });

  it('moves only rows inside the event-time range', async () => {
    await offline.append([row('e', T0 + 3 * DAY, 1), row('f', T0 + 2, 1)]);
    expect((await run(online, undefined, T0, T0 + DAY)).views[0]).toMatchObject({ rows: 1 });
    expect([await q('e'), await q('f')]).toEqual([undefined, 1]);
  });

  it('serves a batch view keyed by request context after ingest and materialisation', async () => {
    await offline.ingestBatchSource('destination_stats', T0);
    await materialize(offline, online, { definitions: defs, artifacts, start: 0, end: T0 + DAY, views: ['destination_stats'] });
    const store = createFeatureStore({ online, offline, definitions: defs, itemLookup: recordLookup({}), clock }, { service: 'ctx' });
    const v = await store.readForRanking('u1', ['a', 'zz'], { destination: 'paris' });
    expect(v.columns).toEqual(['destination_stats:searches', 'item_static:q']);
    expect(v.values).toEqual([[120, 2], [120, null]]);
    expect((await store.readForRanking('u1', ['a'])).values).toEqual([[null, 2]]);
    const hist = await store.getHistoricalFeatures([{ entityKey: itemKey('a'), ts: T0 + 100, context: { destination: 'rome' } }], 'ctx');
    expect(hist.rows[0]!.values).toEqual([80, 2]);
  });
});
