import { describe, expect, it } from 'vitest';
import type { Item } from '../domain/types.ts';
import { ServingCatalog } from '../pipeline/catalog.ts';
import type { PipelineItem, RequestContext } from '../pipeline/stage.ts';
import { createRng } from '../util/rng.ts';
import { RANK_FEATURE_COUNT, assembleRankingFeatures, rankColumn } from './ranking-features.ts';
import { ItemVectors } from '../pipeline/item-vectors.ts';
import { RERANK_FEATURES, explain, rankersFromFiles, rankingFiles, rerank, rerankRows, scoreAndOrder } from './rankers.ts';
import type { RankingGroup } from './replay.ts';
import { trainRankers } from './train-rankers.ts';

const hotel = (id: string, city: string, price: number, stars: number, reviewScore: number, chain: string | null = null): Item => ({
  id, kind: 'hotel', name: id, city, country: 'FR', lat: null, lon: null, price, stars, reviewScore, chain, status: 'active', available: true, attributes: {},
});
const candidate = (itemId: string, sourceScores: Record<string, number>, finalScore: number): PipelineItem => ({
  itemId, source: Object.keys(sourceScores)[0] ?? 'popular', score: 0, sourceScores, reasons: [], finalScore, stage: 'candidates',
});
const ctx = (over: Partial<RequestContext> = {}): RequestContext => ({
  userId: 'u1', k: 10, known: true, country: 'DE', device: null, destination: 'paris', checkin: '2026-07-10', checkout: null, season: 'summer',
  exclude: new Set(), recent: [{ itemId: 'h9', weight: 2 }], recentItems: ['h9'], degraded: [], now: Date.UTC(2026, 6, 1), ...over,
});

describe('ranking feature assembly', () => {
  const catalog = new ServingCatalog();
  catalog.addItems([hotel('h1', 'paris', 100, 3, 8), hotel('h2', 'paris', 300, 5, 9, 'acme'), hotel('h9', 'paris', 120, 4, 8, 'acme')]);

  it('lays out source scores and ranks, list-relative attributes, affinity and context, NaN when unknown', () => {
    const items = [candidate('h1', { popular: 5, 'two-tower': 0.2 }, 0.09), candidate('h2', { 'two-tower': 0.9 }, 0.05), candidate('hx', { popular: 1 }, 0.01)];
    const rows = assembleRankingFeatures({ ctx: ctx(), items, catalog });
    const at = (r: number, name: Parameters<typeof rankColumn>[0]): number => rows[r * RANK_FEATURE_COUNT + rankColumn(name)]!;
    expect(rows).toHaveLength(3 * RANK_FEATURE_COUNT);
    expect([at(0, 'tt_rank'), at(1, 'tt_rank'), at(2, 'tt_rank')]).toEqual([1, 0, NaN]);
    expect([at(0, 'pop_rank'), at(2, 'pop_rank')]).toEqual([0, 1]);
    expect(at(1, 'tt_score')).toBeCloseTo(0.9);
    expect([at(0, 'merged_rank'), at(2, 'merged_rank')]).toEqual([0, 2]);
    expect(at(1, 'price_rel_list')).toBeCloseTo(300 / 200);
    expect(at(0, 'dest_match')).toBe(1);
    expect(at(1, 'recent_same_chain')).toBe(2);
    expect(at(0, 'recent_same_chain')).toBe(0);
    expect(at(0, 'lead_days')).toBeCloseTo(9);
    expect(at(2, 'price')).toBeNaN(); // not in the catalog
    expect(at(0, 'item_clicks_7d')).toBeNaN(); // no feature store
  });

  it('reads the feature store columns it knows by name', () => {
    const items = [candidate('h1', { popular: 5 }, 0.09)];
    const store = { columns: ['user_taste:pref_price', 'item_popularity:clicks_7d', 'item_popularity:impressions_7d', 'user_item_last:last_type'], types: [], itemIds: ['h1'], values: [[50, 4, 30, 'click']], asOf: 0 };
    const rows = assembleRankingFeatures({ ctx: ctx(), items, catalog, store: store });
    expect(rows[rankColumn('price_rel_user')]).toBeCloseTo(2);
    expect(rows[rankColumn('item_clicks_7d')]).toBe(4);
    expect(rows[rankColumn('item_ctr_7d')]).toBeCloseTo(4.5 / 40);
    expect(rows[rankColumn('ui_last_type')]).toBe(2);
  });
});

describe('re-rank rows', () => {
  const catalog = new ServingCatalog();
  catalog.addItems([hotel('h1', 'paris', 100, 3, 8), hotel('h2', 'paris', 300, 5, 9, 'acme'), hotel('h3', 'paris', 200, 4, 8, 'acme'), hotel('h9', 'paris', 120, 4, 8)]);
  // h1 points where h9 (the recent item) points; h2 is orthogonal to it; h3 lies between (45°). Lengths differ: cosine, not dot.
  const vectors = ItemVectors.of(['h1', 'h2', 'h3', 'h9'], Float32Array.from([2, 0, 0, 3, 1, 1, 1, 0]), 2);
  const ranked = (ids: string[]): PipelineItem[] => ids.map((id, i) => ({ ...candidate(id, {}, 0), rankScore: 1 - i / 10, rankRow: new Float32Array(RANK_FEATURE_COUNT).fill(i) }));
  const col = (rows: Float32Array, r: number, name: string): number => rows[r * RERANK_FEATURES.length + RERANK_FEATURES.indexOf(name)]!;

  it('add the ranker\'s verdict, the list context and the similarity to recent and higher-ranked items', () => {
    const rows = rerankRows(ranked(['h2', 'h3', 'h1']), [{ itemId: 'h9', weight: 2 }, { itemId: 'h2', weight: 1 }], { catalog, vectors });
    expect(rows).toHaveLength(3 * RERANK_FEATURES.length);
    expect(rows[RERANK_FEATURES.length + 5]).toBe(1); // the rank row comes first
    expect([col(rows, 0, 'rank_pos'), col(rows, 2, 'rank_pos')]).toEqual([0, 2]);
    expect(col(rows, 2, 'rank_gap')).toBeCloseTo(0.2);
    expect(col(rows, 2, 'same_chain_above')).toBe(0);
    expect(col(rows, 2, 'cheaper_above')).toBe(0);
    expect(col(rows, 1, 'same_chain_above')).toBe(1);
    expect(col(rows, 2, 'emb_sim_recent_max')).toBeCloseTo(1); // h1 ∥ h9
    expect(col(rows, 2, 'emb_sim_recent_mean')).toBeCloseTo((2 * 1 + 1 * 0) / 3);
    expect(col(rows, 1, 'emb_sim_recent_max')).toBeCloseTo(Math.SQRT1_2);
    expect(col(rows, 0, 'emb_sim_above_max')).toBeNaN(); // nothing above the first
    expect(col(rows, 2, 'emb_sim_above_max')).toBeCloseTo(Math.SQRT1_2); // h3 above h1
    expect(col(rows, 0, 'price_rel_recent')).toBeCloseTo(300 / ((2 * 120 + 300) / 3));
    expect(col(rows, 2, 'stars_diff_recent')).toBeCloseTo(3 - (2 * 4 + 5) / 3);
  });

  it('describe, in training on a logged list, what the user was shown above each item and where', () => {
    // Ranker order h2, h3, h1; the log showed h1, h9, h3 (h2 not at all).
    const rows = rerankRows(ranked(['h2', 'h3', 'h1']), [], { catalog, vectors }, ['h1', 'h9', 'h3']);
    expect([col(rows, 0, 'rank_pos'), col(rows, 1, 'rank_pos'), col(rows, 2, 'rank_pos')]).toEqual([0, 1, 2]);
    expect([col(rows, 1, 'shown_pos'), col(rows, 2, 'shown_pos')]).toEqual([2, 0]);
    expect(col(rows, 1, 'cheaper_above')).toBe(2); // h1 (100) and h9 (120) were shown above h3 (200)
    expect(col(rows, 1, 'same_chain_above')).toBe(0); // h2, its chain sibling, was not shown
    expect(col(rows, 1, 'emb_sim_above_max')).toBeCloseTo(Math.SQRT1_2); // h3 against h1 and h9 (both along x)
    expect(col(rows, 2, 'emb_sim_above_max')).toBeNaN(); // h1 was shown first
    for (const name of ['shown_pos', 'same_city_above', 'cheaper_above', 'emb_sim_above_max']) expect(col(rows, 0, name)).toBeNaN();
    expect(col(rows, 0, 'emb_sim_recent_max')).toBeNaN(); // no history: still missing
    // At serving every item counts as shown first, and the list above is the ranker's.
    const served = rerankRows(ranked(['h2', 'h3', 'h1']), [], { catalog, vectors });
    expect([0, 1, 2].map((r) => col(served, r, 'shown_pos'))).toEqual([0, 0, 0]);
    expect(col(served, 1, 'same_chain_above')).toBe(1);
  });

  it('count the items above that look alike: the same stars in the same price band', () => {
    const looks = new ServingCatalog();
    looks.addItems([hotel('a', 'x', 120, 3, 8), hotel('b', 'x', 180, 3, 8), hotel('c', 'x', 90, 3, 8), hotel('d', 'x', 150, 4, 8), hotel('e', 'x', 199, 3, 8)]);
    const rows = rerankRows(ranked(['a', 'b', 'c', 'd', 'e']), [], { catalog: looks });
    expect([0, 1, 2, 3, 4].map((r) => col(rows, r, 'alike_above'))).toEqual([0, 1, 0, 0, 2]);
  });

  it('leave the embedding and recent-item columns missing without vectors or history', () => {
    const rows = rerankRows(ranked(['h1', 'h2']), [], { catalog });
    for (const name of ['emb_sim_recent_max', 'emb_sim_recent_mean', 'emb_sim_above_max', 'price_rel_recent', 'stars_diff_recent']) {
      expect([col(rows, 0, name), col(rows, 1, name)]).toEqual([NaN, NaN]);
    }
    expect(col(rows, 1, 'rank_pos')).toBe(1);
  });
});

/** Groups where the label follows review score and the candidate order is noise: a ranker must learn it. */
function syntheticGroups(n: number, seed: number, catalog: ServingCatalog): RankingGroup[] {
  const rng = createRng(seed);
  const items: Item[] = Array.from({ length: 40 }, (_, i) => hotel(`g${i}`, `city${i % 4}`, 50 + rng.int(300), 1 + rng.int(5), 5 + rng.next() * 5));
  catalog.addItems(items);
  return Array.from({ length: n }, (_, g) => {
    const city = `city${g % 4}`;
    const pool = items.filter((i) => i.city === city);
    const cands = pool.map((i) => candidate(i.id, { popular: rng.next() }, rng.next())).sort((a, b) => b.finalScore - a.finalScore);
    const rows = assembleRankingFeatures({ ctx: ctx({ destination: city, recent: [] }), items: cands, catalog });
    const labels = Float32Array.from(cands.map((c) => { const r = pool.find((i) => i.id === c.itemId)!.reviewScore!; return rng.next() < (r - 5) / 6 ? (r > 9 ? 2 : 1) : 0; }));
    return { ts: g, userId: `u${g}`, itemIds: cands.map((c) => c.itemId), rows, labels };
  });
}

describe('rankers', () => {
  const catalog = new ServingCatalog();
  const groups = syntheticGroups(600, 5, catalog);
  const trained = trainRankers(groups, { catalog }, { minGroups: 100, rerankTop: 8 });

  it('learn from replayed groups and round-trip through their registry files with identical scores', () => {
    if (!trained.trained) throw new Error(trained.note);
    expect(trained.metrics['ranker_valid_auc']).toBeGreaterThan(0.6);
    const files = rankingFiles(trained.rankers, trained.metrics);
    const back = rankersFromFiles(JSON.parse(files['ranking.json']!), files['ranker.txt']!, files['reranker.txt']);
    const g = groups[groups.length - 1]!;
    const items = g.itemIds.map((itemId) => candidate(itemId, {}, 0));
    const a = scoreAndOrder(items, g.rows, trained.rankers.ranker, 'rank');
    const b = scoreAndOrder(items, g.rows, back.ranker, 'rank');
    expect(b.map((i) => [i.itemId, i.finalScore])).toEqual(a.map((i) => [i.itemId, i.finalScore]));
    if (trained.rankers.reranker !== undefined && back.reranker !== undefined) {
      expect(rerank(b, back.reranker, 8, [], { catalog }).map((i) => i.itemId)).toEqual(rerank(a, trained.rankers.reranker, 8, [], { catalog }).map((i) => i.itemId));
    }
  });

  it('order what guests rate well first, and explain it', () => {
    if (!trained.trained) throw new Error(trained.note);
    const g = groups[groups.length - 2]!;
    const ordered = scoreAndOrder(g.itemIds.map((itemId) => candidate(itemId, {}, 0)), g.rows, trained.rankers.ranker, 'rank');
    const review = (id: string): number => g.rows[g.itemIds.indexOf(id) * RANK_FEATURE_COUNT + rankColumn('review_score')]!;
    expect(review(ordered[0]!.itemId)).toBeGreaterThan(review(ordered[ordered.length - 1]!.itemId));
    expect(explain(ordered[0]!, trained.rankers.ranker)).toContainEqual({ kind: 'feature', feature: 'well-rated' });
  });

  it('serve the re-ranker only when it beats the ranker order on held-out requests', () => {
    if (!trained.trained) throw new Error(trained.note);
    const m = trained.metrics;
    expect(trained.rankers.reranker !== undefined).toBe(m['reranker_valid_ndcg10']! > m['reranker_valid_ndcg10_ranker_order']!);
    // A re-ranker that cannot move anything (a vanishing learning rate) ties the ranker order: not served.
    const inert = trainRankers(groups, { catalog }, { minGroups: 100, rerankTop: 8, reranker: { learningRate: 1e-12, numIterations: 2 } });
    if (!inert.trained) throw new Error(inert.note);
    expect(inert.rankers.reranker).toBeUndefined();
    expect(inert.notes.join('\n')).toMatch(/re-ranker not served: validation NDCG@10 [0-9.]+ does not beat the ranker order's/);
  });

  it('are skipped with a note when too few requests were labelled', () => {
    const r = trainRankers(groups.slice(0, 10), { catalog });
    expect(r.trained).toBe(false);
    if (!r.trained) expect(r.note).toMatch(/10 labelled requests/);
  });

  it('refuse files of another feature layout', () => {
    if (!trained.trained) throw new Error(trained.note);
    const files = rankingFiles(trained.rankers, {});
    expect(() => rankersFromFiles({ format: 'wayfarer-rank-features@0' }, files['ranker.txt']!, undefined)).toThrow(/header format/);
    const header = JSON.parse(files['ranking.json']!) as Record<string, unknown>;
    if (files['reranker.txt'] !== undefined) {
      expect(() => rankersFromFiles({ ...header, rerankFormat: 'wayfarer-rerank-features@2' }, files['ranker.txt']!, files['reranker.txt'])).toThrow(/re-ranker rows/);
    }
  });
});
