import { describe, expect, it } from 'vitest';
import type { Interaction } from '../domain/types.ts';
import { makeItem } from '../domain/types.ts';
import { CovisitationTrainer } from '../models/covisitation/covisitation.ts';
import { PopularityTrainer } from '../models/popularity/popularity.ts';
import { ServingCatalog } from './catalog.ts';
import { DEFAULT_CANDIDATE_OPTIONS, mergeSources, querySources, type CandidateModels } from './candidates.ts';
import type { RequestContext } from './stage.ts';
import type { TwoTowerSource } from './two-tower-source.ts';

const T0 = Date.UTC(2026, 3, 1);
const items = ['a', 'b', 'c', 'd', 'e'].map((id, i) => makeItem(id, 'hotel', { city: i < 3 ? 'x' : 'y', country: 'DE' }));
const events: Interaction[] = ['a', 'b', 'a', 'c', 'b', 'a', 'd', 'e'].map((itemId, i) => ({
  eventId: `e${i}`, userId: `u${i % 3}`, itemId, type: 'click', value: null, ts: T0 + i * 1000, sessionId: `s${i % 3}`, context: {},
}));

function models(twoTower?: Partial<TwoTowerSource>): CandidateModels {
  const pop = new PopularityTrainer();
  const covis = new CovisitationTrainer();
  for (const it of items) pop.setItemCity(it.id, it.city);
  pop.add(events, () => 'DE');
  covis.add(events);
  const catalog = new ServingCatalog();
  catalog.addItems(items);
  return { popularity: pop.build(), covisitation: covis.build(), catalog, twoTower: twoTower as TwoTowerSource | undefined };
}

const ctx = (over: Partial<RequestContext> = {}): RequestContext => ({
  userId: 'u0', k: 3, known: true, country: 'DE', device: null, destination: null, checkin: null, checkout: null, season: 'spring',
  exclude: new Set(), recent: [{ itemId: 'a', weight: 1 }], recentItems: ['a'], degraded: [], now: T0 + 10_000, ...over,
});

describe('querySources with the two-tower source', () => {
  it('asks the two-tower with its quota, the shared skip rule and the destination\'s items', () => {
    const calls: { n: number; skipped: boolean; destination: number | undefined }[] = [];
    const m = models({
      query: (_c, n, skip, dest) => {
        calls.push({ n, skipped: skip('zz') && skip('b'), destination: dest?.size });
        return [{ itemId: 'c', source: 'two-tower', score: 0.9, sourceScores: { 'two-tower': 0.9 }, reasons: [{ kind: 'similar-taste' }] }];
      },
    });
    const lists = querySources(ctx({ exclude: new Set(['b']), destination: 'x' }), m, DEFAULT_CANDIDATE_OPTIONS);
    expect(lists.map((l) => l.source)).toEqual(['two-tower', 'covisitation', 'popular']);
    // k = 3 → max(minPerSource 40, 3 × perK) = 40 ≤ quota; unknown ids and exclusions are skipped; city x has 3 items.
    expect(calls).toEqual([{ n: 40, skipped: true, destination: 3 }]);
    const merged = mergeSources(lists, DEFAULT_CANDIDATE_OPTIONS);
    const c = merged.find((i) => i.itemId === 'c');
    expect(Object.keys(c?.sourceScores ?? {})).toContain('two-tower');
  });

  it('serves from the other sources when the two-tower fails, and records why', () => {
    const context = ctx();
    const lists = querySources(context, models({ query: () => { throw new Error('index closed'); } }), DEFAULT_CANDIDATE_OPTIONS);
    expect(lists.map((l) => l.source)).toEqual(['covisitation', 'popular']);
    expect(lists.find((l) => l.source === 'popular')?.items.length).toBeGreaterThan(0);
    expect(context.degraded).toEqual([{ source: 'two-tower', reason: 'error: index closed' }]);
  });
});
