/**
 * @module data/loaders/expedia-2016.test
 * Expedia 2016 loader on hand-written fixtures (no genuine sample of this dataset is available).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.ts';
import { expedia2016Loader } from './expedia-2016.ts';
import { FIXTURES_DIR, collect, duplicateIds, rejectLines } from './testing.ts';

const FIXTURE = path.join(FIXTURES_DIR, 'expedia-2016');

describe('expedia-2016 loader (fixtures)', () => {
  it('imports every good row and reports each bad row with its line and reason', async () => {
    const c = await collect(expedia2016Loader, FIXTURE, {});
    expect([c.users.length, c.items.length, c.interactions.length]).toEqual([5, 10, 11]);
    expect(duplicateIds(c.users)).toEqual([]);
    expect(duplicateIds(c.items)).toEqual([]);
    expect(rejectLines(c)).toEqual([
      "destinations.csv:4 bad number in column d57: 'abc'",
      'test.csv:6 empty id in column id',
      "test.csv:7 bad number in column orig_destination_distance: 'abc'",
      "train.csv:9 bad date in column date_time: '2014-13-01 10:00:00'",
      "train.csv:10 bad flag in column is_booking: '2' (expected 0 or 1)",
      "train.csv:11 bad number in column cnt: 'x'",
      'train.csv:12 empty id in column user_id',
      'train.csv:13 expected 24 columns, got 23',
      "train.csv:14 bad date in column srch_ci: '2161-10-00'",
    ]);
    const types = c.interactions.map((e) => e.type);
    expect([types.filter((t) => t === 'click').length, types.filter((t) => t === 'booking').length, types.filter((t) => t === 'search').length])
      .toEqual([6, 1, 4]);
  });

  it('maps train rows to cluster items with context, clicks carrying cnt', async () => {
    const c = await collect(expedia2016Loader, FIXTURE, {});
    const first = c.interactions.find((e) => e.ts === Date.UTC(2014, 7, 11, 7, 46, 59));
    expect(first).toMatchObject({
      userId: '12', itemId: 'cluster:1', type: 'click', value: 3, sessionId: null,
      context: {
        srch_destination_id: '8250', srch_destination_type_id: '1', srch_ci: '2014-08-27', srch_co: '2014-08-31',
        adults: 2, children: 0, rooms: 1, is_mobile: false, is_package: true, channel: '9', site_name: '2',
        user_location_country: '66', orig_destination_distance: 2234.2641, cnt: 3,
      },
    });
    expect(c.interactions.find((e) => e.type === 'booking')).toMatchObject({ value: null, context: { cnt: 1 } });
    expect(c.interactions.find((e) => e.itemId === 'cluster:21')?.context).toMatchObject({ srch_ci: null, srch_co: null });
    expect(c.items.find((i) => i.id === 'cluster:1')).toMatchObject({
      kind: 'hotel', country: '50', attributes: { hotel_cluster: 1, hotel_continent: '2', hotel_country: '50', hotel_market: '628' },
    });
    expect(c.users.find((u) => u.id === '93')).toMatchObject({ homeCountry: '66', device: 'desktop' });
  });

  it('test rows are searches on destination items; destinations.csv gives latent features', async () => {
    const c = await collect(expedia2016Loader, FIXTURE, {});
    expect(c.interactions.find((e) => e.eventId === 'expedia:test:0')).toMatchObject({
      userId: '1', itemId: 'dest:12243', type: 'search', value: null, ts: Date.UTC(2015, 8, 3, 17, 9, 54),
    });
    expect(c.items.find((i) => i.id === 'dest:12243')).toMatchObject({ kind: 'destination', country: '204' });
    const dest = c.items.find((i) => i.id === 'dest:11353');
    const latent = dest?.attributes['latent'] as number[];
    expect(latent).toHaveLength(149);
    expect(latent[0]).toBe(-2.2);
    expect(c.items.filter((i) => i.id.startsWith('dest:')).map((i) => i.id).sort()).toEqual(
      ['dest:11353', 'dest:12243', 'dest:14474', 'dest:14984', 'dest:8250', 'dest:99999'],
    );
  });

  it('event ids are stable across reads; an adjacent exact duplicate row gets a :2 suffix', async () => {
    const a = await collect(expedia2016Loader, FIXTURE, {});
    const b = await collect(expedia2016Loader, FIXTURE, {}, 3);
    expect(b.interactions.map((e) => e.eventId)).toEqual(a.interactions.map((e) => e.eventId));
    expect(new Set(a.interactions.map((e) => e.eventId)).size).toBe(11);
    const dupes = a.interactions.filter((e) => e.ts === Date.UTC(2014, 7, 11, 8, 24, 33)).map((e) => e.eventId);
    expect(dupes).toHaveLength(2);
    expect(dupes[1]).toBe(`${dupes[0]}:2`);
    expect(dupes[0]).toMatch(/^expedia:train:[A-Za-z0-9_-]{16}$/);
  });

  it('reads a subset of parts, or a single file recognised by its header', async () => {
    const train = await collect(expedia2016Loader, FIXTURE, { parts: ['train'] });
    expect([train.users.length, train.items.length, train.interactions.length]).toEqual([3, 4, 7]);
    const dest = await collect(expedia2016Loader, path.join(FIXTURE, 'destinations.csv'), {});
    expect([dest.items.length, dest.interactions.length, dest.rejectCount]).toEqual([3, 0, 1]);
  });

  it('throws InvalidInputError for a missing path or a header lacking required columns', async () => {
    await expect(collect(expedia2016Loader, path.join(FIXTURE, 'missing'), {})).rejects.toThrow(InvalidInputError);
    const dir = mkdtempSync(path.join(tmpdir(), 'wayfarer-expedia-'));
    try {
      writeFileSync(path.join(dir, 'train.csv'), 'date_time,user_id,hotel_cluster\n2014-01-01,1,2\n');
      await expect(collect(expedia2016Loader, dir, {})).rejects.toThrow(
        'train.csv: header lacks required column(s) srch_destination_id, is_booking',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
