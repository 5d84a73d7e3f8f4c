import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../domain/types.ts';
import { makeItem, makeUser } from '../../domain/types.ts';
import { resolveTwoTowerConfig } from './config.ts';
import { buildDataset, buildEvalQueries, sliceDataset, timeSplitIndex } from './dataset.ts';
import { ITEM_FIELD_COUNT, USER_FIELD_COUNT, buildEncoder, parseInstant } from './encoding.ts';
import { Vocabulary, bucketOf, quantileEdges, starBucket } from './vocab.ts';

const config = resolveTwoTowerConfig({ recentItems: 3, priceBands: 4 });
const T = Date.UTC(2026, 6, 10);
let seq = 0;
function ev(userId: string, itemId: string, ts: number, fields: Partial<Interaction> = {}): Interaction {
  return { eventId: `e${seq++}`, userId, itemId, type: 'click', value: null, ts, sessionId: null, context: {}, ...fields };
}
const users = [makeUser('u1', { homeCountry: 'DE', device: 'mobile' }), makeUser('u2')];
const items = [
  makeItem('h1', 'hotel', { city: 'Paris', country: 'FR', price: 80, stars: 3, reviewScore: 8.2, chain: 'Ibis' }),
  makeItem('h2', 'hotel', { city: 'Paris', country: 'FR', price: 200, stars: 4.6, reviewScore: 9.6 }),
  makeItem('h3', 'hotel', { city: 'Rome', country: 'IT', price: 120, stars: null, reviewScore: null }),
  makeItem('h4', 'hotel', { city: 'Rome', country: 'IT', price: 60 }),
];

describe('vocabularies and buckets', () => {
  it('maps tokens to 1… and anything unknown, null or empty to 0', () => {
    const v = new Vocabulary(['a', 'b']);
    expect([v.indexOf('a'), v.indexOf('b'), v.indexOf('zzz'), v.indexOf(null), v.indexOf(undefined)]).toEqual([1, 2, 0, 0, 0]);
    expect(v.size).toBe(3);
    expect([v.tokenAt(2), v.tokenAt(0), v.tokenAt(3)]).toEqual(['b', null, null]);
  });

  it('buckets numbers by quantile edges, stars by rounding, missing values to 0', () => {
    const edges = quantileEdges([10, 20, 30, 40, 50, 60, 70, 80], 4);
    expect(edges).toEqual([30, 50, 70]);
    expect([bucketOf(5, edges), bucketOf(30, edges), bucketOf(69, edges), bucketOf(1e9, edges), bucketOf(null, edges), bucketOf(NaN, edges)]).toEqual([1, 2, 3, 4, 0, 0]);
    expect(quantileEdges([5, 5, 5, 5], 4)).toEqual([5]);
    expect([starBucket(0), starBucket(4.6), starBucket(7), starBucket(null)]).toEqual([1, 6, 6, 0]);
  });

  it('parses ISO dates, other date strings and epoch ms', () => {
    expect(parseInstant('2026-07-10')).toBe(T);
    expect(parseInstant('2026-07-10T12:00:00Z')).toBe(T + 12 * 3_600_000);
    expect(parseInstant(T)).toBe(T);
    expect([parseInstant('soon'), parseInstant(null), parseInstant(NaN)]).toEqual([null, null, null]);
  });
});

describe('FeatureEncoder', () => {
  const log = [ev('u1', 'h1', T, { context: { destination: 'Paris', device: 'tablet', checkin: '2026-08-01', checkout: '2026-08-04' } }), ev('u3', 'h9', T + 1)];
  const enc = buildEncoder(users, items, log, config);

  it('builds vocabularies from the catalogue first, then the log', () => {
    expect(enc.users.tokens).toEqual(['u1', 'u2', 'u3']);
    expect(enc.items.tokens).toEqual(['h1', 'h2', 'h3', 'h4', 'h9']);
    expect(enc.cities.tokens).toEqual(['Paris', 'Rome']);
    expect(enc.devices.tokens).toEqual(['mobile', 'tablet']);
    expect(enc.state.priceEdges).toEqual([80, 120, 200]);
  });

  it('encodes a user query: context wins for device, month and season from check-in, trip length in nights', () => {
    const f = new Int32Array(USER_FIELD_COUNT);
    const r = new Int32Array(3);
    enc.encodeUser({ userId: 'u1', homeCountry: 'DE', device: 'mobile', context: { destination: 'Rome', device: 'tablet', checkin: '2026-08-01', checkout: '2026-08-04' }, recentItems: ['h2', 'nope', 'h1', 'h3'] }, f, 0, r, 0);
    // user, country DE, device tablet, destination Rome, summer, August, 3 nights → band 3
    expect([...f]).toEqual([1, enc.countries.indexOf('DE'), 2, 2, 3, 8, 3]);
    expect([...r]).toEqual([2, 1, 3]);
  });

  it('maps every unknown or missing feature to 0 (cold-start user)', () => {
    const f = new Int32Array(USER_FIELD_COUNT).fill(9);
    const r = new Int32Array(3).fill(9);
    enc.encodeUser({ userId: 'stranger', context: { destination: 'Atlantis', checkin: 'garbage' } }, f, 0, r, 0);
    expect([...f]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect([...r]).toEqual([0, 0, 0]);
    enc.encodeUser({ ts: T }, f, 0);
    expect([f[4], f[5]]).toEqual([3, 7]); // month falls back to the request time
  });

  it('encodes items, with dropId for the cold-start encoding and a feature table by item index', () => {
    const out = new Int32Array(ITEM_FIELD_COUNT);
    enc.encodeItem(items[1]!, out);
    expect([...out]).toEqual([2, 1, enc.countries.indexOf('FR'), 4, 6, 8, 0]);
    enc.encodeItem(items[2]!, out, 0, true);
    expect([...out]).toEqual([0, 2, enc.countries.indexOf('IT'), 3, 0, 0, 0]);
    const table = enc.itemFeatureTable(items);
    expect([...table.subarray(0, ITEM_FIELD_COUNT)]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect([...table.subarray(5 * ITEM_FIELD_COUNT, 6 * ITEM_FIELD_COUNT)]).toEqual([5, 0, 0, 0, 0, 0, 0]); // h9: in the log only
  });
});

describe('buildDataset', () => {
  const log = [
    ev('u1', 'h1', T), ev('u1', 'h2', T + 10), ev('u1', 'h3', T + 10), ev('u1', 'h4', T + 20),
    ev('u2', 'h4', T + 5, { type: 'impression' }), ev('u2', 'h2', T + 30, { context: { destination: 'Paris' } }),
    ev('u2', 'h1', T + 40, { context: { destination: 'Paris' } }), ev('u2', 'h3', T + 50, { context: { destination: 'Rome' } }),
    ev('u1', 'h1', T + 60), ev('u1', 'gone', T + 70),
  ];
  const enc = buildEncoder(users, items, log.filter((e) => e.itemId !== 'gone'), config);
  const ds = buildDataset(enc, users, items, log);

  it('keeps interest events on known items, in time order, with history strictly before each event', () => {
    expect(ds.size).toBe(8);
    expect([...ds.items]).toEqual([1, 2, 3, 4, 2, 1, 3, 1]);
    const recent = (e: number): number[] => [...ds.recent.subarray(e * 3, e * 3 + 3)];
    expect(recent(0)).toEqual([0, 0, 0]);
    // h2 and h3 share a timestamp: neither sees the other.
    expect(recent(1)).toEqual([1, 0, 0]);
    expect(recent(2)).toEqual([1, 0, 0]);
    expect(recent(3)).toEqual([3, 2, 1]);
    expect(recent(7)).toEqual([4, 3, 2]); // newest first, the last 3 only
    expect(recent(4)).toEqual([0, 0, 0]); // u2's impression is not interest
  });

  it('splits by time and builds one query per held-out user with the rest of the trip as relevant', () => {
    const from = timeSplitIndex(ds, 0.5);
    expect([from, ds.ts[from]]).toEqual([4, T + 30]);
    const q = buildEvalQueries(ds, from, 10, 1);
    expect(q.count).toBe(2);
    const byExample = new Map([...q.example].map((e, i) => [e, [...(q.relevant[i] ?? [])].sort()]));
    expect(byExample.get(4)).toEqual([1, 2]); // u2 in Paris: h2 and h1, not h3 (Rome)
    expect(byExample.get(7)).toEqual([1]); // u1, no destination: everything held out
    expect(sliceDataset(ds, from).size).toBe(from);
    expect(() => timeSplitIndex(ds, 1)).toThrow(/fraction/);
  });
});
