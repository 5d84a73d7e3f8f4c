/**
 * The genuine public samples (read in place from ../shared/datasets, never copied) go through the
 * loaders into a real store: row counts as the files hold them, and a re-import adds nothing.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/adapters/postgres/create-store.ts';
import type { PostgresStore } from '../../src/adapters/postgres/postgres-store.ts';
import { RejectLog } from '../../src/data/import-types.ts';
import { importBatches } from '../../src/data/import.ts';
import { getLoader, type DatasetName } from '../../src/data/loaders/index.ts';

const SHARED = path.resolve(import.meta.dirname, '../../../shared/datasets');
const present = existsSync(SHARED);
if (!present) console.warn(`\n*** genuine dataset import suite SKIPPED: ${SHARED} is absent ***\n`);

describe.skipIf(!present)('genuine samples into the store', () => {
  let store: PostgresStore;
  beforeAll(async () => { store = await createStore({ schema: 'wayfarer', poolSize: 1 }); });
  afterAll(async () => { await store.close(); });

  const load = async (dataset: DatasetName, dir: string): Promise<{ inserted: number; duplicates: number; rejects: number }> => {
    const rejects = new RejectLog();
    const t = await importBatches(getLoader(dataset).read(path.join(SHARED, dir), {}, { rejects, batchSize: 1000 }), store, { concurrency: 1 });
    return { inserted: t.inserted, duplicates: t.duplicates, rejects: rejects.count };
  };

  it('Booking.com challenge sample: 4 users, 16 cities, 17 bookings (hidden stays filled from the truth file)', async () => {
    expect(await load('booking-2021', 'booking-wsdm-2021/challenge_sample')).toEqual({ inserted: 17, duplicates: 0, rejects: 0 });
    expect(await store.counts()).toMatchObject({ users: 4, items: 16, interactions: 17 });
    expect(await load('booking-2021', 'booking-wsdm-2021/challenge_sample')).toEqual({ inserted: 0, duplicates: 17, rejects: 0 });
  });

  it('Airbnb sample: 21 users, their 14 first bookings, 10 destination countries with coordinates', async () => {
    const before = await store.counts();
    expect(await load('airbnb', 'airbnb-new-user-bookings')).toEqual({ inserted: 14, duplicates: 0, rejects: 0 });
    const after = await store.counts();
    expect(after.users - before.users).toBe(21);
    expect(after.interactions - before.interactions).toBe(14);
    const [fr] = await store.getItems(['country:FR']);
    expect(fr).toMatchObject({ kind: 'destination', lat: expect.closeTo(46.2, 1) as unknown });
  });
});
