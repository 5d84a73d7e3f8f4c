import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../domain/candidate.ts';
import type { Interaction } from '../../domain/types.ts';
import { makeItem } from '../../domain/types.ts';
import { FILTER_REASONS, FilterState, applyFilters } from './filter-state.ts';

const H = 3_600_000;
const NOW = Date.UTC(2026, 4, 1, 12);
let seq = 0;
function ev(userId: string, itemId: string, type: Interaction['type'], ts = NOW - H): Interaction {
  return { eventId: `e${seq++}`, userId, itemId, type, value: null, ts, sessionId: null, context: {} };
}
const cand = (itemId: string): Candidate => ({ itemId, source: 'popular', score: 1, sourceScores: { popular: 1 }, reasons: [] });
const zero = Object.fromEntries(FILTER_REASONS.map((r) => [r, 0]));

function fixture(): FilterState {
  const s = new FilterState();
  s.loadItems([makeItem('bad', 'hotel', { status: 'invalid' }), makeItem('full', 'hotel', { available: false }), makeItem('ok', 'hotel', { available: true })]);
  s.loadBlocks([{ itemId: 'banned', userId: null, reason: 'legal' }, { itemId: 'meh', userId: 'u1', reason: null }]);
  s.onEvents([ev('u1', 'booked', 'booking'), ev('u1', 'clicked', 'click'), ...[1, 2, 3, 4].map((i) => ev('u1', 'seen4', 'impression', NOW - i * H))]);
  s.onEvents([1, 2, 3].map((i) => ev('u1', 'seen3', 'impression', NOW - i * H)));
  return s;
}

describe('applyFilters', () => {
  it('removes by reason, counts each reason and keeps the order', () => {
    const s = fixture();
    const items = ['ok', 'bad', 'x1', 'full', 'banned', 'meh', 'booked', 'seen4', 'seen3', 'x2', 'ok', 'req', 'clicked'];
    const { kept, removed } = applyFilters(items.map(cand), { userId: 'u1', exclude: ['req'], now: NOW }, s);
    expect(kept.map((c) => c.itemId)).toEqual(['ok', 'x1', 'seen3', 'x2', 'clicked']);
    expect(removed).toEqual({ ...zero, duplicate: 1, excluded: 1, invalid: 1, unavailable: 1, blocked: 1, 'user-blocked': 1, booked: 1, shown: 1 });
  });

  it('applies only item-level filters to anonymous requests and other users', () => {
    const s = fixture();
    const items = ['bad', 'meh', 'booked', 'seen4', 'banned'].map(cand);
    expect(applyFilters(items, { userId: null, now: NOW }, s).kept.map((c) => c.itemId)).toEqual(['meh', 'booked', 'seen4']);
    expect(applyFilters(items, { userId: 'u2', exclude: new Set(['meh']), now: NOW }, s).kept.map((c) => c.itemId)).toEqual(['booked', 'seen4']);
  });

  it('honours query-time options and the impression window', () => {
    const s = fixture();
    const items = ['booked', 'seen4', 'seen3'].map(cand);
    const lax = applyFilters(items, { userId: 'u1', now: NOW }, s, { removeBooked: false, maxImpressions: 10 });
    expect(lax.kept).toHaveLength(3);
    const strict = applyFilters(items, { userId: 'u1', now: NOW }, s, { maxImpressions: 2 });
    expect(strict.removed).toMatchObject({ booked: 1, shown: 2 });
    // 20.5 h later the oldest impression of seen4 (4 h before NOW) has left the 24 h window: 3 remain, not more than 3.
    expect(s.isAllowed('u1', 'seen4', NOW + 20.5 * H)).toBe(true);
    expect(s.isAllowed('u1', 'seen4', NOW)).toBe(false);
    // Impressions after `now` do not count either.
    expect(s.isAllowed('u1', 'seen4', NOW - 3.5 * H)).toBe(true);
  });

  it('does not mutate its inputs', () => {
    const s = fixture();
    const items = ['ok', 'bad'].map(cand);
    const copy = structuredClone(items);
    applyFilters(items, { userId: 'u1', now: NOW }, s);
    expect(items).toEqual(copy);
    expect(s.stats()).toEqual(fixture().stats());
  });
});

describe('FilterState', () => {
  it('blocks and unblocks globally and per user', () => {
    const s = new FilterState();
    s.block('h1');
    s.block('h2', 'u1');
    expect(s.reasonFor('u1', 'h1', NOW)).toBe('blocked');
    expect(s.reasonFor('u1', 'h2', NOW)).toBe('user-blocked');
    expect(s.isAllowed('u2', 'h2', NOW)).toBe(true);
    s.unblock('h1');
    s.unblock('h2', 'u1');
    s.unblock('h3', 'nobody');
    expect(s.isAllowed('u1', 'h1', NOW)).toBe(true);
    expect(s.isAllowed('u1', 'h2', NOW)).toBe(true);
  });

  it('tracks item status changes, with invalid taking precedence over blocked', () => {
    const s = new FilterState();
    s.block('h1');
    s.setItemStatus('h1', 'invalid', null);
    expect(s.reasonFor(null, 'h1', NOW)).toBe('invalid');
    s.setItemStatus('h1', 'active', false);
    expect(s.reasonFor(null, 'h1', NOW)).toBe('unavailable');
    s.setItemStatus('h1', 'active', null);
    expect(s.reasonFor(null, 'h1', NOW)).toBe('blocked');
    s.unblock('h1');
    expect(s.stats().flaggedItems).toBe(0);
    s.loadItems([makeItem('h2', 'hotel', { status: 'invalid' })]);
    s.loadItems([makeItem('h2', 'hotel', { status: 'active' })]);
    expect(s.isAllowed(null, 'h2', NOW)).toBe(true);
  });

  it('keeps a bounded impression ring and ignores redelivered impressions', () => {
    const s = new FilterState({ ringSize: 4, maxImpressions: 1 });
    const e = ev('u', 'h', 'impression', NOW - H);
    s.onEvent(e);
    s.onEvent({ ...e, eventId: 'again' });
    expect(s.impressionCounts('u', NOW).get('h')).toBe(1);
    for (let i = 0; i < 6; i++) s.onEvent(ev('u', `o${i}`, 'impression', NOW - H + i));
    expect(s.impressionCounts('u', NOW).get('h')).toBeUndefined();
    expect([...s.impressionCounts('u', NOW).keys()].sort()).toEqual(['o2', 'o3', 'o4', 'o5']);
    s.prune(NOW + 48 * H);
    expect(s.stats().users).toBe(0);
    expect(() => new FilterState({ ringSize: 0 })).toThrow(RangeError);
  });

  it('builds 1M-item catalog state quickly (only flagged items are held)', () => {
    const s = new FilterState();
    const batch = Array.from({ length: 100_000 }, (_, i) => makeItem(`h${i}`, 'hotel', { status: i % 100 === 0 ? 'invalid' : 'active', available: i % 50 === 1 ? false : null }));
    const t = performance.now();
    for (let r = 0; r < 10; r++) s.loadItems(batch);
    expect(performance.now() - t).toBeLessThan(3000); // ~120 ms idle; generous for loaded CI
    expect(s.stats().flaggedItems).toBe(3000);
  });
});
