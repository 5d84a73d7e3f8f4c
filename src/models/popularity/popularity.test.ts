import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../domain/types.ts';
import { RecsysError } from '../../errors.ts';
import { PopularityModel, PopularityTrainer, eventSeason, seasonOf } from './popularity.ts';

const DAY = 86_400_000;
const T = Date.UTC(2026, 6, 1); // July: summer
let seq = 0;
function ev(itemId: string, fields: Partial<Interaction> = {}): Interaction {
  return { eventId: `e${seq++}`, userId: 'u1', itemId, type: 'click', value: null, ts: T, sessionId: null, context: {}, ...fields };
}
function expectClose(a: number, b: number, rel = 1e-9): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(Math.abs(a), Math.abs(b), 1e-300));
}
function train(events: Interaction[], opts: ConstructorParameters<typeof PopularityTrainer>[0] = {}, now?: number): PopularityModel {
  const t = new PopularityTrainer({ minSupport: 1, ...opts });
  t.add(events);
  return t.build(now);
}
const ids = (cs: { itemId: string }[]): string[] => cs.map((c) => c.itemId);

/** Seeded LCG for the randomised equivalence test. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('PopularityTrainer / PopularityModel', () => {
  it('decays exponentially: an event one half-life ago counts half', () => {
    const m = train([ev('old', { ts: T - 14 * DAY }), ev('new', { ts: T })]);
    const [a, b] = m.query({}, 2);
    expect(a?.itemId).toBe('new');
    expectClose(a?.score ?? 0, 1 / 1.5);
    expectClose(b?.score ?? 0, 0.5 / 1.5);
    // A custom half-life and an explicit `now` one half-life after the last event change nothing in shares.
    const m2 = train([ev('x', { ts: T - 2 * DAY }), ev('y', { ts: T })], { halfLifeMs: 2 * DAY }, T + 5 * DAY);
    expectClose(m2.query({}, 2)[1]?.score ?? 0, 0.5 / 1.5);
    expect(m2.now).toBe(T + 5 * DAY);
  });

  it('weights events by type: impressions and searches do not count, bookings count 5, ratings value/5', () => {
    const m = train([
      ev('imp', { type: 'impression' }), ev('s', { type: 'search' }), ev('c', { type: 'click' }),
      ev('b', { type: 'booking' }), ev('r4', { type: 'rating', value: 4 }), ev('r', { type: 'rating' }),
    ]);
    const res = m.query({}, 10);
    expect(ids(res)).toEqual(['b', 'c', 'r', 'r4']);
    const total = 5 + 1 + 1 + 0.8;
    expectClose(res[3]?.score ?? 0, 0.8 / total);
    expect(m.stats().events).toBe(4);
  });

  it('backs off from country×season to country to global, with reasons', () => {
    const events = [
      ...[1, 2, 3].map(() => ev('de-summer', { context: { home_country: 'DE' } })),
      ...[1, 2].map(() => ev('de-winter', { ts: Date.UTC(2026, 0, 10), context: { home_country: 'DE' } })),
      ...[1, 2, 3, 4, 5, 6].map(() => ev('global-hit', { context: { home_country: 'FR' } })),
    ];
    const m = train(events, { minSupport: 3 });
    const de = m.query({ country: 'DE', season: 'summer' }, 3);
    expect(de.map((c) => [c.itemId, c.reasons[0]])).toEqual([
      ['de-summer', { kind: 'popular', context: 'country=DE,season=summer' }],
      ['de-winter', { kind: 'popular', context: 'country=DE' }],
      ['global-hit', { kind: 'popular', context: 'season=summer' }],
    ]);
    // DE in winter has 2 < minSupport events: the country context is primary.
    expect(m.query({ country: 'DE', season: 'winter' }, 1)[0]?.reasons[0]).toEqual({ kind: 'popular', context: 'country=DE' });
    // An unknown country falls back to global.
    expect(m.query({ country: null, season: undefined, destination: null }, 1)[0]?.reasons[0]).toEqual({ kind: 'popular', context: 'global' });
    expect(m.query({ country: 'XX' }, 1)[0]).toMatchObject({ itemId: 'global-hit', reasons: [{ kind: 'popular', context: 'global' }] });
    const scores = m.query({ country: 'DE', season: 'summer' }, 3).map((c) => c.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('takes the country from the caller when the context has none, and notes missing contexts once', () => {
    const t = new PopularityTrainer({ minSupport: 1 });
    t.add([ev('a', { userId: 'u1' }), ev('b', { userId: 'u2' })], (u) => (u === 'u1' ? 'NL' : null));
    const m = t.build();
    expect(ids(m.query({ country: 'NL' }, 1))).toEqual(['a']);
    expect(m.notes.some((n) => n.includes('destination'))).toBe(true);
    expect(m.notes.some((n) => n.includes('home country'))).toBe(false);
    const bare = train([ev('a')]);
    expect(bare.notes).toHaveLength(2);
    expect(() => t.add([])).toThrow(/already built/);
  });

  it('uses the check-in month for the season when present', () => {
    expect(eventSeason(ev('a', { ts: T, context: { checkin: '2026-12-24' } }))).toBe('winter');
    expect(eventSeason(ev('a', { ts: T, context: { checkin: Date.UTC(2026, 3, 1) } }))).toBe('spring');
    expect(eventSeason(ev('a', { ts: T, context: { checkin: 'not a date' } }))).toBe('summer');
    expect(seasonOf(Date.UTC(2026, 9, 31))).toBe('autumn');
    const m = train([ev('ski', { context: { checkin: '2027-01-15' } }), ev('beach'), ev('beach')]);
    expect(ids(m.query({ season: 'winter' }, 1))).toEqual(['ski']);
  });

  it('only returns items of the destination, learned from context or catalog city', () => {
    const t = new PopularityTrainer({ minSupport: 1 });
    t.setItemCity('h-paris-1', 'Paris');
    t.add([
      ev('h-paris-1'), ev('h-paris-1'), ev('h-paris-2', { context: { destination: 'Paris' } }),
      ev('h-paris-2'), ev('h-paris-2'), // learned: counts for Paris without context
      ev('h-rome', { context: { destination: 'Rome' } }), ev('h-rome'), ev('h-rome'), ev('h-rome'),
    ]);
    const m = t.build();
    const paris = m.query({ destination: 'Paris', country: 'DE' }, 10);
    expect(ids(paris)).toEqual(['h-paris-2', 'h-paris-1']);
    expect(paris[0]?.reasons[0]).toEqual({ kind: 'popular', context: 'destination=Paris' });
    expect(m.query({ destination: 'Nowhere' }, 10)).toEqual([]);
    // A catalog city set after training: the item joins Paris through the restricted global fill.
    m.setItemCity('h-rome', 'Paris');
    expect(m.query({ destination: 'Paris' }, 10).at(-1)).toMatchObject({ itemId: 'h-rome', reasons: [{ kind: 'popular', context: 'global' }] });
  });

  it('honours exclude and k', () => {
    const m = train([ev('a'), ev('a'), ev('b'), ev('c')]);
    expect(ids(m.query({}, 2, (id) => id === 'a'))).toEqual(['b', 'c']);
    expect(m.query({}, 0)).toEqual([]);
    expect(ids(m.query({}, 99))).toEqual(['a', 'b', 'c']);
  });

  it('online update equals batch training (within 1e-9 relative)', () => {
    const next = rng(7);
    const types = ['impression', 'click', 'click', 'booking', 'rating', 'search'] as const;
    const events = Array.from({ length: 3000 }, (_, i) => ev(`h${Math.floor(next() ** 2 * 200)}`, {
      ts: T + i * 37 * 60_000, type: types[Math.floor(next() * types.length)] ?? 'click', value: Math.floor(next() * 6),
      context: { home_country: `C${Math.floor(next() * 4)}`, ...(next() < 0.5 ? { destination: `D${Math.floor(next() * 5)}` } : {}) },
    }));
    const opts = { maxListSize: 10_000 };
    const last = events.at(-1)?.ts ?? 0;
    const batch = train(events, opts, last);
    const online = train(events.slice(0, 1000), opts);
    for (const e of events.slice(1000)) online.update(e);
    expect(online.now).toBe(last);
    const a = batch.toArtifact();
    const b = online.toArtifact();
    expect(b.contexts.map((c) => c.key).sort()).toEqual(a.contexts.map((c) => c.key).sort());
    for (const ca of a.contexts) {
      const cb = b.contexts.find((c) => c.key === ca.key);
      expect(cb?.items.map((i) => b.items[i])).toEqual(ca.items.map((i) => a.items[i]));
      ca.scores.forEach((s, j) => expectClose(cb?.scores[j] ?? 0, s));
      expectClose(cb?.mass ?? 0, ca.mass);
      expect(cb?.support).toBe(ca.support);
    }
  });

  it('keeps ranked lists exact under updates when maxListSize truncates', () => {
    const m = train([ev('a'), ev('a'), ev('a'), ev('b'), ev('b'), ev('c')], { maxListSize: 2 });
    expect(ids(m.query({}, 5))).toEqual(['a', 'b']);
    m.update(ev('c'));
    m.update(ev('c'));
    m.update(ev('c'));
    expect(ids(m.query({}, 5))).toEqual(['c', 'a']);
  });

  it('survives long spans with a tiny half-life (log-time rebase)', () => {
    const events = Array.from({ length: 50 }, (_, i) => ev(i % 2 === 0 ? 'even' : 'odd', { ts: T + i * 1000 }));
    const m = train(events, { halfLifeMs: 1 });
    const res = m.query({}, 2);
    expect(ids(res)).toEqual(['odd', 'even']);
    expect(res.every((c) => Number.isFinite(c.score))).toBe(true);
    expectClose(res[0]?.score ?? 0, 1);
  });

  it('round-trips through a JSON artifact and rejects other formats', () => {
    const t = new PopularityTrainer({ minSupport: 1 });
    t.setItemCity('h1', 'Paris');
    t.add([ev('h1'), ev('h2', { context: { destination: 'Paris', home_country: 'DE' } }), ev('h2'), ev('h3', { type: 'booking' })]);
    const m = t.build();
    const json = JSON.parse(JSON.stringify(m.toArtifact())) as unknown;
    const back = PopularityModel.fromArtifact(json);
    for (const q of [{}, { country: 'DE' }, { destination: 'Paris' }, { season: 'summer' as const }]) {
      expect(back.query(q, 10)).toEqual(m.query(q, 10));
    }
    expect(back.notes).toEqual(m.notes);
    back.update(ev('h1', { ts: T + DAY }));
    expect(ids(back.query({ destination: 'Paris' }, 1))).toEqual(['h1']);
    expect(() => PopularityModel.fromArtifact({ format: 'popularity@2' })).toThrow(/expected format 'popularity@1'/);
    expect(() => PopularityModel.fromArtifact(null)).toThrow(RecsysError);
    const broken = { ...m.toArtifact(), itemCity: [] };
    expect(() => PopularityModel.fromArtifact(broken)).toThrow(/itemCity/);
  });
});
