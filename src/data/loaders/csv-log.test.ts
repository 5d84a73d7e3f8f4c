/**
 * @module data/loaders/csv-log.test
 * Generic CSV interaction log loader: role mapping by option and by header, timestamps, ids, rejects.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.ts';
import { csvLogLoader } from './csv-log.ts';
import type { CsvLogOptions } from './csv-log.ts';
import { FIXTURES_DIR, collect, rejectLines } from './testing.ts';

const RATINGS = path.join(FIXTURES_DIR, 'csv', 'ratings.tsv');
const EVENTS = path.join(FIXTURES_DIR, 'csv', 'events.csv');
const MOVIELENS: CsvLogOptions = { delimiter: 'tab', header: false, columns: ['user', 'item', 'rating', 'timestamp'] };

describe('csv loader', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'wayfarer-csvlog-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const file = path.join(tmp, name);
    writeFileSync(file, text);
    return file;
  };

  it('MovieLens layout: --delimiter tab --no-header --columns user,item,rating,timestamp', async () => {
    const c = await collect(csvLogLoader, RATINGS, MOVIELENS);
    expect([c.users.length, c.items.length, c.interactions.length]).toEqual([4, 4, 6]);
    expect(c.interactions[0]).toEqual({
      eventId: c.interactions[0]?.eventId, userId: '196', itemId: '242', type: 'rating', value: 3, ts: 881250949000,
      sessionId: null, context: {},
    });
    expect(c.items[0]).toMatchObject({ id: '242', kind: 'listing' });
    expect(rejectLines(c)).toEqual([
      "ratings.tsv:6 bad number in column rating: 'x'",
      'ratings.tsv:7 expected 4 columns, got 3',
      'ratings.tsv:8 empty id in column user',
      "ratings.tsv:9 bad date in column timestamp: '2016-13-01'",
    ]);
    expect(c.notices).toEqual([]);
  });

  it('event ids: content hashes, stable across reads; an exact repeat shares its id (deduped by the store)', async () => {
    const a = await collect(csvLogLoader, RATINGS, MOVIELENS);
    const b = await collect(csvLogLoader, RATINGS, MOVIELENS, 2);
    const ids = a.interactions.map((e) => e.eventId);
    expect(b.interactions.map((e) => e.eventId)).toEqual(ids);
    expect(ids.every((id) => /^csv:[A-Za-z0-9_-]{16}$/.test(id))).toBe(true);
    expect(ids[5]).toBe(ids[0]);
    expect(new Set(ids).size).toBe(5);
  });

  it('timestamp units', async () => {
    const ms = await collect(csvLogLoader, RATINGS, { ...MOVIELENS, timestampUnit: 'ms' });
    expect(ms.interactions[0]?.ts).toBe(881250949);
    const s = await collect(csvLogLoader, RATINGS, { ...MOVIELENS, timestampUnit: 's' });
    expect(s.interactions[0]?.ts).toBe(881250949000);
    const iso = await collect(csvLogLoader, RATINGS, { ...MOVIELENS, timestampUnit: 'iso' });
    expect(iso.interactions).toHaveLength(0);
    expect(iso.rejectCount).toBe(10);
  });

  it('maps roles from header names: types, values, sessions, quoted ids, mixed timestamp formats', async () => {
    const c = await collect(csvLogLoader, EVENTS, {});
    expect([c.users.length, c.items.length, c.interactions.length]).toEqual([2, 3, 4]);
    expect(c.interactions.map((e) => [e.userId, e.itemId, e.type, e.value, e.ts, e.sessionId])).toEqual([
      ['alice', 'hotel-1', 'click', null, Date.UTC(2024, 2, 1, 10), 's1'],
      ['alice', 'hotel-2', 'booking', 420.5, Date.UTC(2024, 2, 1, 10, 5), 's1'],
      ['bob', 'hotel,3', 'search', null, 1709287200000, null],
      ['bob', 'hotel-1', 'rating', 4, Date.UTC(2024, 2, 2, 9), 's2'],
    ]);
    expect(rejectLines(c)).toEqual([
      "events.csv:6 bad type in column type: 'purchase' (expected one of search, impression, click, booking, rating)",
      'events.csv:7 rating event without a value (empty rating/value column)',
    ]);
  });

  it('without a timestamp column: ts = line number, said once in a notice; itemKind and defaultType apply', async () => {
    const file = write('no-ts.csv', 'userId,itemId\na,x\nb,y\n\na,y\n');
    const c = await collect(csvLogLoader, file, { itemKind: 'hotel', defaultType: 'impression' });
    expect(c.interactions.map((e) => [e.userId, e.itemId, e.ts, e.type])).toEqual([
      ['a', 'x', 2, 'impression'], ['b', 'y', 3, 'impression'], ['a', 'y', 5, 'impression'],
    ]);
    expect(c.items.map((i) => i.kind)).toEqual(['hotel', 'hotel']);
    expect(c.notices).toHaveLength(1);
    expect(c.notices[0]).toMatch(/no timestamp column/);
  });

  it('accepts delimiter names or characters; rating column sets the default type', async () => {
    const semi = write('semi.csv', 'user;item;rating\nu1;i1;4.5\n');
    expect((await collect(csvLogLoader, semi, { delimiter: ';' })).interactions[0]).toMatchObject({ type: 'rating', value: 4.5, ts: 2 });
    const colon = write('colon.txt', 'u1:i1:5\n');
    expect((await collect(csvLogLoader, colon, { delimiter: ':', header: false, columns: ['user', 'item', 'rating'] })).interactions).toHaveLength(1);
    const pipe = write('pipe.txt', 'u1|i1|1\n');
    const p = await collect(csvLogLoader, pipe, { delimiter: 'pipe', header: false, columns: ['user', 'item', '_'] });
    expect(p.interactions[0]).toMatchObject({ type: 'click', value: null });
  });

  it('throws InvalidInputError for unusable options or files', async () => {
    const bad = async (file: string, opts: CsvLogOptions, msg: string) => {
      const err = await collect(csvLogLoader, file, opts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toContain(msg);
    };
    await bad(RATINGS, { delimiter: 'colon' }, "unsupported delimiter 'colon'");
    await bad(RATINGS, { delimiter: '"' }, 'unsupported delimiter');
    await bad(RATINGS, { header: false }, 'ratings.tsv: --columns is required with --no-header');
    await bad(RATINGS, { header: false, columns: ['user', 'user', 'item'] }, "role 'user' given twice");
    await bad(write('nouser.csv', 'item,rating\nx,1\n'), {}, 'nouser.csv: missing required column(s) user (header: item, rating');
    await bad(EVENTS, { columns: ['user', 'item', '_', '_', '_', '_', 'rating'] }, 'events.csv: --columns names 7 columns but the header has 6');
    await bad(RATINGS, { timestampUnit: 'minutes' }, 'csv loader options');
    await bad(RATINGS, { header: false, columns: ['user', 'item', 'stars'] }, 'columns[2]');
    await bad(path.join(tmp, 'absent.csv'), {}, 'not found');
    await bad(tmp, {}, 'reads one file, not a folder');
  });
});
