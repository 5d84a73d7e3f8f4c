/**
 * @module data/synthetic/marketplace.test
 * The generated marketplace: determinism, exact counts, referential integrity, time bounds, and
 * the structure models should learn (utility drives bookings, popularity is heavy-tailed).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../domain/types.ts';
import type { ImportBatch } from '../import-types.ts';
import { generateMarketplace, type MarketplaceOptions } from './marketplace.ts';
import { examinedClickProbability, resemblance } from './sessions.ts';

const DAY_MS = 86_400_000;
const SMALL: MarketplaceOptions = { users: 2000, items: 1000, events: 60_000, seed: 42, batchSize: 5000 };

function collect(opts: MarketplaceOptions): { batches: ImportBatch[]; events: Interaction[] } {
  const batches = [...generateMarketplace(opts).batches];
  return { batches, events: batches.flatMap((b) => b.interactions) };
}

function hashEvents(events: Iterable<Interaction>): string {
  const h = createHash('sha256');
  for (const e of events) h.update(JSON.stringify(e) + '\n');
  return h.digest('hex');
}

const base = collect(SMALL);

describe('generateMarketplace: determinism and counts', () => {
  it('gives byte-identical output for the same seed, and different output for another seed', () => {
    const again = collect(SMALL);
    expect(again.events.slice(0, 200)).toEqual(base.events.slice(0, 200));
    expect(hashEvents(again.events)).toBe(hashEvents(base.events));
    expect(JSON.stringify(again.batches.flatMap((b) => b.items))).toBe(JSON.stringify(base.batches.flatMap((b) => b.items)));
    const other = collect({ ...SMALL, seed: 43 });
    expect(hashEvents(other.events)).not.toBe(hashEvents(base.events));
  });

  it('replays the same stream on every iteration, sync or async', async () => {
    const market = generateMarketplace({ ...SMALL, events: 3000 });
    const sync = [...market.batches].flatMap((b) => b.interactions);
    const viaAsync: Interaction[] = [];
    for await (const b of market.batches) viaAsync.push(...b.interactions);
    expect(hashEvents(viaAsync)).toBe(hashEvents(sync));
  });

  it('emits exactly `events` interactions with ids syn:<seed>:<n>', () => {
    expect(base.events).toHaveLength(SMALL.events);
    expect(base.events.map((e) => e.eventId)).toEqual(base.events.map((_, n) => `syn:42:${n}`));
    for (const events of [0, 1, 7, 12_345]) expect(collect({ ...SMALL, events }).events).toHaveLength(events);
  });

  it('yields users, then items, then interactions, in batches of at most batchSize', () => {
    const kinds = base.batches.map((b) => (b.users.length > 0 ? 0 : b.items.length > 0 ? 1 : 2));
    expect(kinds).toEqual([...kinds].sort());
    for (const b of base.batches) expect(b.users.length + b.items.length + b.interactions.length).toBeLessThanOrEqual(5000);
    const users = base.batches.flatMap((b) => b.users);
    const items = base.batches.flatMap((b) => b.items);
    expect(users).toHaveLength(SMALL.users);
    expect(items.filter((i) => i.kind === 'hotel')).toHaveLength(SMALL.items);
    expect(items.filter((i) => i.kind === 'city').length).toBeGreaterThanOrEqual(50);
  });

  it('rejects bad options', () => {
    expect(() => generateMarketplace({ ...SMALL, users: 0 })).toThrow(/users/);
    expect(() => generateMarketplace({ ...SMALL, events: 1.5 })).toThrow(/events/);
    expect(() => generateMarketplace({ ...SMALL, days: 0 })).toThrow(/days/);
  });
});

describe('generateMarketplace: integrity', () => {
  const users = new Set(base.batches.flatMap((b) => b.users.map((u) => u.id)));
  const items = new Map(base.batches.flatMap((b) => b.items.map((i) => [i.id, i] as const)));

  it('refers only to emitted users and items; searches target cities, the rest hotels of that city', () => {
    const bad = base.events.filter((e) => {
      const item = items.get(e.itemId);
      return !users.has(e.userId) || item === undefined
        || item.kind !== (e.type === 'search' ? 'city' : 'hotel')
        || item.city !== e.context['destination']
        || (e.type !== 'search' && item.status !== 'active')
        || (e.type === 'booking' && item.available !== true);
    });
    expect(bad).toEqual([]);
  });

  it('keeps timestamps within the period and non-decreasing within a session', () => {
    const start = Date.UTC(2026, 0, 1);
    const last = new Map<string, number>();
    const bad = base.events.filter((e) => {
      const ok = e.ts >= start && e.ts < start + 180 * DAY_MS && e.ts >= (last.get(e.sessionId!) ?? 0);
      last.set(e.sessionId!, e.ts);
      return !ok;
    });
    expect(bad).toEqual([]);
    const customStart = Date.UTC(2025, 5, 1);
    const custom = collect({ ...SMALL, events: 2000, startTs: customStart, days: 7 }).events;
    expect(custom.filter((e) => e.ts < customStart || e.ts >= customStart + 7 * DAY_MS)).toEqual([]);
  });

  it('puts the travel context on every event', () => {
    for (const e of base.events.slice(0, 2000)) {
      const c = e.context;
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['destination', 'checkin', 'checkout', 'device', 'party_size', 'home_country']));
      expect(String(c['checkin']) < String(c['checkout'])).toBe(true);
      expect(Date.parse(String(c['checkin']))).toBeGreaterThanOrEqual(Math.floor(e.ts / DAY_MS) * DAY_MS);
      if (e.type === 'search') expect(c['month']).toBe(new Date(String(c['checkin'])).getUTCMonth() + 1);
    }
  });

  it('emits blocks on known hotels and users', () => {
    const market = generateMarketplace(SMALL);
    expect(market.blocks.length).toBeGreaterThan(0);
    expect(market.blocks.some((b) => b.userId === null)).toBe(true);
    expect(market.blocks.some((b) => b.userId !== null)).toBe(true);
    for (const b of market.blocks) {
      expect(items.get(b.itemId)?.kind).toBe('hotel');
      if (b.userId !== null) expect(users.has(b.userId)).toBe(true);
    }
  });
});

describe('generateMarketplace: learnable structure', () => {
  const { truth } = generateMarketplace(SMALL);
  const utility = (e: Interaction): number => truth.utility(truth.userIndex(e.userId), truth.itemIndex(e.itemId));

  it('books higher-utility hotels than it shows and leaves unclicked', () => {
    const clicked = new Set(base.events.filter((e) => e.type === 'click').map((e) => `${e.sessionId}|${e.itemId}`));
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const booked = base.events.filter((e) => e.type === 'booking').map(utility);
    const ignored = base.events
      .filter((e) => e.type === 'impression' && !clicked.has(`${e.sessionId}|${e.itemId}`))
      .map(utility);
    expect(booked.length).toBeGreaterThan(100);
    expect(mean(booked) - mean(ignored)).toBeGreaterThan(1);
  });

  it('concentrates clicks on a heavy head: the top 1 % of hotels get > 10 % of clicks', () => {
    const perItem = new Map<string, number>();
    for (const e of base.events) if (e.type === 'click') perItem.set(e.itemId, (perItem.get(e.itemId) ?? 0) + 1);
    const counts = [...perItem.values()].sort((a, b) => b - a);
    const total = counts.reduce((a, b) => a + b, 0);
    const head = counts.slice(0, Math.ceil(SMALL.items * 0.01)).reduce((a, b) => a + b, 0);
    expect(head / total).toBeGreaterThan(0.1);
  });

  it('clicks far less on a hotel listed below one of the same chain than its utility and position promise', () => {
    const hotels = new Map(base.batches.flatMap((b) => b.items).map((i) => [i.id, i] as const));
    const clicked = new Set(base.events.filter((e) => e.type === 'click').map((e) => `${e.sessionId}|${e.itemId}`));
    const lists = new Map<string, Interaction[]>();
    for (const e of base.events) if (e.type === 'impression') lists.set(e.sessionId!, [...(lists.get(e.sessionId!) ?? []), e]);
    // Observed clicks over those expected from utility and position alone, for hotels with and without a same-chain hotel above.
    const ratio = [[0, 0], [0, 0]];
    for (const [session, list] of lists) {
      list.forEach((e, p) => {
        const chain = hotels.get(e.itemId)?.chain ?? null;
        const dup = chain !== null && list.slice(0, p).some((o) => hotels.get(o.itemId)?.chain === chain) ? 1 : 0;
        ratio[dup]![0]! += clicked.has(`${session}|${e.itemId}`) ? 1 : 0;
        ratio[dup]![1]! += examinedClickProbability(utility(e)) / (1 + 0.2 * p);
      });
    }
    const [alone, repeated] = ratio.map(([clicks, expected]) => clicks! / expected!);
    expect(ratio[1]![1]).toBeGreaterThan(100);
    expect(alone).toBeGreaterThan(0.8);
    expect(repeated).toBeLessThan(0.5 * alone!);
    expect(resemblance(true, 3, 4, 100, 300)).toBe(1);
    expect(resemblance(false, 3, 3, 100, 114)).toBe(0.5);
    expect(resemblance(false, 3, 3, 100, 116)).toBe(0);
    expect(resemblance(false, 3, 4, 100, 100)).toBe(0);
  });

  it('has repeat visits where users click hotels again', () => {
    const seen = new Set<string>();
    let again = 0;
    for (const e of base.events) {
      if (e.type !== 'click') continue;
      const key = `${e.userId}|${e.itemId}`;
      if (seen.has(key)) again++;
      seen.add(key);
    }
    expect(again).toBeGreaterThan(0.03 * seen.size);
  });
});
