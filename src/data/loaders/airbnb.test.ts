/**
 * @module data/loaders/airbnb.test
 * Airbnb loader on hand-written fixtures and on the genuine samples read in place.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.ts';
import { airbnbLoader } from './airbnb.ts';
import { FIXTURES_DIR, SHARED_DATASETS_DIR, collect, duplicateIds, rejectLines } from './testing.ts';

const FIXTURE = path.join(FIXTURES_DIR, 'airbnb');
const GENUINE = path.join(SHARED_DATASETS_DIR, 'airbnb-new-user-bookings');

describe('airbnb loader (fixtures)', () => {
  it('imports users, destination items and bookings; reports every bad row', async () => {
    const c = await collect(airbnbLoader, FIXTURE, {});
    expect([c.users.length, c.items.length, c.interactions.length]).toEqual([8, 6, 4]);
    expect(duplicateIds(c.users)).toEqual([]);
    expect(duplicateIds(c.items)).toEqual([]);
    expect(rejectLines(c)).toEqual([
      "age_gender_bkts.csv:9 bad number in column population_in_thousands: 'many'",
      "countries.csv:4 bad number in column lat_destination: 'north'",
      'sessions.csv:5 empty id in column user_id',
      "sessions.csv:6 bad number in column secs_elapsed: 'abc'",
      "test_users.csv:4 bad date in column date_account_created: '07/03/2014'",
      'train_users_2.csv:6 empty id in column id',
      "train_users_2.csv:7 bad date in column date_account_created: '2014-02-30'",
      "train_users_2.csv:8 bad number in column age: 'old'",
      'train_users_2.csv:9 expected 16 columns, got 15',
      "train_users_2.csv:10 duplicate id in column id: 'u1'",
    ]);
    expect(c.notices).toHaveLength(2);
    expect(c.notices[0]).toMatch(/^sessions: 6 rows have no timestamp and no item, so they were summarised/);
    expect(c.notices[1]).toBe('1 session users are not in the users files: imported with their session summary only');
  });

  it('bookings: date_first_booking (or account creation) on country items; NDF books nothing', async () => {
    const c = await collect(airbnbLoader, FIXTURE, {});
    expect(c.interactions.map((e) => [e.userId, e.itemId])).toEqual([
      ['u1', 'country:US'], ['u3', 'country:FR'], ['u4', 'country:other'], ['u9', 'country:GB'],
    ]);
    expect(c.interactions[0]).toEqual({
      eventId: 'airbnb:first_booking:u1', userId: 'u1', itemId: 'country:US', type: 'booking', value: null,
      ts: Date.UTC(2014, 0, 5), sessionId: null,
      context: { signup_method: 'basic', affiliate_channel: 'direct', language: 'en', first_device_type: 'Mac Desktop', ts_source: 'date_first_booking' },
    });
    expect(c.interactions[2]).toMatchObject({ ts: Date.UTC(2014, 0, 4), context: { ts_source: 'date_account_created' } });
    const again = await collect(airbnbLoader, FIXTURE, {}, 2);
    expect(again.interactions.map((e) => e.eventId)).toEqual(c.interactions.map((e) => e.eventId));
  });

  it('users carry their attributes and a bounded session summary', async () => {
    const c = await collect(airbnbLoader, FIXTURE, {});
    const u1 = c.users.find((u) => u.id === 'u1');
    expect(u1).toMatchObject({
      homeCountry: null, device: 'Mac Desktop',
      attributes: {
        date_account_created: '2014-01-01', timestamp_first_active: '2014-01-01T10:10:10.000Z', date_first_booking: '2014-01-05',
        gender: 'FEMALE', age: 35, signup_method: 'basic', signup_flow: 0, language: 'en', affiliate_channel: 'direct',
        affiliate_provider: 'direct', first_affiliate_tracked: 'untracked', signup_app: 'Web', first_browser: 'Chrome', split: 'train',
        sessions: {
          actions: 3, secs_elapsed_total: 68072, top_action_types: { click: 2 },
          top_actions: { search_results: 2, lookup: 1 }, devices: { 'Mac Desktop': 3 },
        },
      },
    });
    expect(c.users.find((u) => u.id === 'u2')?.attributes).toMatchObject({ age: null, date_first_booking: null });
    expect(c.users.find((u) => u.id === 't1')?.attributes).toMatchObject({ split: 'test', sessions: { top_actions: { 'ajax_refresh,subtotal': 1 } } });
    expect(c.users.find((u) => u.id === 'zz9')).toEqual({
      id: 'zz9', homeCountry: null, device: null,
      attributes: { sessions: { actions: 1, secs_elapsed_total: 20, top_action_types: { view: 1 }, top_actions: { index: 1 }, devices: { 'Windows Desktop': 1 } } },
    });
  });

  it('countries.csv (CRLF, trailing-space header) and age buckets become destination item attributes', async () => {
    const c = await collect(airbnbLoader, FIXTURE, {});
    expect(c.items.map((i) => i.id)).toEqual(['country:AU', 'country:FR', 'country:US', 'country:DE', 'country:other', 'country:GB']);
    expect(c.items.find((i) => i.id === 'country:US')).toMatchObject({
      kind: 'destination', country: 'US', lat: 36.966427, lon: -95.84403,
      attributes: {
        distance_km: 0, destination_km2: 9826675, destination_language: 'eng', language_levenshtein_distance: 0,
        population_by_age_gender: { male: { '0-4': 10, '5-9': 11 }, female: { '0-4': 9.5 } },
        population_year: 2015, population_thousands: 30.5,
      },
    });
    expect(c.items.find((i) => i.id === 'country:DE')).toMatchObject({ country: 'DE', lat: null, attributes: { population_by_age_gender: { male: { '0-4': 3 } } } });
    expect(c.items.find((i) => i.id === 'country:other')).toMatchObject({ country: null, kind: 'destination' });
  });

  it('sessions can be skipped; a missing path is an InvalidInputError', async () => {
    const c = await collect(airbnbLoader, FIXTURE, { sessions: false });
    expect(c.users).toHaveLength(7);
    expect(c.users.every((u) => !('sessions' in u.attributes))).toBe(true);
    await expect(collect(airbnbLoader, path.join(FIXTURE, 'absent'), {})).rejects.toThrow(InvalidInputError);
  });
});

if (!existsSync(GENUINE)) console.warn(`[skip] genuine Airbnb samples not found at ${GENUINE}`);

describe.skipIf(!existsSync(GENUINE))('airbnb loader (genuine samples in /work/shared/datasets)', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'wayfarer-airbnb-genuine-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('users.csv, sessions_10.csv, countries.csv, age_gender_bkts.csv', async () => {
    const c = await collect(airbnbLoader, GENUINE, {});
    // 21 users (7 NDF), 10 countries + `other`, 36 session rows of 8 users.
    expect([c.users.length, c.items.length, c.interactions.length, c.rejectCount]).toEqual([21, 11, 14, 0]);
    const byCountry: Record<string, number> = {};
    for (const e of c.interactions) byCountry[e.itemId] = (byCountry[e.itemId] ?? 0) + 1;
    expect(byCountry).toEqual({ 'country:US': 10, 'country:other': 1, 'country:FR': 2, 'country:CA': 1 });
    expect(c.users.filter((u) => 'sessions' in u.attributes)).toHaveLength(8);
    expect(c.users.find((u) => u.id === 'yuuqmid2rp')?.attributes['sessions']).toMatchObject({ actions: 8, secs_elapsed_total: 319796 });
    expect(c.notices[0]).toMatch(/^sessions: 36 rows/);
    expect(c.users.find((u) => u.id === 'gxn3p5htnn')?.attributes).toMatchObject({ timestamp_first_active: '2009-03-19T04:32:55.000Z', age: 10 });
  });

  it('age buckets aggregate exactly to the file totals', async () => {
    const rows = readFileSync(path.join(GENUINE, 'age_gender_bkts.csv'), 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
    const c = await collect(airbnbLoader, GENUINE, {});
    for (const code of ['AU', 'US', 'PT']) {
      const total = rows.filter((r) => r[1] === code).reduce((s, r) => s + Number(r[3]), 0);
      const item = c.items.find((i) => i.id === `country:${code}`);
      expect(item?.attributes['population_thousands']).toBeCloseTo(total, 6);
      expect(Object.keys((item?.attributes['population_by_age_gender'] as Record<string, object>)['male'] ?? {})).toHaveLength(21);
    }
    expect(c.items.find((i) => i.id === 'country:DE')).toMatchObject({ lat: 51.165707, attributes: { destination_language: 'deu' } });
  });

  it('a copy with injected bad rows: every good row imports, each bad row is reported by line', async () => {
    const users = readFileSync(path.join(GENUINE, 'users.csv'), 'utf8').split('\n');
    const sessions = readFileSync(path.join(GENUINE, 'sessions_10.csv'), 'utf8').split('\n');
    const badAge = 'zzbadage01,2010-01-01,20100101000000,,FEMALE,abc,basic,0,en,direct,direct,untracked,Web,Mac Desktop,Chrome,US';
    const badTs = 'zzbadts001,2010-01-01,2010010100000X,,FEMALE,30,basic,0,en,direct,direct,untracked,Web,Mac Desktop,Chrome,US';
    writeFileSync(path.join(tmp, 'users.csv'), [...users.slice(0, 4), badAge, ...users.slice(4), badTs].join('\n'));
    writeFileSync(path.join(tmp, 'sessions_10.csv'), [sessions[0], ',lookup,,,Windows Desktop,1.0', ...sessions.slice(1)].join('\n'));
    const c = await collect(airbnbLoader, tmp, {});
    // No countries.csv in the copy: items are just the 4 booked codes (US, FR, CA, other).
    expect([c.users.length, c.items.length, c.interactions.length]).toEqual([21, 4, 14]);
    expect(c.users.find((u) => u.id === 'yuuqmid2rp')?.attributes['sessions']).toMatchObject({ actions: 8 });
    expect(rejectLines(c)).toEqual([
      'sessions_10.csv:2 empty id in column user_id',
      "users.csv:5 bad number in column age: 'abc'",
      `users.csv:${users.length + 2} bad date in column timestamp_first_active: '2010010100000X'`,
    ]);
  });
});
