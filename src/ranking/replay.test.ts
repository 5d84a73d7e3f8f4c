import { describe, expect, it } from 'vitest';
import type { Interaction, Item } from '../domain/types.ts';
import { PopularityTrainer } from '../models/popularity/popularity.ts';
import { CovisitationTrainer } from '../models/covisitation/covisitation.ts';
import { ServingCatalog } from '../pipeline/catalog.ts';
import { FilterState } from '../pipeline/filter/filter-state.ts';
import { RecentActivity } from '../pipeline/recent-activity.ts';
import { Engine } from '../pipeline/engine.ts';
import type { Store } from '../ports/store.ts';
import { RANK_FEATURE_COUNT, rankColumn } from './ranking-features.ts';
import { replayForRanking } from './replay.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 3, 1);
const hotel = (id: string, city: string, price: number): Item => ({
  id, kind: 'hotel', name: id, city, country: 'FR', lat: null, lon: null, price, stars: 3, reviewScore: 8, chain: null, status: 'active', available: true, attributes: {},
});
const items = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((id, i) => hotel(id, 'c1', 80 + 10 * i));
let n = 0;
const ev = (userId: string, itemId: string, type: Interaction['type'], ts: number, context: Record<string, unknown> = {}): Interaction => ({
  eventId: `e${n++}`, userId, itemId, type, value: null, ts, sessionId: null, context,
});

function engineAt(clock: () => number, history: readonly Interaction[]): Engine {
  const pop = new PopularityTrainer();
  const covis = new CovisitationTrainer();
  for (const i of items) pop.setItemCity(i.id, i.city);
  pop.add(history, () => undefined);
  covis.add(history);
  const catalog = new ServingCatalog();
  catalog.addItems(items);
  const filters = new FilterState();
  filters.loadItems(items);
  const recent = new RecentActivity();
  for (const e of history) recent.add(e);
  return new Engine({ store: {} as Store, clock, recordServedAsShown: false }, { version: 't', popularity: pop.build(), covisitation: covis.build() }, { catalog, filters, recent });
}

async function* batches(events: readonly Interaction[]): AsyncIterable<Interaction[]> { yield [...events]; }

describe('replayForRanking', () => {
  it('labels a search’s candidates only with later clicks and bookings inside the horizon, and excludes what the user saw', async () => {
    const history = items.flatMap((i, k) => Array.from({ length: 6 - k }, (_, r) => ev(`old${r}`, i.id, 'click', T0 - 10 * HOUR + r)));
    let now = T0;
    const engine = engineAt(() => now, history);
    const replay = [
      ev('u1', 'h1', 'click', T0),                                     // before the search: seen, so excluded
      ev('u1', 'c1', 'search', T0 + HOUR, { destination: 'c1' }),
      ev('u1', 'h2', 'click', T0 + 2 * HOUR),                          // label 1
      ev('u1', 'h3', 'booking', T0 + 3 * HOUR),                        // label 2
      ev('u9', 'h6', 'click', T0 + HOUR + 7 * 24 * HOUR - 60_000),      // someone else: open groups are swept here
      ev('u1', 'h5', 'click', T0 + HOUR + 7 * 24 * HOUR + 60_000),      // just past the horizon, before the next sweep
      ev('u1', 'h4', 'click', T0 + 9 * 24 * HOUR),                     // past the 7-day horizon
    ];
    const groups = await replayForRanking(engine, undefined, batches(replay), { setClock: (t) => { now = t; }, horizonMs: 7 * 24 * HOUR });
    expect(groups).toHaveLength(1);
    const g = groups[0]!;
    expect(g.itemIds).not.toContain('h1');
    const label = (id: string): number => g.labels[g.itemIds.indexOf(id)]!;
    expect(label('h2')).toBe(1);
    expect(label('h3')).toBe(2);
    expect(label('h4')).toBe(0);
    expect(label('h5')).toBe(0);
    expect(g.rows).toHaveLength(g.itemIds.length * RANK_FEATURE_COUNT);
    // The row was made at the search: the popular source's rank reflects the history, not the later clicks.
    const popRank = (id: string): number => g.rows[g.itemIds.indexOf(id) * RANK_FEATURE_COUNT + rankColumn('pop_rank')]!;
    expect(popRank('h2')).toBeLessThan(popRank('h6'));
  });

  it('keeps the impressions of the search’s session as the shown list, in logged position order', async () => {
    let now = T0;
    const engine = engineAt(() => now, items.map((i, k) => ev('old', i.id, 'click', T0 - HOUR + k)));
    const inSession = (e: Interaction, sessionId: string, value: number | null = null): Interaction => ({ ...e, sessionId, value });
    const replay = [
      inSession(ev('u1', 'c1', 'search', T0, { destination: 'c1' }), 's1'),
      inSession(ev('u1', 'h4', 'impression', T0 + 1000), 's1', 2),
      inSession(ev('u1', 'h2', 'impression', T0 + 1000), 's1', 1),
      inSession(ev('u1', 'h5', 'impression', T0 + 1000), 's1', 3),
      inSession(ev('u1', 'h4', 'impression', T0 + 1500), 's1', 2),  // shown again: counted once
      inSession(ev('u1', 'h6', 'impression', T0 + 2000), 'other', 1), // another session of the same user
      inSession(ev('u2', 'h3', 'impression', T0 + 2000), 's1', 4),    // another user
      inSession(ev('u1', 'h5', 'click', T0 + 60_000), 's1'),
      inSession(ev('u1', 'h2', 'click', T0 + 61_000), 'other'), // labels the group, but not a click of this session
      inSession(ev('u1', 'c1', 'search', T0 + 120_000, { destination: 'c1' }), 's1'), // a new search in the same session
      inSession(ev('u1', 'h3', 'impression', T0 + 121_000), 's1', 1),                 // answers the new search only
      inSession(ev('u1', 'h3', 'click', T0 + 130_000), 's1'),
    ];
    const groups = await replayForRanking(engine, undefined, batches(replay), { setClock: (t) => { now = t; }, excludeSeen: false });
    expect(groups).toHaveLength(2);
    expect(groups[0]!.sessionId).toBe('s1');
    expect(groups[0]!.shown).toEqual(['h2', 'h4', 'h5']);
    expect(groups[0]!.shownPositions).toEqual([1, 2, 3]);
    expect([...groups[0]!.sessionClicks ?? []]).toEqual(['h5']);
    expect(groups[1]!.shown).toEqual(['h3']);
    expect([...groups[1]!.sessionClicks ?? []]).toEqual(['h3']);
  });

  it('drops requests nobody acted on', async () => {
    let now = T0;
    const engine = engineAt(() => now, items.map((i, k) => ev('old', i.id, 'click', T0 - HOUR + k)));
    const groups = await replayForRanking(engine, undefined, batches([ev('u2', 'c1', 'search', T0, { destination: 'c1' }), ev('u3', 'h2', 'click', T0 + HOUR)]), { setClock: (t) => { now = t; } });
    expect(groups).toHaveLength(0);
  });
});
