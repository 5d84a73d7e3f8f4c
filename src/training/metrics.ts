/**
 * @module training/metrics
 * Offline metrics of top-k lists against held-out relevant sets (binary relevance): Recall,
 * Precision, NDCG, MAP, HitRate and catalog coverage, an accumulator averaging over users, and
 * time / random splits that produce per-user train and test relevant sets.
 */
import { InvalidInputError } from '../errors.ts';
import type { EventType, Interaction, ItemId, UserId } from '../domain/types.ts';

/** Per-list metrics at one cut-off k. */
export interface RankingMetrics {
  /** Relevant items in the top k / |relevant|. */
  recall: number;
  /** Relevant items in the top k / k (a list shorter than k is not rewarded for it). */
  precision: number;
  /** DCG with gain 1 and discount 1/log2(rank + 1), over the ideal DCG of min(|relevant|, k) hits. */
  ndcg: number;
  /** Σ precision@i at each hit rank i ≤ k, / min(|relevant|, k). */
  map: number;
  /** 1 when any relevant item is in the top k, else 0. */
  hitRate: number;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new InvalidInputError(`metrics: k must be a positive integer, got ${k}`);
}

/**
 * Every ranking metric of one list at cut-off `k`, in one pass. An item repeated in
 * `recommended` counts only at its first position. An empty `relevant` set gives all zeros
 * (the accumulator skips such users instead).
 */
export function rankingMetrics(recommended: readonly ItemId[], relevant: ReadonlySet<ItemId>, k: number): RankingMetrics {
  checkK(k);
  if (relevant.size === 0) return { recall: 0, precision: 0, ndcg: 0, map: 0, hitRate: 0 };
  const seen = new Set<ItemId>();
  let hits = 0;
  let dcg = 0;
  let apSum = 0;
  const n = Math.min(k, recommended.length);
  for (let i = 0; i < n; i++) {
    const id = recommended[i] as ItemId;
    if (seen.has(id)) continue;
    seen.add(id);
    if (!relevant.has(id)) continue;
    hits++;
    dcg += 1 / Math.log2(i + 2);
    apSum += hits / (i + 1);
  }
  const ideal = Math.min(relevant.size, k);
  let idcg = 0;
  for (let i = 0; i < ideal; i++) idcg += 1 / Math.log2(i + 2);
  return { recall: hits / relevant.size, precision: hits / k, ndcg: dcg / idcg, map: apSum / ideal, hitRate: hits > 0 ? 1 : 0 };
}

export const recallAtK = (rec: readonly ItemId[], rel: ReadonlySet<ItemId>, k: number): number => rankingMetrics(rec, rel, k).recall;
export const precisionAtK = (rec: readonly ItemId[], rel: ReadonlySet<ItemId>, k: number): number => rankingMetrics(rec, rel, k).precision;
export const ndcgAtK = (rec: readonly ItemId[], rel: ReadonlySet<ItemId>, k: number): number => rankingMetrics(rec, rel, k).ndcg;
/**
 * NDCG@k with graded relevance: gain 2^grade − 1 (LightGBM's default label_gain, as the re-ranker is
 * trained with; booking 2 → 3, click 1 → 1), discount 1 / log2(position + 1). Items absent from `grades`
 * (or graded 0) gain nothing; an item repeated in `recommended` counts at its first position only.
 * 0 when nothing is graded above 0.
 */
export function gradedNdcgAtK(recommended: readonly ItemId[], grades: ReadonlyMap<ItemId, number>, k: number): number {
  const gains = new Map<ItemId, number>();
  for (const [id, g] of grades) if (g > 0) gains.set(id, 2 ** g - 1);
  return gainNdcgAtK(recommended, gains, k);
}

/**
 * NDCG@k with the given gain per item (≥ 0; absent = 0), discount 1 / log2(position + 1), the ideal being
 * the k largest gains. An item repeated in `recommended` counts at its first position only. 0 when no gain
 * is above 0.
 */
export function gainNdcgAtK(recommended: readonly ItemId[], gains: ReadonlyMap<ItemId, number>, k: number): number {
  return listNdcgAtK(recommended, contextFreeGains(gains), k);
}

/**
 * A list-aware relevance (a simulated user who discounts what resembles items listed above): each
 * candidate's gain on its own, and its gain at a place given the items above it (at most its own).
 */
export interface ListGains {
  /** Gain of each candidate without context (≥ 0; absent = 0); the ideal DCG takes the k largest. */
  alone: ReadonlyMap<ItemId, number>;
  /** Gain of `id` listed below `above` (top first). */
  inContext(id: ItemId, above: readonly ItemId[]): number;
}

/** Gains that do not depend on the list: each item's gain wherever it is listed. */
export function contextFreeGains(gains: ReadonlyMap<ItemId, number>): ListGains {
  return { alone: gains, inContext: (id) => gains.get(id) ?? 0 };
}

/**
 * NDCG@k under list-aware gains: DCG of the in-context gains along `recommended` (an item repeated
 * counts at its first position only), over the ideal DCG of the k largest context-free gains. Since an
 * in-context gain never exceeds the gain alone, the ideal bounds every list. 0 when no gain is above 0.
 */
export function listNdcgAtK(recommended: readonly ItemId[], gains: ListGains, k: number): number {
  checkK(k);
  const ideal = [...gains.alone.values()].filter((g) => g > 0).sort((a, b) => b - a).slice(0, k);
  let idcg = 0;
  ideal.forEach((g, i) => { idcg += g / Math.log2(i + 2); });
  if (idcg === 0) return 0;
  const above: ItemId[] = [];
  const seen = new Set<ItemId>();
  let dcg = 0;
  const n = Math.min(k, recommended.length);
  for (let i = 0; i < n; i++) {
    const id = recommended[i]!;
    if (seen.has(id)) continue;
    seen.add(id);
    const g = gains.inContext(id, above);
    if (g > 0) dcg += g / Math.log2(i + 2);
    above.push(id);
  }
  return dcg / idcg;
}

export const averagePrecisionAtK = (rec: readonly ItemId[], rel: ReadonlySet<ItemId>, k: number): number => rankingMetrics(rec, rel, k).map;
export const hitRateAtK = (rec: readonly ItemId[], rel: ReadonlySet<ItemId>, k: number): number => rankingMetrics(rec, rel, k).hitRate;

/** Distinct items among the top `k` of every list, / catalog size. */
export function catalogCoverage(lists: Iterable<readonly ItemId[]>, catalogSize: number, k: number): number {
  checkK(k);
  const distinct = new Set<ItemId>();
  for (const list of lists) for (const id of list.slice(0, k)) distinct.add(id);
  return catalogSize > 0 ? distinct.size / catalogSize : 0;
}

/** Metrics averaged over users at one k; coverage is null when no catalog size was given. */
export interface MetricsAtK extends RankingMetrics {
  k: number;
  coverage: number | null;
}

export interface MetricsReport {
  /** Users averaged over (those with a non-empty relevant set). */
  users: number;
  /** Lists added for users with no relevant item: they count for coverage only. */
  skippedUsers: number;
  atK: MetricsAtK[];
}

/** Averages ranking metrics over users at several cut-offs, and tracks coverage. */
export class MetricsAccumulator {
  private readonly sums: RankingMetrics[];
  private readonly covered: Set<ItemId>[];
  private users = 0;
  private skipped = 0;

  constructor(readonly ks: readonly number[] = [10], readonly catalogSize: number | null = null) {
    ks.forEach(checkK);
    this.sums = ks.map(() => ({ recall: 0, precision: 0, ndcg: 0, map: 0, hitRate: 0 }));
    this.covered = ks.map(() => new Set());
  }

  /** Add one user's recommended list (best first) and held-out relevant items. */
  add(recommended: readonly ItemId[], relevant: ReadonlySet<ItemId>): void {
    this.ks.forEach((k, j) => {
      for (const id of recommended.slice(0, k)) this.covered[j]?.add(id);
    });
    if (relevant.size === 0) {
      this.skipped++;
      return;
    }
    this.users++;
    this.ks.forEach((k, j) => {
      const m = rankingMetrics(recommended, relevant, k);
      const s = this.sums[j] as RankingMetrics;
      s.recall += m.recall;
      s.precision += m.precision;
      s.ndcg += m.ndcg;
      s.map += m.map;
      s.hitRate += m.hitRate;
    });
  }

  /** Means over users (0 when there are none). */
  result(): MetricsReport {
    const n = this.users;
    const mean = (x: number): number => (n > 0 ? x / n : 0);
    const atK = this.ks.map((k, j): MetricsAtK => {
      const s = this.sums[j] as RankingMetrics;
      const size = this.catalogSize;
      return {
        k, recall: mean(s.recall), precision: mean(s.precision), ndcg: mean(s.ndcg), map: mean(s.map), hitRate: mean(s.hitRate),
        coverage: size === null ? null : size > 0 ? (this.covered[j]?.size ?? 0) / size : 0,
      };
    });
    return { users: n, skippedUsers: this.skipped, atK };
  }
}

export interface SplitOptions {
  /** Event types that make an item relevant (default click, booking, rating). */
  relevantTypes?: readonly EventType[];
  /** Ratings below this value are not relevant (default: every rating is). */
  minRating?: number;
  /** Drop from a user's test set the items already relevant in their train part (default false). */
  excludeTrainItems?: boolean;
}

export interface InteractionSplit {
  train: Interaction[];
  test: Interaction[];
  /** Per user: relevant items in the train part. */
  trainRelevant: Map<UserId, Set<ItemId>>;
  /** Per user: relevant items in the held-out part; users with none are absent. */
  testRelevant: Map<UserId, Set<ItemId>>;
  /** Time split: first ts of the test part (UTC ms); null for a random split. */
  cutoffTs: number | null;
}

function checkFraction(fraction: number): void {
  if (!(fraction > 0 && fraction < 1)) throw new InvalidInputError(`split: fraction must be in (0, 1), got ${fraction}`);
}

function relevantSets(events: readonly Interaction[], opts: SplitOptions): Map<UserId, Set<ItemId>> {
  const types = new Set<EventType>(opts.relevantTypes ?? ['click', 'booking', 'rating']);
  const out = new Map<UserId, Set<ItemId>>();
  for (const e of events) {
    if (!types.has(e.type)) continue;
    if (e.type === 'rating' && opts.minRating !== undefined && (e.value === null || e.value < opts.minRating)) continue;
    let s = out.get(e.userId);
    if (s === undefined) out.set(e.userId, (s = new Set()));
    s.add(e.itemId);
  }
  return out;
}

function finish(train: Interaction[], test: Interaction[], cutoffTs: number | null, opts: SplitOptions): InteractionSplit {
  const trainRelevant = relevantSets(train, opts);
  const testRelevant = relevantSets(test, opts);
  if (opts.excludeTrainItems === true) {
    for (const [user, items] of testRelevant) {
      const seen = trainRelevant.get(user);
      if (seen !== undefined) for (const id of seen) items.delete(id);
      if (items.size === 0) testRelevant.delete(user);
    }
  }
  return { train, test, trainRelevant, testRelevant, cutoffTs };
}

/**
 * Hold out the last `fraction` of the global time range: cutoff = min + (1 − fraction)·(max − min);
 * events with ts ≥ cutoff are test, earlier ones train.
 */
export function timeSplit(interactions: readonly Interaction[], fraction: number, opts: SplitOptions = {}): InteractionSplit {
  checkFraction(fraction);
  let min = Infinity;
  let max = -Infinity;
  for (const e of interactions) {
    if (e.ts < min) min = e.ts;
    if (e.ts > max) max = e.ts;
  }
  const cutoff = interactions.length === 0 ? 0 : min + (1 - fraction) * (max - min);
  const train: Interaction[] = [];
  const test: Interaction[] = [];
  for (const e of interactions) (e.ts >= cutoff && interactions.length > 0 ? test : train).push(e);
  return finish(train, test, cutoff, opts);
}

/** Uniform in [0, 1) from an event id and a seed (FNV-1a, then a murmur3 finaliser). Order-independent. */
export function hashUnit(id: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** Hold out each event with probability `fraction`, decided by hashing its eventId with `seed` (reproducible, order-independent). */
export function randomSplit(interactions: readonly Interaction[], fraction: number, seed: number, opts: SplitOptions = {}): InteractionSplit {
  checkFraction(fraction);
  const train: Interaction[] = [];
  const test: Interaction[] = [];
  for (const e of interactions) (hashUnit(e.eventId, seed) < fraction ? test : train).push(e);
  return finish(train, test, null, opts);
}

/** How much one stage's order moved NDCG@k over the previous stage's, on the same requests. */
/** One stage compared with the previous one on NDCG@k, request by request (see PairedDifference). */
export interface StageLift extends PairedDifference {
  from: string;
  to: string;
  k: number;
  /** Requests compared (those with a relevant item). */
  n: number;
  /** With a similarity: mean intra-list diversity@k (mean 1 − similarity over pairs in the top k) of both stages. */
  diversity?: { from: number; to: number };
  /** With grades: the same comparison on graded NDCG@k (see gradedNdcgAtK), and both stages' means. */
  graded?: PairedDifference & { from: number; to: number };
  /**
   * With true gains (synthetic data): NDCG@k against the generator's hidden click probabilities of the
   * listed candidates in the list served (listNdcgAtK), free of the sampling noise of logged clicks; and
   * both stages' means.
   */
  truth?: PairedDifference & { from: number; to: number };
  /**
   * With the logged impressions: NDCG@k of each stage's order of only the items the log displayed at that
   * request, against those of them the user then clicked or booked (the displayed-list protocol of
   * learning-to-rank data sets: which items were exposed is held fixed); requests whose displayed items
   * include none relevant are left out. Both stages' means.
   */
  shown?: PairedDifference & { from: number; to: number };
  /**
   * With the logged impressions and a position-bias estimate: the same order of the displayed items, against
   * the clicks of the search's session each weighted by the inverse of its logged position's estimated
   * examination (counterfactual, inverse-propensity NDCG: an order is not rewarded for repeating the old
   * display's). Both stages' means.
   */
  debiased?: PairedDifference & { from: number; to: number };
}

/** What a request adds to the comparisons besides the binary relevance (see StageLiftAccumulator.add). */
export interface StageLiftExtras {
  /** Graded relevance (graded NDCG). */
  grades?: ReadonlyMap<ItemId, number> | undefined;
  /** Synthetic data: the generator's hidden relevance (true NDCG). */
  trueGains?: ListGains | undefined;
  /** The items the log displayed at the request (displayed-list NDCG). */
  shown?: ReadonlySet<ItemId> | undefined;
  /** With `shown`: the gain of each displayed item clicked in the session, 1 / examination of its position (debiased NDCG). */
  debiased?: ReadonlyMap<ItemId, number> | undefined;
}

/** A paired comparison of per-request values: mean difference, its 95 % CI half-width, and the counts. */
export interface PairedDifference {
  /** Mean difference, `to` − `from`. */
  delta: number;
  /** Half-width of the 95 % confidence interval of `delta` (normal approximation over paired differences). */
  ci95: number;
  /** Requests where `to` scored higher / lower. */
  better: number;
  worse: number;
  /**
   * Two-sided p-value of the sign test (are `better` and `worse` equally likely?), normal approximation
   * with continuity correction; 1 when nothing changed. It sees how often a stage helps rather than by how
   * much, so it catches a stage that helps many requests a little where the mean's interval is wide.
   */
  signP: number;
}

/** Two-sided sign-test p-value for `better` vs `worse` (ties dropped). */
export function signTestP(better: number, worse: number): number {
  const n = better + worse;
  if (n === 0) return 1;
  const z = Math.max(0, Math.abs(better - worse) - 1) / Math.sqrt(n);
  if (z === 0) return 1;
  return Math.min(1, 2 * (1 - normalCdf(z)));
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Mean of b − a over paired values, with a normal-approximation 95 % interval and better/worse counts. */
export function pairedDifference(a: readonly number[], b: readonly number[]): PairedDifference {
  const n = Math.min(a.length, b.length);
  let sum = 0;
  let better = 0;
  let worse = 0;
  for (let j = 0; j < n; j++) {
    const d = b[j]! - a[j]!;
    sum += d;
    if (d > 1e-12) better++;
    else if (d < -1e-12) worse++;
  }
  const delta = n > 0 ? sum / n : 0;
  let ss = 0;
  for (let j = 0; j < n; j++) ss += (b[j]! - a[j]! - delta) ** 2;
  const se = n > 1 ? Math.sqrt(ss / (n - 1) / n) : 0;
  return { delta, ci95: 1.96 * se, better, worse, signP: signTestP(better, worse) };
}

/** Intra-list diversity of the top k: the mean of 1 − similarity over its pairs (0 with fewer than two items). */
export function intraListDiversity(list: readonly ItemId[], k: number, similarity: (a: ItemId, b: ItemId) => number): number {
  const top = list.slice(0, k);
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < top.length; i++) {
    for (let j = i + 1; j < top.length; j++) {
      sum += 1 - similarity(top[i]!, top[j]!);
      pairs++;
    }
  }
  return pairs === 0 ? 0 : sum / pairs;
}

/**
 * Paired NDCG@k per request for a chain of stages (each stage scores the same requests, in the same
 * order), and the lift of each stage over the previous one with its 95 % confidence interval: the
 * stages are compared request by request, so the interval reflects the stages' difference, not how
 * hard the requests are.
 */
export class StageLiftAccumulator {
  private readonly ndcg: number[][];
  private readonly graded: number[][];
  private readonly truth: number[][];
  private readonly shown: number[][];
  private readonly debiased: number[][];
  private readonly ild: number[];

  /** With `similarity`, each stage's intra-list diversity@k is averaged too (what a diversity rule changes). */
  constructor(readonly stages: readonly string[], readonly k: number, private readonly similarity?: (a: ItemId, b: ItemId) => number) {
    checkK(k);
    this.ndcg = stages.map(() => []);
    this.graded = stages.map(() => []);
    this.truth = stages.map(() => []);
    this.shown = stages.map(() => []);
    this.debiased = stages.map(() => []);
    this.ild = stages.map(() => 0);
  }

  /**
   * One request: each stage's order (aligned with `stages`) and the relevant items, plus the extras (give
   * each for every request or none; see StageLiftExtras). Skipped when none is relevant.
   */
  add(orders: readonly (readonly ItemId[])[], relevant: ReadonlySet<ItemId>, extras: StageLiftExtras = {}): void {
    if (relevant.size === 0) return;
    if (orders.length !== this.stages.length) throw new InvalidInputError(`stage lifts: ${orders.length} orders for ${this.stages.length} stages`);
    const { grades, trueGains, shown, debiased } = extras;
    orders.forEach((o, i) => this.ndcg[i]!.push(ndcgAtK(o, relevant, this.k)));
    if (grades !== undefined) orders.forEach((o, i) => this.graded[i]!.push(gradedNdcgAtK(o, grades, this.k)));
    if (trueGains !== undefined) orders.forEach((o, i) => this.truth[i]!.push(listNdcgAtK(o, trueGains, this.k)));
    if (shown !== undefined) {
      // Each stage's order of the displayed items only, for the displayed-list and debiased comparisons.
      const displayed = orders.map((o) => o.filter((id) => shown.has(id)));
      const shownRelevant = new Set([...relevant].filter((id) => shown.has(id)));
      if (shownRelevant.size > 0) displayed.forEach((o, i) => this.shown[i]!.push(ndcgAtK(o, shownRelevant, this.k)));
      if (debiased !== undefined && [...debiased.values()].some((g) => g > 0)) displayed.forEach((o, i) => this.debiased[i]!.push(gainNdcgAtK(o, debiased, this.k)));
    }
    const sim = this.similarity;
    if (sim !== undefined) orders.forEach((o, i) => { this.ild[i]! += intraListDiversity(o, this.k, sim); });
  }

  result(): StageLift[] {
    const mean = (xs: readonly number[]): number => xs.reduce((x, y) => x + y, 0) / Math.max(1, xs.length);
    /** Stage i against i + 1 on a per-request series, with both means; undefined when it was not recorded. */
    const compare = (series: readonly number[][], i: number): StageLift['graded'] => {
      const [a, b] = [series[i]!, series[i + 1]!];
      return a.length === 0 ? undefined : { ...pairedDifference(a, b), from: mean(a), to: mean(b) };
    };
    return this.stages.slice(1).map((to, i) => {
      const n = this.ndcg[i]!.length;
      const lift: StageLift = { from: this.stages[i]!, to, k: this.k, n, ...pairedDifference(this.ndcg[i]!, this.ndcg[i + 1]!) };
      if (this.similarity !== undefined && n > 0) lift.diversity = { from: this.ild[i]! / n, to: this.ild[i + 1]! / n };
      const graded = compare(this.graded, i);
      if (graded !== undefined) lift.graded = graded;
      const truth = compare(this.truth, i);
      if (truth !== undefined) lift.truth = truth;
      const shown = compare(this.shown, i);
      if (shown !== undefined) lift.shown = shown;
      const debiased = compare(this.debiased, i);
      if (debiased !== undefined) lift.debiased = debiased;
      return lift;
    });
  }
}
