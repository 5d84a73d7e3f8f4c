/**
 * @module ranking/ranking-features
 * The one place where a ranking request's feature rows are made, for serving (the rank stage) and for
 * training (the replay in ranking-data.ts calls the same function on the same structures): per
 * (user, candidate, context), the candidate sources' scores and ranks, item attributes relative to the
 * list and to the user's usual choices, affinity with the user's recent items, the user × item history
 * and decayed item popularity and user activity read from the feature store. Rows are Float32 (what
 * the GBDT trains on), NaN = missing.
 */
import type { ItemId } from '../domain/types.ts';
import type { FeatureVectors } from '../features/vectors.ts';
import type { ServingCatalog } from '../pipeline/catalog.ts';
import type { PipelineItem, RequestContext } from '../pipeline/stage.ts';

/** Column names of a rank-stage row, in order. Changing them changes the model's input: bump the format. */
export const RANK_FEATURES = [
  'tt_score', 'tt_rank', 'covis_score', 'covis_rank', 'pop_score', 'pop_rank', 'merged_rank', 'merged_score', 'n_sources',
  'price', 'stars', 'review_score', 'price_rel_list', 'stars_rel_list', 'review_rel_list',
  'price_rel_user', 'stars_diff_user', 'dest_match', 'home_country', 'recent_same_city', 'recent_same_country', 'recent_same_chain', 'recent_item_weight',
  'ui_last_type', 'ui_hours_since',
  'item_clicks_1d', 'item_bookings_1d', 'item_cvr_1d', 'item_impressions_7d', 'item_clicks_7d', 'item_bookings_7d', 'item_cvr_7d', 'item_ctr_7d',
  'user_clicks_24h', 'user_bookings_7d', 'user_searches_24h', 'lead_days',
] as const;

export type RankFeature = (typeof RANK_FEATURES)[number];
export const RANK_FEATURE_COUNT = RANK_FEATURES.length;
/** Version of the row layout, stored with trained rankers. */
export const RANK_FEATURES_FORMAT = 'wayfarer-rank-features@1';

const COL = Object.fromEntries(RANK_FEATURES.map((n, i) => [n, i])) as Record<RankFeature, number>;
export const rankColumn = (name: RankFeature): number => COL[name];

/** Feature-store refs read per request (from the default `ranking` service). */
const STORE_REFS = {
  prefPrice: 'user_taste:pref_price', prefStars: 'user_taste:pref_stars',
  clicks1d: 'item_popularity:clicks_1d', bookings1d: 'item_popularity:bookings_1d', cvr1d: 'item_popularity:cvr_1d',
  impressions7d: 'item_popularity:impressions_7d', clicks7d: 'item_popularity:clicks_7d', bookings7d: 'item_popularity:bookings_7d', cvr7d: 'item_popularity:cvr_7d',
  lastType: 'user_item_last:last_type', lastTs: 'user_item_last:last_ts',
  userClicks24h: 'user_activity:click_count_24h', userBookings7d: 'user_activity:booking_count_7d', userSearches24h: 'user_activity:search_count_24h',
} as const;

/** Ordinal of the user's last event on the item (higher = more intent). */
const LAST_TYPE: Readonly<Record<string, number>> = { search: 0, impression: 1, click: 2, rating: 3, booking: 4 };

const SOURCES = { 'two-tower': ['tt_score', 'tt_rank'], covisitation: ['covis_score', 'covis_rank'], popular: ['pop_score', 'pop_rank'] } as const;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface RankingFeatureInput {
  ctx: RequestContext;
  /** The filtered candidates in candidate-stage order. */
  items: readonly PipelineItem[];
  catalog: ServingCatalog;
  /** The feature store's vectors for these items (same order); absent when there is no feature store. */
  store?: FeatureVectors | undefined;
}

/** Rows of `items` (items.length × RANK_FEATURE_COUNT, row-major). */
export function assembleRankingFeatures(input: RankingFeatureInput): Float32Array {
  const { ctx, items, catalog } = input;
  const n = items.length;
  const F = RANK_FEATURE_COUNT;
  const out = new Float32Array(n * F).fill(NaN);
  const attrs = items.map((i) => catalog.item(i.itemId));
  const medPrice = median(attrs.map((a) => a?.price ?? null));
  const medStars = median(attrs.map((a) => a?.stars ?? null));
  const medReview = median(attrs.map((a) => a?.reviewScore ?? null));
  const recent = recentProfile(ctx, catalog);
  const store = storeReader(input.store);
  const home = ctx.country;
  const lead = ctx.checkin === null ? NaN : (Date.parse(ctx.checkin) - ctx.now) / DAY_MS;
  sourceRanks(items, out);
  for (let r = 0; r < n; r++) {
    const item = items[r] as PipelineItem;
    const a = attrs[r];
    const o = r * F;
    const set = (name: RankFeature, v: number | null | undefined): void => put(out, o, name, v);
    set('merged_rank', r);
    set('merged_score', item.stage === 'candidates' ? item.finalScore : NaN);
    set('n_sources', Object.keys(item.sourceScores).length);
    set('price', a?.price);
    set('stars', a?.stars);
    set('review_score', a?.reviewScore);
    if (a?.price != null && medPrice > 0) set('price_rel_list', a.price / medPrice);
    if (a?.stars != null && !Number.isNaN(medStars)) set('stars_rel_list', a.stars - medStars);
    if (a?.reviewScore != null && !Number.isNaN(medReview)) set('review_rel_list', a.reviewScore - medReview);
    if (ctx.destination !== null && a !== undefined) set('dest_match', a.city === ctx.destination ? 1 : a.country === ctx.destination ? 0.5 : 0);
    if (home !== null && a?.country != null) set('home_country', a.country === home ? 1 : 0);
    if (a !== undefined) {
      set('recent_same_city', a.city === null ? 0 : recent.cities.get(a.city) ?? 0);
      set('recent_same_country', a.country === null ? 0 : recent.countries.get(a.country) ?? 0);
      set('recent_same_chain', a.chain === null ? 0 : recent.chains.get(a.chain) ?? 0);
    }
    set('recent_item_weight', recent.items.get(item.itemId) ?? 0);
    const prefPrice = store.num(r, STORE_REFS.prefPrice);
    if (a?.price != null && prefPrice !== null && prefPrice > 0) set('price_rel_user', a.price / prefPrice);
    const prefStars = store.num(r, STORE_REFS.prefStars);
    if (a?.stars != null && prefStars !== null) set('stars_diff_user', a.stars - prefStars);
    const lastType = store.str(r, STORE_REFS.lastType);
    if (lastType !== null) set('ui_last_type', LAST_TYPE[lastType] ?? NaN);
    const lastTs = store.num(r, STORE_REFS.lastTs);
    if (lastTs !== null) set('ui_hours_since', (ctx.now - lastTs) / HOUR_MS);
    set('item_clicks_1d', store.num(r, STORE_REFS.clicks1d));
    set('item_bookings_1d', store.num(r, STORE_REFS.bookings1d));
    set('item_cvr_1d', store.num(r, STORE_REFS.cvr1d));
    const imp7 = store.num(r, STORE_REFS.impressions7d);
    const clk7 = store.num(r, STORE_REFS.clicks7d);
    set('item_impressions_7d', imp7);
    set('item_clicks_7d', clk7);
    set('item_bookings_7d', store.num(r, STORE_REFS.bookings7d));
    set('item_cvr_7d', store.num(r, STORE_REFS.cvr7d));
    if (imp7 !== null && clk7 !== null) set('item_ctr_7d', (clk7 + 0.5) / (imp7 + 10));
    set('user_clicks_24h', store.num(r, STORE_REFS.userClicks24h) ?? 0);
    set('user_bookings_7d', store.num(r, STORE_REFS.userBookings7d) ?? 0);
    set('user_searches_24h', store.num(r, STORE_REFS.userSearches24h) ?? 0);
    set('lead_days', lead);
  }
  return out;
}

function put(out: Float32Array, o: number, name: RankFeature, v: number | null | undefined): void {
  if (v !== null && v !== undefined && Number.isFinite(v)) out[o + COL[name]] = v;
}

/** Each source's score and its rank among the candidates that source proposed (rank 0 = its best). */
function sourceRanks(items: readonly PipelineItem[], out: Float32Array): void {
  const F = RANK_FEATURE_COUNT;
  for (const [source, [scoreCol, rankCol]] of Object.entries(SOURCES)) {
    const rows: { r: number; s: number }[] = [];
    items.forEach((it, r) => { const s = it.sourceScores[source]; if (s !== undefined && Number.isFinite(s)) rows.push({ r, s }); });
    rows.sort((a, b) => b.s - a.s || a.r - b.r);
    rows.forEach(({ r, s }, rank) => { out[r * F + COL[scoreCol]] = s; out[r * F + COL[rankCol]] = rank; });
  }
}

interface RecentProfile {
  items: Map<ItemId, number>;
  cities: Map<string, number>;
  countries: Map<string, number>;
  chains: Map<string, number>;
}

/** Interest-weighted counts of the user's recent items' cities, countries and chains. */
function recentProfile(ctx: RequestContext, catalog: ServingCatalog): RecentProfile {
  const p: RecentProfile = { items: new Map(), cities: new Map(), countries: new Map(), chains: new Map() };
  const add = (m: Map<string, number>, k: string | null, w: number): void => { if (k !== null) m.set(k, (m.get(k) ?? 0) + w); };
  for (const { itemId, weight } of ctx.recent) {
    p.items.set(itemId, (p.items.get(itemId) ?? 0) + weight);
    const a = catalog.item(itemId);
    if (a === undefined) continue;
    add(p.cities, a.city, weight);
    add(p.countries, a.country, weight);
    add(p.chains, a.chain, weight);
  }
  return p;
}

function median(values: readonly (number | null)[]): number {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 === 1 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

interface StoreReader {
  num(row: number, ref: string): number | null;
  str(row: number, ref: string): string | null;
}

function storeReader(v: FeatureVectors | undefined): StoreReader {
  if (v === undefined) return { num: () => null, str: () => null };
  const col = new Map(v.columns.map((c, i) => [c, i]));
  const get = (row: number, ref: string): unknown => {
    const j = col.get(ref);
    return j === undefined ? null : v.values[row]?.[j] ?? null;
  };
  return {
    num: (row, ref) => { const x = get(row, ref); return typeof x === 'number' && Number.isFinite(x) ? x : null; },
    str: (row, ref) => { const x = get(row, ref); return typeof x === 'string' ? x : null; },
  };
}
