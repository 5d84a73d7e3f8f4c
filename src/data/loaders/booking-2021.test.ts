/**
 * @module data/loaders/booking-2021.test
 * Booking.com 2021 loader on hand-written fixtures and on the genuine challenge samples read in place.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.ts';
import { booking2021Loader } from './booking-2021.ts';
import { FIXTURES_DIR, SHARED_DATASETS_DIR, collect, duplicateIds, rejectLines } from './testing.ts';

const FIXTURE = path.join(FIXTURES_DIR, 'booking-2021');
const GENUINE = path.join(SHARED_DATASETS_DIR, 'booking-wsdm-2021');
const SAMPLE = path.join(GENUINE, 'challenge_sample');

describe('booking-2021 loader (fixtures)', () => {
  it('imports every good row, fills hidden stays from truth, reports bad rows by file and line', async () => {
    const c = await collect(booking2021Loader, FIXTURE, {});
    expect(c.users).toHaveLength(6);
    expect(c.items).toHaveLength(8);
    expect(c.interactions).toHaveLength(14);
    expect(duplicateIds(c.users)).toEqual([]);
    expect(duplicateIds(c.items)).toEqual([]);
    expect(rejectLines(c)).toEqual([
      "ground_truth.csv:5 bad id in column city_id: 'abc'",
      "test_set.csv:8 bad date in column checkin: '30/02/2016'",
      "train_set.csv:7 bad date in column checkin: '31/13/2016'",
      'train_set.csv:8 empty id in column user_id',
      "train_set.csv:9 bad id in column city_id: 'abc'",
      'train_set.csv:10 expected 10 columns, got 8',
      "train_set.csv:11 checkout '2016-07-03' is before checkin '2016-07-05'",
    ]);
    expect(c.notices).toEqual([
      '2 hidden final stays (city_id 0) had no ground truth: no booking emitted for them',
      '1 ground-truth rows matched no test trip: their cities were imported as items only',
    ]);
  });

  it('orders each trip by checkin and numbers its steps', async () => {
    const c = await collect(booking2021Loader, FIXTURE, {});
    const trip = c.interactions.filter((e) => e.sessionId === '1001_1');
    expect(trip.map((e) => [e.itemId, e.context['trip_step'], e.value, e.context['checkin']])).toEqual([
      ['city:8183', 1, 2, '2016-04-09'],
      ['city:60902', 2, 2, '2016-04-11'],
      ['city:15626', 3, 3, '2016-04-13'],
    ]);
    expect(trip[0]).toMatchObject({
      eventId: 'booking2021:1001_1:2016-04-09:8183', userId: '1001', type: 'booking', ts: Date.UTC(2016, 3, 9),
      context: { booker_country: 'Elbonia', hotel_country: 'Gondal', device_class: 'desktop', affiliate_id: '7168', split: 'train' },
    });
  });

  it('emits the hidden final stay with the truth city, and users/items with their first-row attributes', async () => {
    const c = await collect(booking2021Loader, FIXTURE, {});
    const hidden = c.interactions.find((e) => e.sessionId === '2001_1' && e.context['trip_step'] === 3);
    expect(hidden).toMatchObject({
      eventId: 'booking2021:2001_1:2016-05-05:44444', itemId: 'city:44444', value: 1, ts: Date.UTC(2016, 4, 5),
      context: { from_truth: true, hotel_country: 'Borginia', split: 'test', trip_length: 3, device_class: 'mobile' },
    });
    expect(c.interactions.filter((e) => e.sessionId === '2002_1')).toHaveLength(2);
    expect(c.interactions.filter((e) => e.sessionId === '2003_1').map((e) => e.itemId)).toEqual(['city:8183']);
    expect(c.users.find((u) => u.id === '1002')).toMatchObject({ homeCountry: 'Korea, Republic of', device: 'mobile' });
    expect(c.users.find((u) => u.id === '1001')).toMatchObject({ homeCountry: 'Elbonia', device: 'desktop' });
    expect(c.items.find((i) => i.id === 'city:55555')).toMatchObject({ kind: 'city', country: 'Osterlich' });
    expect(c.items.find((i) => i.id === 'city:3763')).toMatchObject({ kind: 'city', country: 'Cobra Island' });
  });

  it('yields identical event ids on a second read, in small batches too', async () => {
    const a = await collect(booking2021Loader, FIXTURE, {});
    const b = await collect(booking2021Loader, FIXTURE, {}, 4);
    expect(b.interactions.map((e) => e.eventId)).toEqual(a.interactions.map((e) => e.eventId));
    expect(new Set(a.interactions.map((e) => e.eventId)).size).toBe(14);
    expect(b.batchSizes.length).toBeGreaterThan(3);
    expect(a.progress.at(-1)?.[0]).toBe(a.progress.at(-1)?.[1]);
  });

  it('skips truth when asked, and reads a single test file', async () => {
    const noTruth = await collect(booking2021Loader, FIXTURE, { useTruth: false });
    expect([noTruth.users.length, noTruth.items.length, noTruth.interactions.length]).toEqual([6, 6, 12]);
    const single = await collect(booking2021Loader, path.join(FIXTURE, 'test_set.csv'), {});
    expect([single.users.length, single.items.length, single.interactions.length]).toEqual([4, 4, 5]);
    expect(single.interactions.every((e) => e.context['split'] === 'test')).toBe(true);
  });

  it('throws InvalidInputError for a missing path and for a header without required columns', async () => {
    await expect(collect(booking2021Loader, path.join(FIXTURE, 'nope'), {})).rejects.toThrow(InvalidInputError);
    const dir = mkdtempSync(path.join(tmpdir(), 'wayfarer-booking-'));
    try {
      writeFileSync(path.join(dir, 'train_set.csv'), 'user_id,checkout,utrip_id\n1,2016-01-01,1_1\n');
      await expect(collect(booking2021Loader, dir, {})).rejects.toThrow(
        'train_set.csv: header lacks required column(s) checkin, city_id',
      );
      await expect(collect(booking2021Loader, tmpdir(), {})).rejects.toThrow('no Booking.com 2021 files');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

if (!existsSync(GENUINE)) console.warn(`[skip] genuine Booking.com samples not found at ${GENUINE}`);

describe.skipIf(!existsSync(GENUINE))('booking-2021 loader (genuine samples in /work/shared/datasets)', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'wayfarer-booking-genuine-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('challenge sample: 17 stays of 4 trips, the 4 hidden ones filled from sample_truth.csv', async () => {
    const c = await collect(booking2021Loader, SAMPLE, {});
    expect([c.users.length, c.items.length, c.interactions.length, c.rejectCount]).toEqual([4, 16, 17, 0]);
    expect(c.interactions.filter((e) => e.context['from_truth'] === true).map((e) => e.itemId)).toEqual([
      'city:41971', 'city:23921', 'city:50457', 'city:17013',
    ]);
    const trip = c.interactions.filter((e) => e.sessionId === '1000441_5');
    expect(trip.map((e) => e.context['trip_step'])).toEqual([1, 2, 3, 4, 5]);
    expect(trip.at(-1)).toMatchObject({ eventId: 'booking2021:1000441_5:2016-06-04:50457', ts: Date.UTC(2016, 5, 4) });
    const again = await collect(booking2021Loader, SAMPLE, {});
    expect(again.interactions.map((e) => e.eventId)).toEqual(c.interactions.map((e) => e.eventId));
  });

  it('sample_test_set.csv alone: 13 visible stays, hidden ones skipped with a notice', async () => {
    const c = await collect(booking2021Loader, path.join(SAMPLE, 'sample_test_set.csv'), {});
    expect([c.users.length, c.items.length, c.interactions.length]).toEqual([4, 12, 13]);
    expect(c.notices).toEqual(['4 hidden final stays (city_id 0) had no ground truth: no booking emitted for them']);
  });

  it('ground_truth.csv without trips: its 10,391 cities become items', async () => {
    const c = await collect(booking2021Loader, GENUINE, {});
    expect([c.users.length, c.items.length, c.interactions.length, c.rejectCount]).toEqual([0, 10_391, 0, 0]);
    expect(c.notices).toEqual(['70662 ground-truth rows came without trip files: their cities were imported as items only']);
    expect(c.items.find((i) => i.id === 'city:54085')?.country).toBe('Sokovia');
  });

  it('a copy with injected bad rows: every good row imports, each bad row is reported by line', async () => {
    const lines = readFileSync(path.join(SAMPLE, 'sample_test_set.csv'), 'utf8').split('\r\n');
    const bad = new Map<number, [string, string]>([
      [3, ['1000066,31/13/2016,02/08/2016,desktop,9924,Gondal,1000066_5,5,4,12345,Urkesh', "bad date in column checkin: '31/13/2016'"]],
      [10, ['garbage,row', 'expected 11 columns, got 2']],
      [lines.length, [',01/01/2016,02/01/2016,desktop,1,X,9_1,1,1,5,Y', 'empty id in column user_id']],
    ]);
    const out: string[] = [];
    const expected: string[] = [];
    lines.forEach((line, i) => {
      out.push(line);
      const b = bad.get(i + 1);
      if (b) { out.push(b[0]); expected.push(`sample_test_set.csv:${out.length} ${b[1]}`); }
    });
    writeFileSync(path.join(tmp, 'sample_test_set.csv'), out.join('\r\n'));
    writeFileSync(path.join(tmp, 'sample_truth.csv'), readFileSync(path.join(SAMPLE, 'sample_truth.csv')));
    const c = await collect(booking2021Loader, tmp, {});
    expect([c.users.length, c.items.length, c.interactions.length]).toEqual([4, 16, 17]);
    expect(rejectLines(c)).toEqual(expected);
    expect(expected.map((e) => e.split(' ')[0])).toEqual(['sample_test_set.csv:4', 'sample_test_set.csv:12', 'sample_test_set.csv:21']);
  });
});
