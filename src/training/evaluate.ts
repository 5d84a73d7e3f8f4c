/**
 * @module training/evaluate
 * Offline evaluation on any imported data: hold out the last part of time (or a random part of
 * the events), train the baselines and the two-tower on the rest, then score each source's list,
 * the merged serving list and — on synthetic data with its hidden truth — the oracle ranking
 * against each sampled user's held-out items. The baselines stream the store; the two-tower holds
 * the training window's interest events in memory (see train-two-tower.ts).
 */
import type { Interaction, Item, ItemId, UserId } from '../domain/types.ts';
import type { Store } from '../ports/store.ts';
import { examinedClickProbability, resemblance, type HiddenTruth } from '../data/synthetic/index.ts';
import { InvalidInputError } from '../errors.ts';
import { Engine, type EngineModels } from '../pipeline/engine.ts';
import { loadCatalogState, scanWhere } from '../pipeline/engine-load.ts';
import type { FilterState } from '../pipeline/filter/filter-state.ts';
import type { ServingCatalog } from '../pipeline/catalog.ts';
import { DEFAULT_CANDIDATE_OPTIONS, type CandidateOptions } from '../pipeline/candidates.ts';
import { DEFAULT_PIPELINE_OPTIONS } from '../pipeline/recommend.ts';
import type { VectorIndexFactory } from '../pipeline/two-tower-source.ts';
import { MetricsAccumulator, StageLiftAccumulator, hashUnit, type ListGains, type MetricsReport, type StageLift } from './metrics.ts';
import type { TwoTowerStageOptions } from './train-two-tower.ts';
import { trainStages } from './train-stages.ts';
import type { RankingStageOptions } from './train-ranking.ts';
import type { FeatureStore } from '../features/feature-store.ts';
import { replayForRanking, type RankingGroup } from '../ranking/replay.ts';
import { DEFAULT_RULES, applyRules, similarity as itemSimilarity, type BusinessRules } from '../ranking/rules.ts';
import { ORACLE_DESCRIPTION, UtilityOracle } from './oracle.ts';
import { PositionBiasEstimator, clickWeight, type PositionBias } from './position-bias.ts';

export interface EvalOptions {
  split: 'time' | 'random';
  /** Share held out: the last `fraction` of the time range, or of the events at random. */
  fraction: number;
  ks: number[];
  /** At most this many test users are scored (a hash sample; 0 = all). */
  maxUsers: number;
  seed: number;
  /** Pass the destination and dates of the user's first held-out event as request context. */
  useContext: boolean;
  onProgress?: (phase: string, n: number) => void;
  /** Builds the two-tower's index; without it (or with `twoTower: false`) the two-tower is not evaluated. */
  indexes?: VectorIndexFactory;
  twoTower?: TwoTowerStageOptions | false;
  /** Quotas, weights and RRF constant of the merge (default: the serving defaults). */
  candidates?: Partial<CandidateOptions>;
  /**
   * Further merge settings scored on the same trained models, each as a row `merged:<name>`
   * (for tuning weights without retraining between runs).
   */
  mergeVariants?: Record<string, Partial<CandidateOptions>>;
  /**
   * Diversity λ values to score the rules stage at as well, on the same re-ranked requests of the session
   * replay (lifts `search:rerank → search:rules λ=…`); the served rules keep `rules.diversityLambda`.
   */
  diversityLambdas?: readonly number[];
  /** The generator's hidden truth, when the store holds synthetic data: adds the 'oracle' row. */
  truth?: HiddenTruth;
  /** Training log lines (two-tower epochs). */
  log?: (line: string) => void;
  /** The rankers' training settings (replay of the end of the training window), or false: candidate stages only. */
  ranking?: Omit<RankingStageOptions, 'store' | 'untilTs' | 'include'> | false;
  /** Business rules and diversity of the last stage (default: none). */
  rules?: BusinessRules;
}

export interface EvalReport {
  split: string;
  cutoffTs: number | null;
  trainEvents: number;
  testEvents: number;
  /** Source name (and 'merged', and 'oracle' with a truth) → metrics. */
  bySource: Record<string, MetricsReport>;
  notes: string[];
  /** What the oracle row ranks, when there is one. */
  oracle?: string;
  /** With rankers: each stage's NDCG lift over the previous one, paired per request (`stage:*` and `search:*` chains). */
  lifts?: StageLift[];
}

const INTEREST = new Set(['click', 'booking', 'rating']);
const SOURCES = ['popular', 'covisitation', 'two-tower'] as const;

interface TestUser { relevant: Set<ItemId>; seen: Set<ItemId>; destination?: string; checkin?: string }

export async function evaluate(store: Store, o: EvalOptions): Promise<EvalReport> {
  if (!(o.fraction > 0 && o.fraction < 1)) throw new InvalidInputError(`eval: the held-out fraction must be in (0, 1), got ${o.fraction}`);
  const range = await store.timeRange();
  if (range === null) throw new InvalidInputError('eval: the store holds no interactions; import or generate data first');
  const cutoff = o.split === 'time' ? range.maxTs - o.fraction * (range.maxTs - range.minTs) : null;
  const isTest = (e: Interaction): boolean => (cutoff === null ? hashUnit(e.eventId, o.seed) < o.fraction : e.ts >= cutoff);
  const { users, testEvents } = await collectTestUsers(store, cutoff, isTest, o);
  const trainOnly = (): AsyncIterable<Interaction[]> => scanWhere(store, cutoff === null ? {} : { toTs: cutoff }, (e) => !isTest(e));
  const ranking = o.ranking === false ? false : {
    store, ...o.ranking, ...(cutoff === null ? {} : { untilTs: cutoff }), include: (e: Interaction) => !isTest(e),
  };
  const trained = await trainStages({ items: () => store.scanItems(), users: () => store.scanUsers(), interactions: trainOnly }, o.indexes, {
    twoTower: o.twoTower ?? {}, ranking, onProgress: (n) => o.onProgress?.('train', n), ...(o.log === undefined ? {} : { log: o.log }),
  });
  const notes = [...trained.notes];
  try {
    const replay = trained.ranking;
    const built = await evalEngine(store, trained.models, replay?.features, trainOnly, users, cutoff ?? range.maxTs, o);
    const { bySource, lifts } = await score(built, users, o);
    if (built.engine.hasRankers && replay !== undefined) {
      // After the per-user scoring: the session replay moves the engine's state forward through the test events.
      const searches = await scoreSearches(built, replay.setClock, store, cutoff, isTest, o);
      Object.assign(bySource, searches.bySource);
      lifts.push(...searches.lifts);
      if (built.positionBias !== undefined) notes.push(positionBiasNote(built.positionBias));
      notes.push(`search:<stage> rows = session replay of ${searches.groups.toLocaleString('en-US')} held-out searches with a click or booking within 7 days: each stage's order of the request's candidates, built at the search's time (relevant = candidates the user then clicked or booked)`);
    }
    const report: EvalReport = { bySource, split: o.split, cutoffTs: cutoff, trainEvents: trained.trainedOn.interactions, testEvents, notes };
    if (lifts.length > 0) report.lifts = lifts;
    if (built.oracle !== undefined) report.oracle = `${ORACLE_DESCRIPTION}; ${built.oracle.size.toLocaleString('en-US')} items without a destination`;
    return report;
  } finally {
    await trained.cleanup();
  }
}

/**
 * The merge options of the evaluation: the serving defaults (or the given ones), with every
 * source's quota raised to the largest cut-off so that Recall@k measures the source, not its quota.
 */
function evalCandidateOptions(o: EvalOptions, given: Partial<CandidateOptions> | undefined): CandidateOptions {
  const d = DEFAULT_CANDIDATE_OPTIONS;
  const base = { ...d, ...given, quotas: { ...d.quotas, ...given?.quotas }, weights: { ...d.weights, ...given?.weights } };
  const k = Math.max(...o.ks);
  return { ...base, quotas: Object.fromEntries(Object.entries(base.quotas).map(([s, q]) => [s, Math.max(q, k)])) };
}

/** Held-out interest items per user, then a reproducible sample of at most `maxUsers` users. */
async function collectTestUsers(store: Store, cutoff: number | null, isTest: (e: Interaction) => boolean, o: EvalOptions): Promise<{ users: Map<UserId, TestUser>; testEvents: number }> {
  const all = new Map<UserId, TestUser>();
  let testEvents = 0;
  for await (const batch of store.scanInteractions(cutoff === null ? {} : { fromTs: cutoff })) {
    for (const e of batch) {
      if (!isTest(e)) continue;
      testEvents++;
      let u = all.get(e.userId);
      if (u === undefined) all.set(e.userId, (u = { relevant: new Set(), seen: new Set() }));
      if (INTEREST.has(e.type)) u.relevant.add(e.itemId);
      if (o.useContext && u.destination === undefined && typeof e.context['destination'] === 'string') {
        u.destination = e.context['destination'];
        if (typeof e.context['checkin'] === 'string') u.checkin = e.context['checkin'];
      }
    }
    o.onProgress?.('test', testEvents);
  }
  for (const [id, u] of all) if (u.relevant.size === 0) all.delete(id);
  if (o.maxUsers === 0 || all.size <= o.maxUsers) return { users: all, testEvents };
  const chosen = [...all.keys()].sort((a, b) => hashUnit(a, o.seed) - hashUnit(b, o.seed)).slice(0, o.maxUsers);
  return { users: new Map(chosen.map((id) => [id, all.get(id) as TestUser])), testEvents };
}

/** Serving state as of the cut-off: catalog, blocks, train bookings and recent activity. */
interface EvalEngine {
  engine: Engine;
  /** Moves the engines' clock (the session replay); starts at the cut-off. */
  setClock: (ts: number) => void;
  features?: FeatureStore | undefined;
  /** Engines over the same models and state with other merge settings (`mergeVariants`). */
  variants: Map<string, Engine>;
  catalogSize: number;
  filters: FilterState;
  /** The rules stage's item similarity (city, chain, stars and price band), for intra-list diversity. */
  similarity: (a: ItemId, b: ItemId) => number;
  catalog: ServingCatalog;
  now: number;
  oracle?: UtilityOracle | undefined;
  /** Examination by position estimated from the training window's impressions and clicks (debiased NDCG). */
  positionBias?: PositionBias | undefined;
}

async function evalEngine(store: Store, trained: Omit<EngineModels, 'version'>, features: FeatureStore | undefined, train: () => AsyncIterable<Interaction[]>,
  users: Map<UserId, TestUser>, now: number, o: EvalOptions): Promise<EvalEngine> {
  const truth = o.truth;
  const allItems: Item[] = [];
  let catalogSize = 0;
  const { catalog, filters, recent } = await loadCatalogState(store, undefined, (items) => {
    catalogSize += items.filter((i) => i.kind !== 'city' && i.status === 'active').length;
    if (truth !== undefined) allItems.push(...items);
  });
  // Only the session replay of the ranking stages uses the position bias (debiased NDCG).
  const bias = o.ranking === false ? undefined : new PositionBiasEstimator();
  for await (const batch of train()) {
    for (const e of batch) {
      bias?.add(e);
      if (e.type === 'booking') filters.onEvent(e);
      recent.add(e);
      const u = users.get(e.userId);
      if (u !== undefined && e.type !== 'search') u.seen.add(e.itemId);
    }
  }
  const models: EngineModels = { version: 'eval', ...trained };
  let t = now;
  // recordServedAsShown false: scoring never changes the state, so the engines can share it.
  const make = (candidates: CandidateOptions): Engine => new Engine(
    { store, clock: () => t, recordServedAsShown: false, features, rules: o.rules, pipeline: { ...DEFAULT_PIPELINE_OPTIONS, candidates } }, models, { catalog, filters, recent },
  );
  const variants = new Map(Object.entries(o.mergeVariants ?? {}).map(([name, c]) => [name, make(evalCandidateOptions(o, { ...o.candidates, ...c }))]));
  const similarity = (a: ItemId, b: ItemId): number => itemSimilarity(catalog.item(a), catalog.item(b));
  return {
    engine: make(evalCandidateOptions(o, o.candidates)), setClock: (ts) => { t = ts; }, features, variants, catalogSize, filters, similarity, catalog, now,
    oracle: truth === undefined ? undefined : new UtilityOracle(truth, allItems), positionBias: bias?.estimate(),
  };
}

async function score(e: EvalEngine, users: Map<UserId, TestUser>, o: EvalOptions): Promise<{ bySource: Record<string, MetricsReport>; lifts: StageLift[] }> {
  const { engine, catalogSize } = e;
  const k = Math.max(...o.ks);
  const lifts = new StageLiftAccumulator(STAGES.map(([, name]) => `stage:${name}`), o.ks[0]!, e.similarity);
  const acc = new Map<string, MetricsAccumulator>();
  const add = (name: string, list: readonly ItemId[], relevant: ReadonlySet<ItemId>): void => {
    let a = acc.get(name);
    if (a === undefined) acc.set(name, (a = new MetricsAccumulator(o.ks, catalogSize)));
    a.add(list, relevant);
  };
  let n = 0;
  for (const [userId, u] of users) {
    // Relevant = items new to the user; what the user already interacted with is excluded from the lists too.
    const relevant = new Set([...u.relevant].filter((i) => !u.seen.has(i)));
    const input = { userId, k, exclude: [...u.seen], destination: u.destination, checkin: u.checkin };
    const bySource = engine.recommendBySource(input);
    // A source with nothing to say for this user (no recent items for co-visitation) scores an empty list.
    for (const source of SOURCES) if (source !== 'two-tower' || engine.hasTwoTower) add(source, bySource[source] ?? [], relevant);
    if (engine.hasRankers) {
      // Each stage's order (top k) on the same request: the lift of rank, re-rank and rules over the candidate order.
      const byStage = await engine.recommendByStage(input, Infinity);
      const orders = STAGES.map(([stage]) => (byStage[stage] ?? []).slice(0, k));
      STAGES.forEach(([, name], i) => add(`stage:${name}`, orders[i]!, relevant));
      lifts.add(orders, relevant, { trueGains: o.truth === undefined ? undefined : trueGains(o.truth, e.catalog, userId, byStage['filter'] ?? []) });
    }
    add('merged', (await engine.recommend(input)).items.map((i) => i.itemId), relevant);
    for (const [name, v] of e.variants) add(`merged:${name}`, (await v.recommend(input)).items.map((i) => i.itemId), relevant);
    const oracle = e.oracle?.rank({ userId, k, destination: u.destination, exclude: u.seen, allowed: (id) => e.filters.isAllowed(userId, id, e.now) });
    if (oracle !== undefined) add('oracle', oracle, relevant);
    if (++n % 500 === 0) o.onProgress?.('score', n);
  }
  return { bySource: Object.fromEntries([...acc].map(([name, a]) => [name, a.result()])), lifts: engine.hasRankers ? lifts.result() : [] };
}

/**
 * The generator's hidden click probability (once examined) of each candidate for the user, in the list a
 * stage serves: a candidate's true utility, less the generator's redundancy penalty for the hotel above
 * it that resembles it most (chain, stars, price, as the session simulator sees them in the catalog).
 * The noise-free relevance the logged clicks are samples of, and what a simulated user would click in
 * each stage's own list. Candidates the truth does not know gain 0.
 */
function trueGains(truth: HiddenTruth, catalog: ServingCatalog, userId: UserId, itemIds: readonly ItemId[]): ListGains | undefined {
  const u = truth.userIndex(userId);
  if (u < 0) return undefined;
  const utility = new Map<ItemId, number>();
  for (const id of itemIds) {
    const i = truth.itemIndex(id);
    if (i >= 0) utility.set(id, truth.utility(u, i));
  }
  const alone = new Map([...utility].map(([id, v]) => [id, examinedClickProbability(v)] as const));
  const inContext = (id: ItemId, above: readonly ItemId[]): number => {
    const v = utility.get(id);
    if (v === undefined) return 0;
    const a = catalog.item(id);
    let most = 0;
    for (const other of above) {
      const b = catalog.item(other);
      // A missing attribute (NaN) never looks alike.
      if (a !== undefined && b !== undefined) most = Math.max(most, resemblance(a.chain !== null && a.chain === b.chain, a.stars ?? NaN, b.stars ?? NaN, a.price ?? NaN, b.price ?? NaN));
    }
    return examinedClickProbability(v, most);
  };
  return { alone, inContext };
}

/** The displayed items the user clicked or booked in the search's session, each weighted by 1 / examination of its logged position. */
function debiasedGains(g: RankingGroup, bias: PositionBias): Map<ItemId, number> {
  const gains = new Map<ItemId, number>();
  g.shown?.forEach((id, i) => { if (g.sessionClicks?.has(id) === true) gains.set(id, clickWeight(bias, g.shownPositions?.[i] ?? i + 1)); });
  return gains;
}

function positionBiasNote(b: PositionBias): string {
  const at = [1, 2, 3, 5, 10, 15, 20, 25].filter((p) => p <= b.examination.length);
  return `position bias (position-based click model, EM over ${b.impressions.toLocaleString('en-US')} training-window impressions, ${b.clicks.toLocaleString('en-US')} clicked): examination relative to position 1 — `
    + at.map((p) => `${p}: ${b.examination[p - 1]!.toFixed(2)}`).join(', ');
}

/** Pipeline stages whose order is scored, and their names in the report (`stage:*`, `search:*`). */
const STAGES: readonly (readonly [string, string])[] = [['filter', 'candidates'], ['rank', 'rank'], ['rerank', 'rerank'], ['rules', 'rules']];

/**
 * The ranking stages on held-out searches: replay the test events in time order through the engine
 * (ranking/replay.ts, as the rankers' training does); at each search, every stage's order of the
 * request's candidates is recorded, and the user's clicks and bookings in the next 7 days make the
 * relevant set.
 */
async function scoreSearches(e: EvalEngine, setFeatureClock: (ts: number) => void, store: Store, cutoff: number | null, isTest: (ev: Interaction) => boolean, o: EvalOptions): Promise<{ bySource: Record<string, MetricsReport>; lifts: StageLift[]; groups: number }> {
  const groups = await replayForRanking(e.engine, e.features, scanWhere(store, cutoff === null ? {} : { fromTs: cutoff }, isTest), {
    stageOrders: true, horizonMs: 7 * 86_400_000, maxGroups: o.maxUsers === 0 ? 20_000 : o.maxUsers,
    setClock: (ts) => { e.setClock(ts); setFeatureClock(ts); }, onProgress: (n) => o.onProgress?.('search replay', n),
  });
  const acc = new Map(STAGES.map(([, name]) => [`search:${name}`, new MetricsAccumulator(o.ks, e.catalogSize)]));
  const k = o.ks[0]!;
  const lifts = new StageLiftAccumulator(STAGES.map(([, name]) => `search:${name}`), k, e.similarity);
  // The rules stage again at each other diversity λ, on the same re-ranked items: what each λ buys and costs.
  const rules = o.rules ?? DEFAULT_RULES;
  const sweep = (o.diversityLambdas ?? []).map((lambda) => ({
    rules: { ...rules, diversityLambda: lambda }, lifts: new StageLiftAccumulator(['search:rerank', `search:rules λ=${lambda}`], k, e.similarity),
  }));
  const attrs = (id: ItemId): ReturnType<ServingCatalog['item']> => e.catalog.item(id);
  for (const g of groups) {
    const relevant = new Set(g.itemIds.filter((_, i) => g.labels[i]! > 0));
    const grades = new Map(g.itemIds.map((id, i) => [id, g.labels[i]!] as const).filter(([, l]) => l > 0));
    for (const [stage, name] of STAGES) acc.get(`search:${name}`)?.add(g.byStage?.[stage] ?? [], relevant);
    const extras = {
      grades, trueGains: o.truth === undefined ? undefined : trueGains(o.truth, e.catalog, g.userId, g.itemIds), shown: new Set(g.shown ?? []),
      debiased: e.positionBias === undefined ? undefined : debiasedGains(g, e.positionBias),
    };
    lifts.add(STAGES.map(([stage]) => g.byStage?.[stage] ?? []), relevant, extras);
    for (const s of sweep) {
      const items = (g.reranked ?? []).map((i) => ({ ...i, reasons: [...i.reasons] }));
      s.lifts.add([g.byStage?.['rerank'] ?? [], applyRules(items, k, s.rules, attrs).map((i) => i.itemId)], relevant, extras);
    }
  }
  return { bySource: Object.fromEntries([...acc].map(([name, a]) => [name, a.result()])), lifts: [...lifts.result(), ...sweep.flatMap((s) => s.lifts.result())], groups: groups.length };
}
