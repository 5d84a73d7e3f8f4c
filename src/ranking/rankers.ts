/**
 * @module ranking/rankers
 * Stages 3 and 4 of serving: the GBDT fine ranker (binary, over every filtered candidate) and the
 * LambdaMART re-ranker (over the top M, with list-wise features), followed by the business rules and
 * diversity step. Also the models' registry files (LightGBM text format + a JSON header) and the
 * per-item explanations (Saabas contributions → plain reasons).
 */
import type { Reason } from '../domain/candidate.ts';
import { RecsysError, ERROR_CODES } from '../errors.ts';
import type { FeatureStore } from '../features/feature-store.ts';
import { contributions } from '../models/gbdt/explain.ts';
import { readLightGbmModel, writeLightGbmModel } from '../models/gbdt/lightgbm-format.ts';
import { predictBatch, type GbdtModel } from '../models/gbdt/model.ts';
import type { ServingCatalog } from '../pipeline/catalog.ts';
import type { ItemVectors } from '../pipeline/item-vectors.ts';
import type { PipelineItem, RequestContext, Stage } from '../pipeline/stage.ts';
import { RANK_FEATURES, RANK_FEATURES_FORMAT, RANK_FEATURE_COUNT, assembleRankingFeatures } from './ranking-features.ts';
import { applyRules, priceBand, type BusinessRules } from './rules.ts';

/**
 * Columns the re-ranker adds to the rank row: the GBDT's verdict and the item's place in the list, what
 * the items listed above it are like (same city or chain, cheaper, alike: same stars and price band),
 * the heavier signals computed for the top M only — embedding similarity (two-tower item vectors) to
 * the user's recent items and to the items directly above, price and stars against the recent items' —
 * and `shown_pos`, the place a logged list showed it at (training only; see rerankRows).
 */
export const RERANK_EXTRA = [
  'rank_score', 'rank_pos', 'rank_gap', 'same_city_above', 'same_chain_above', 'cheaper_above', 'alike_above',
  'emb_sim_recent_max', 'emb_sim_recent_mean', 'emb_sim_above_max', 'price_rel_recent', 'stars_diff_recent', 'shown_pos',
] as const;
export const RERANK_FEATURES: readonly string[] = [...RANK_FEATURES, ...RERANK_EXTRA];
/** The re-rank row layout (stored with the re-ranker; another layout is refused at load). */
export const RERANK_FEATURES_FORMAT = 'wayfarer-rerank-features@3';
const X = Object.fromEntries(RERANK_EXTRA.map((n, i) => [n, RANK_FEATURE_COUNT + i])) as Record<(typeof RERANK_EXTRA)[number], number>;
/** Recent items the re-rank columns compare with (the newest ones). */
const RERANK_RECENT = 5;
/** Items directly above that `emb_sim_above_max` compares with (bounds the cost at M × this many dot products). */
const RERANK_ABOVE = 5;

/** Registry names of the ranking files. */
export const RANKING_FILES = { ranker: 'ranker.txt', reranker: 'reranker.txt', header: 'ranking.json' } as const;

export interface Rankers {
  /** GBDT `binary` over the rank rows. */
  ranker: GbdtModel;
  /** LambdaMART over re-rank rows of the ranker's top `rerankTop`; absent when there was too little data. */
  reranker?: GbdtModel | undefined;
  rerankTop: number;
}

export interface RankingHeader {
  format: typeof RANK_FEATURES_FORMAT;
  rerankTop: number;
  features: readonly string[];
  rerankFormat?: string;
  rerankFeatures?: readonly string[];
  metrics: Record<string, number>;
}

export function rankingFiles(r: Rankers, metrics: Record<string, number>): Record<string, string> {
  const header: RankingHeader = { format: RANK_FEATURES_FORMAT, rerankTop: r.rerankTop, features: RANK_FEATURES, metrics };
  const files: Record<string, string> = { [RANKING_FILES.ranker]: writeLightGbmModel(r.ranker) };
  if (r.reranker !== undefined) {
    header.rerankFormat = RERANK_FEATURES_FORMAT;
    header.rerankFeatures = RERANK_FEATURES;
    files[RANKING_FILES.reranker] = writeLightGbmModel(r.reranker);
  }
  files[RANKING_FILES.header] = JSON.stringify(header, null, 2);
  return files;
}

/** Rebuild the rankers from registry files; a format mismatch is REC_ERR_MODEL_FORMAT. */
export function rankersFromFiles(header: unknown, ranker: string, reranker: string | undefined): Rankers {
  const h = header as Partial<RankingHeader>;
  if (h.format !== RANK_FEATURES_FORMAT) {
    throw new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `ranking: header format ${String(h.format)}, this build reads ${RANK_FEATURES_FORMAT}` });
  }
  const model = readLightGbmModel(ranker);
  if (model.featureNames.length !== RANK_FEATURE_COUNT) {
    throw new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `ranking: the ranker has ${model.featureNames.length} features, expected ${RANK_FEATURE_COUNT}` });
  }
  if (reranker !== undefined && h.rerankFormat !== RERANK_FEATURES_FORMAT) {
    throw new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `ranking: re-ranker rows ${String(h.rerankFormat)}, this build reads ${RERANK_FEATURES_FORMAT}; retrain with \`wayfarer train\`` });
  }
  const re = reranker === undefined ? undefined : readLightGbmModel(reranker);
  if (re !== undefined && re.featureNames.length !== RERANK_FEATURES.length) {
    throw new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `ranking: the re-ranker has ${re.featureNames.length} features, expected ${RERANK_FEATURES.length}` });
  }
  return { ranker: model, reranker: re, rerankTop: h.rerankTop ?? 50 };
}

/**
 * Score rows with the ranker and order the items by it (ties keep the candidate order). The items are
 * updated in place (each request's pipeline items are its own).
 */
export function scoreAndOrder(items: readonly PipelineItem[], rows: Float32Array, model: GbdtModel, stage: string): PipelineItem[] {
  const scores = predictBatch(model, rows, items.length, { raw: true });
  const F = RANK_FEATURE_COUNT;
  items.forEach((it, i) => {
    it.finalScore = scores[i]!;
    it.rankScore = scores[i]!;
    it.rankRow = rows.subarray(i * F, (i + 1) * F);
    it.stage = stage;
  });
  return stableOrder(items, scores);
}

/** Items by descending score, ties in their current order. */
function stableOrder(items: readonly PipelineItem[], scores: ArrayLike<number>): PipelineItem[] {
  const idx = Array.from({ length: items.length }, (_, i) => i);
  idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return idx.map((i) => items[i]!);
}

/** What the re-rank columns read besides the items: the catalog and, with a two-tower, its item vectors. */
export interface RerankData {
  catalog: ServingCatalog;
  vectors?: ItemVectors | undefined;
}

/** The request's recent items, as the re-rank columns use them (kept with training groups too). */
export type RecentItems = RequestContext['recent'];

/**
 * Re-rank rows of `top` (in rank order): each rank row plus the list-wise and heavier columns.
 *
 * The "above" columns describe the items listed above each one. At serving that is `top` itself, and
 * `shown_pos` is 0. With `shown` — training on a logged list, the items a user was actually shown, in
 * order — they describe what the user saw above the item, and `shown_pos` is its logged place: the
 * clicks that label the rows depend on both, and the model learns them apart. Serving then scores
 * every item as if shown first. Items of `top` missing from `shown` get those columns missing.
 */
export function rerankRows(top: readonly PipelineItem[], recent: RecentItems, data: RerankData, shown?: readonly string[]): Float32Array {
  const W = RERANK_FEATURES.length;
  const { catalog, vectors } = data;
  const out = new Float32Array(top.length * W).fill(NaN);
  const best = top[0]?.rankScore ?? 0;
  const profile = recentProfile(recent, data);
  // Unit vectors of the listed items, row r at r·dim (NaN row: no vector), for the cosine columns.
  const ids = top.map((it) => it.itemId);
  const units = unitRows(vectors, ids);
  const dim = vectors?.dim ?? 0;
  const list = shown ?? ids;
  const above = aboveColumns(list, list === ids ? units : unitRows(vectors, list), data);
  const placeIn = shown === undefined ? undefined : new Map(shown.map((id, p) => [id, p] as const).reverse());
  top.forEach((it, r) => {
    const o = r * W;
    if (it.rankRow !== undefined) out.set(it.rankRow, o);
    const a = catalog.item(it.itemId);
    out[o + X.rank_score] = it.rankScore ?? NaN;
    out[o + X.rank_pos] = r;
    out[o + X.rank_gap] = best - (it.rankScore ?? best);
    const p = placeIn === undefined ? r : placeIn.get(it.itemId);
    const c = p === undefined ? undefined : above[p]!;
    if (c !== undefined) {
      out[o + X.same_city_above] = c.sameCity;
      out[o + X.same_chain_above] = c.sameChain;
      out[o + X.cheaper_above] = c.cheaper;
      out[o + X.alike_above] = c.alike;
      out[o + X.emb_sim_above_max] = c.embMax;
      out[o + X.shown_pos] = placeIn === undefined ? 0 : p!;
    }
    if (units !== undefined && !Number.isNaN(units[r * dim]!) && profile.units !== undefined) {
      let max = -Infinity;
      let sum = 0;
      profile.weights.forEach((w, j) => { const c = dotRows(units, r, profile.units!, j, dim); max = Math.max(max, c); sum += c * w; });
      out[o + X.emb_sim_recent_max] = max;
      out[o + X.emb_sim_recent_mean] = sum / profile.weightSum;
    }
    if (a?.price != null && profile.price > 0) out[o + X.price_rel_recent] = a.price / profile.price;
    if (a?.stars != null && !Number.isNaN(profile.stars)) out[o + X.stars_diff_recent] = a.stars - profile.stars;
  });
  return out;
}

/** What the items listed above a place are like (see aboveColumns). */
interface Above {
  /** How many share its city, its chain, are cheaper (NaN without a price), look alike (same stars and price band). */
  sameCity: number;
  sameChain: number;
  cheaper: number;
  alike: number;
  /** Its largest cosine with the RERANK_ABOVE items directly above (NaN: none). */
  embMax: number;
}

/** Per place of `list`: what the items above it are like. */
function aboveColumns(list: readonly string[], units: Float32Array | undefined, data: RerankData): Above[] {
  const cities = new Map<string, number>();
  const chains = new Map<string, number>();
  const looks = new Map<string, number>();
  const prices: number[] = [];
  const dim = data.vectors?.dim ?? 0;
  return list.map((id, r) => {
    const a = data.catalog.item(id);
    const look = a?.stars == null || a.price == null ? undefined : `${a.stars}|${priceBand(a.price)}`;
    const col: Above = {
      sameCity: a?.city == null ? 0 : cities.get(a.city) ?? 0, sameChain: a?.chain == null ? 0 : chains.get(a.chain) ?? 0,
      cheaper: NaN, alike: look === undefined ? 0 : looks.get(look) ?? 0, embMax: NaN,
    };
    if (a?.price != null) {
      let cheaper = 0;
      for (const p of prices) if (p < a.price) cheaper++;
      col.cheaper = cheaper;
      prices.push(a.price);
    }
    if (a?.city != null) cities.set(a.city, (cities.get(a.city) ?? 0) + 1);
    if (a?.chain != null) chains.set(a.chain, (chains.get(a.chain) ?? 0) + 1);
    if (look !== undefined) looks.set(look, (looks.get(look) ?? 0) + 1);
    if (units !== undefined && !Number.isNaN(units[r * dim]!)) {
      let most = -Infinity;
      for (let q = Math.max(0, r - RERANK_ABOVE); q < r; q++) if (!Number.isNaN(units[q * dim]!)) most = Math.max(most, dotRows(units, r, units, q, dim));
      if (most > -Infinity) col.embMax = most;
    }
    return col;
  });
}

interface RecentProfile {
  /** Unit vectors of the recent items that have one (rows), their interest weights and the weights' sum. */
  units: Float32Array | undefined;
  weights: number[];
  weightSum: number;
  /** Interest-weighted mean price and stars of the recent items that have them (0 / NaN: none). */
  price: number;
  stars: number;
}

function recentProfile(recent: RecentItems, data: RerankData): RecentProfile {
  const newest = recent.slice(0, RERANK_RECENT);
  const withVector = newest.filter((r) => r.weight > 0 && data.vectors?.has(r.itemId) === true);
  const units = unitRows(data.vectors, withVector.map((r) => r.itemId));
  const weights = withVector.map((r) => r.weight);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  let pw = 0;
  let ps = 0;
  let sw = 0;
  let ss = 0;
  for (const { itemId, weight } of newest) {
    const a = data.catalog.item(itemId);
    if (a?.price != null && a.price > 0) { pw += weight; ps += weight * a.price; }
    if (a?.stars != null) { sw += weight; ss += weight * a.stars; }
  }
  return {
    units: weightSum > 0 ? units : undefined, weights, weightSum,
    price: pw > 0 ? ps / pw : 0, stars: sw > 0 ? ss / sw : NaN,
  };
}

/** The items' vectors scaled to unit length, row-major (a row of NaN: no vector); undefined without vectors. */
function unitRows(vectors: ItemVectors | undefined, ids: readonly string[]): Float32Array | undefined {
  if (vectors === undefined || ids.length === 0) return undefined;
  const dim = vectors.dim;
  const out = new Float32Array(ids.length * dim);
  ids.forEach((id, r) => {
    const v = vectors.get(id);
    let n = 0;
    if (v !== undefined) for (let k = 0; k < dim; k++) n += v[k]! * v[k]!;
    if (v === undefined || !(n > 0)) { out[r * dim] = NaN; return; }
    const inv = 1 / Math.sqrt(n);
    for (let k = 0; k < dim; k++) out[r * dim + k] = v[k]! * inv;
  });
  return out;
}

function dotRows(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s = 0;
  const ai = i * dim;
  const bj = j * dim;
  for (let k = 0; k < dim; k++) s += a[ai + k]! * b[bj + k]!;
  return s;
}

/**
 * Re-rank the first `rerankTop` items with LambdaMART; the rest keep their rank order below them. The
 * re-ranker's output is added to the ranker's raw score (it was trained from that score as LightGBM's
 * init_score, learning the list-wise correction).
 */
export function rerank(items: readonly PipelineItem[], model: GbdtModel, rerankTop: number, recent: RecentItems, data: RerankData): PipelineItem[] {
  const top = items.slice(0, rerankTop);
  const rows = rerankRows(top, recent, data);
  const scores = predictBatch(model, rows, top.length, { raw: true });
  // The re-ranker learned a correction of the ranker's score (trained with it as init score).
  let floor = Infinity;
  top.forEach((it, i) => {
    it.finalScore = (it.rankScore ?? 0) + scores[i]!;
    it.stage = 'rerank';
    floor = Math.min(floor, it.finalScore);
  });
  const ordered = stableOrder(top, top.map((i) => i.finalScore));
  // Items below the re-ranked block stay below it whatever their score scale.
  const rest = items.slice(rerankTop);
  rest.forEach((it, j) => { it.finalScore = floor - 1 - j; });
  return [...ordered, ...rest];
}

export interface RankingStageDeps {
  catalog: ServingCatalog;
  /** Reads the feature store's vectors per request (absent: those columns are missing). */
  features?: FeatureStore | undefined;
  rules: BusinessRules;
  /** The two-tower's item vectors (the re-ranker's embedding columns; missing without a two-tower). */
  vectors?: ItemVectors | undefined;
}

/** Feature rows of a request's filtered candidates: the feature store read plus the shared assembly. */
export async function rankRowsFor(items: readonly PipelineItem[], ctx: RequestContext, deps: Pick<RankingStageDeps, 'catalog' | 'features'>): Promise<Float32Array> {
  const store = deps.features === undefined || items.length === 0 ? undefined
    : await deps.features.readForRanking(ctx.userId, items.map((i) => i.itemId), { destination: ctx.destination ?? undefined, country: ctx.country ?? undefined });
  return assembleRankingFeatures({ ctx, items, catalog: deps.catalog, store });
}

/**
 * The rank, re-rank and rules stages. Without rankers (too little data to train them) rank and re-rank
 * pass the candidate order through; the rules always apply.
 */
export function rankingStages(rankers: Rankers | undefined, deps: RankingStageDeps, budgetsMs: { rank: number; rerank: number; rules: number }): Stage[] {
  const attrs = (id: string): ReturnType<ServingCatalog['item']> => deps.catalog.item(id);
  return [
    {
      name: 'rank', budgetMs: budgetsMs.rank,
      run: rankers === undefined ? (items) => items : async (items, ctx) => scoreAndOrder(items, await rankRowsFor(items, ctx, deps), rankers.ranker, 'rank'),
    },
    {
      name: 'rerank', budgetMs: budgetsMs.rerank,
      run: (items, ctx) => (rankers?.reranker === undefined ? items : rerank(items, rankers.reranker, rankers.rerankTop, ctx.recent, deps)),
    },
    { name: 'rules', budgetMs: budgetsMs.rules, run: (items, ctx) => applyRules(items, ctx.k, deps.rules, attrs) },
  ];
}

/** Rank features whose positive contribution becomes a reason, and the reason. */
const REASON_OF: Partial<Record<string, Reason>> = {
  tt_score: { kind: 'similar-taste' }, tt_rank: { kind: 'similar-taste' },
  recent_same_city: { kind: 'feature', feature: 'near-viewed' }, recent_same_chain: { kind: 'feature', feature: 'same-chain' },
  recent_same_country: { kind: 'feature', feature: 'near-viewed' },
  price_rel_user: { kind: 'feature', feature: 'price-fit' }, stars_diff_user: { kind: 'feature', feature: 'stars-fit' },
  review_score: { kind: 'feature', feature: 'well-rated' }, review_rel_list: { kind: 'feature', feature: 'well-rated' },
  stars: { kind: 'feature', feature: 'well-rated' },
  item_bookings_1d: { kind: 'feature', feature: 'trending' }, item_clicks_1d: { kind: 'feature', feature: 'trending' },
  item_bookings_7d: { kind: 'feature', feature: 'booked-often' }, item_cvr_7d: { kind: 'feature', feature: 'booked-often' },
  item_ctr_7d: { kind: 'feature', feature: 'trending' }, item_clicks_7d: { kind: 'feature', feature: 'trending' },
  price_rel_list: { kind: 'feature', feature: 'good-value' },
  recent_item_weight: { kind: 'feature', feature: 'viewed-before' }, ui_last_type: { kind: 'feature', feature: 'viewed-before' },
};

/**
 * Up to `n` reasons for an item from the ranker's feature contributions (Saabas path attribution):
 * the features that raised its score most, mapped to reasons; source reasons (co-visited item,
 * popular in context) count when the source's own features contributed.
 */
export function explain(item: PipelineItem, ranker: GbdtModel, n = 2): Reason[] {
  if (item.rankRow === undefined) return [];
  const phi = contributions(ranker, item.rankRow);
  const out: Reason[] = [];
  const used = new Set<number>();
  while (out.length < n) {
    // The largest positive contribution not looked at yet (a scan: 37 columns, n ≤ 3).
    let best = -1;
    for (let f = 0; f < RANK_FEATURE_COUNT; f++) if (!used.has(f) && phi[f]! > 0 && (best < 0 || phi[f]! > phi[best]!)) best = f;
    if (best < 0) break;
    used.add(best);
    const name = RANK_FEATURES[best]!;
    const r = name.startsWith('covis_') ? item.reasons.find((x) => x.kind === 'covisited')
      : name.startsWith('pop_') ? item.reasons.find((x) => x.kind === 'popular') : REASON_OF[name];
    if (r !== undefined && !out.some((o) => sameReason(o, r))) out.push(r);
  }
  return out;
}

function sameReason(a: Reason, b: Reason): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'feature' && b.kind === 'feature') return a.feature === b.feature;
  return a === b || a.kind === 'similar-taste' || a.kind === 'cold-start';
}

