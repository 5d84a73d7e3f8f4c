/**
 * @module features/aggregations.test
 * The stream aggregations: sliding windows, decay, ratios, recent items, preferences and last events,
 * folded event by event (also out of order) and projected at later times.
 */
import { describe, expect, it } from 'vitest';
import type { EventType, Interaction } from '../domain/types.ts';
import type { FeatureRow } from '../ports/features.ts';
import { applyEvent, projectRow, type ItemAttributes } from './aggregations.ts';
import { getView } from './definitions.ts';
import { defaultFeatureDefinitions } from './defaults.ts';

const defs = defaultFeatureDefinitions();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1);
let n = 0;
const ev = (type: EventType, ts: number, itemId = 'h1', userId = 'u1'): Interaction => ({
  eventId: `e${++n}`, userId, itemId, type, value: null, ts, sessionId: null, context: {},
});

function fold(view: string, events: readonly Interaction[], items: Record<string, ItemAttributes> = {}): FeatureRow {
  const v = getView(defs, view);
  let row: FeatureRow | undefined;
  for (const e of events) row = applyEvent(v, row, e, items[e.itemId]);
  return row!;
}

const close = (a: unknown, b: number, eps = 1e-9): void => { expect(Math.abs((a as number) - b)).toBeLessThan(eps); };

describe('window counts', () => {
  const events = [ev('click', T0), ev('click', T0 + 10 * 60_000), ev('booking', T0 + 30 * 60_000), ev('click', T0 + 2 * HOUR)];
  const row = fold('user_activity', events);
  const at = (t: number) => projectRow(getView(defs, 'user_activity'), row, t);

  it('counts by type over 1 h, 24 h and 7 d as of the row time', () => {
    expect(row.eventTs).toBe(T0 + 2 * HOUR);
    expect([row.values['click_count_1h'], row.values['click_count_24h'], row.values['booking_count_24h'], row.values['search_count_7d']]).toEqual([1, 3, 1, 0]);
  });

  it('slides at read time and drops the state fields', () => {
    // The oldest bucket (5 minutes for 1 h) counts whole: the click at 2 h leaves the 1 h window once its bucket does.
    expect(at(T0 + 2 * HOUR + 64 * 60_000)['click_count_1h']).toBe(1);
    const later = at(T0 + 2 * HOUR + 65 * 60_000);
    expect(later['click_count_1h']).toBe(0);
    expect(later['click_count_24h']).toBe(3);
    expect(at(T0 + 8 * DAY)['click_count_7d']).toBe(0);
    expect(Object.keys(later).some((k) => k.startsWith('_'))).toBe(false);
  });

  it('prunes buckets that left the longest window, so state stays bounded', () => {
    const many = fold('user_activity', Array.from({ length: 500 }, (_, i) => ev('search', T0 + i * HOUR)));
    expect((many.values['_b_search_count_7d'] as number[]).length / 2).toBeLessThanOrEqual(13);
    expect(many.values['search_count_7d']).toBeGreaterThanOrEqual(7 * 24);
    expect(many.values['search_count_7d']).toBeLessThanOrEqual(7 * 24 + 14);
  });
});

describe('decayed item counts and conversion', () => {
  const row = fold('item_popularity', [ev('click', T0), ev('click', T0), ev('booking', T0 + DAY)]);
  const at = (t: number) => projectRow(getView(defs, 'item_popularity'), row, t);

  it('halves a count per half-life, also between events', () => {
    close(row.values['clicks_1d'], 1); // two clicks, one day old at the row time
    close(row.values['bookings_1d'], 1);
    close(at(T0 + 2 * DAY)['clicks_1d'], 0.5);
    close(at(T0 + 2 * DAY)['bookings_1d'], 0.5);
    close(at(T0 + DAY)['clicks_7d'], 2 * 2 ** (-1 / 7));
  });

  it('smooths conversion towards its prior and recomputes it from decayed counts', () => {
    close(at(T0 + DAY)['cvr_1d'], (1 + 5 * 0.05) / (1 + 5));
    close(at(T0 + 3 * DAY)['cvr_1d'], (0.25 + 0.25) / (0.25 + 5));
  });

  it('folds a late event in at its own time: the order of arrival does not matter', () => {
    const inOrder = fold('item_popularity', [ev('click', T0), ev('click', T0 + HOUR), ev('booking', T0 + 2 * HOUR)]);
    const shuffled = fold('item_popularity', [ev('booking', T0 + 2 * HOUR), ev('click', T0), ev('click', T0 + HOUR)]);
    expect(shuffled.eventTs).toBe(inOrder.eventTs);
    for (const f of ['clicks_1d', 'bookings_7d', 'cvr_1d']) close(shuffled.values[f], inOrder.values[f] as number, 1e-12);
  });
});

describe('recent items and preferences', () => {
  const items: Record<string, ItemAttributes> = { a: { price: 100, stars: 3 }, b: { price: 300, stars: 5 }, c: { price: null, stars: null } };

  it('keeps the last distinct items, newest first, capped, late events in place', () => {
    const clicks = Array.from({ length: 25 }, (_, i) => ev('click', T0 + i, `i${i}`));
    const row = fold('user_taste', [...clicks, ev('click', T0 + 100, 'i3'), ev('click', T0 + 50, 'i24'), ev('click', T0 - 5, 'old')], items);
    const viewed = row.values['last_viewed'] as string[];
    expect(viewed).toHaveLength(20);
    expect(viewed.slice(0, 4)).toEqual(['i3', 'i24', 'i23', 'i22']);
    expect(viewed.filter((x) => x === 'i3')).toHaveLength(1);
    expect(viewed).not.toContain('old');
  });

  it('weights price and stars by event type, skips unknown attributes, and bands the price', () => {
    const row = fold('user_taste', [ev('click', T0, 'a'), ev('booking', T0 + 1, 'b'), ev('click', T0 + 2, 'c'), ev('impression', T0 + 3, 'a')], items);
    close(row.values['pref_price'], (100 + 4 * 300) / 5);
    close(row.values['pref_stars'], (3 + 4 * 5) / 5);
    expect(row.values['pref_price_band']).toBe(3);
    expect(row.values['last_booked']).toEqual(['b']);
  });

  it('has no preference before any priced event', () => {
    const row = fold('user_taste', [ev('search', T0, 'c')], items);
    expect(row.values['pref_price']).toBeUndefined();
    expect(row.values['pref_price_band']).toBeUndefined();
  });
});

describe('last user×item interaction', () => {
  it('keeps the latest event by time, not by arrival', () => {
    const row = fold('user_item_last', [ev('booking', T0 + 10), ev('click', T0 + 5)]);
    expect(row.values).toMatchObject({ last_type: 'booking', last_ts: T0 + 10 });
    expect(projectRow(getView(defs, 'user_item_last'), row, T0 + DAY)).toEqual({ last_type: 'booking', last_ts: T0 + 10 });
  });
});
