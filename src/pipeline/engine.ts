/**
 * @module pipeline/engine
 * The serving engine: the loaded models plus live state (filters, recent activity, catalog),
 * answering recommendation requests through the stage list and applying events at once
 * (read-your-writes: an event changes the very next response).
 */
import type { Block, Interaction, Item, ItemId, UserId } from '../domain/types.ts';
import type { Store, AppendResult } from '../ports/store.ts';
import type { ServingMetrics } from '../api/metrics.ts';
import { seasonOf, type PopularityModel } from '../models/popularity/popularity.ts';
import type { CovisitationModel } from '../models/covisitation/covisitation.ts';
import type { FilterState } from './filter/filter-state.ts';
import type { RecentActivity } from './recent-activity.ts';
import type { ServingCatalog } from './catalog.ts';
import { describeReason } from './reasons.ts';
import { querySources, DEFAULT_CANDIDATE_OPTIONS, type CandidateModels } from './candidates.ts';
import { applyFilters } from './filter/filter-state.ts';
import { buildStages, retrievalStages, runPipeline, DEFAULT_PIPELINE_OPTIONS, type PipelineOptions, type PipelineRun } from './recommend.ts';
import type { PipelineItem, RequestContext, Stage } from './stage.ts';
import type { TwoTowerSource } from './two-tower-source.ts';
import type { FeatureStore } from '../features/feature-store.ts';
import { explain, rankRowsFor, type Rankers } from '../ranking/rankers.ts';
import { DEFAULT_RULES, type BusinessRules } from '../ranking/rules.ts';

export interface EngineModels {
  version: string;
  popularity: PopularityModel;
  covisitation: CovisitationModel;
  /** Absent when the version has no two-tower (too little data) or it could not be loaded. */
  twoTower?: TwoTowerSource | undefined;
  /** GBDT ranker and LambdaMART re-ranker; absent when the version has none (too little data). */
  rankers?: Rankers | undefined;
}

export interface EngineState {
  catalog: ServingCatalog;
  filters: FilterState;
  recent: RecentActivity;
}

export interface EngineDeps {
  store: Store;
  /** UTC ms; injected so that tests control time. */
  clock: () => number;
  metrics?: ServingMetrics | undefined;
  pipeline?: PipelineOptions;
  /** Count served items as shown to the user (feeds the "already shown" filter). Default true. */
  recordServedAsShown?: boolean;
  /**
   * The feature store: the rank stage reads it per request, and ingested events update it before
   * `ingest` resolves (the next request sees them).
   */
  features?: FeatureStore | undefined;
  /** Business rules and diversity of the last stage (default: none, relevance order). */
  rules?: BusinessRules | undefined;
}

export interface RecommendInput {
  userId: UserId;
  k: number;
  destination?: string | undefined;
  country?: string | undefined;
  device?: string | undefined;
  checkin?: string | undefined;
  checkout?: string | undefined;
  exclude?: readonly ItemId[] | undefined;
}

export interface RecommendedItem { itemId: ItemId; score: number; source: string; stage: string; reasons: string[] }

export interface RecommendResult {
  items: RecommendedItem[];
  modelVersion: string;
  fallbacks: { stage: string; reason: string }[];
  stages: { name: string; ms: number; out: number }[];
  tookMs: number;
}

export class Engine {
  private readonly stages: Stage[];
  private readonly retrieval: Stage[];
  private readonly sources: CandidateModels;

  constructor(private readonly deps: EngineDeps, private readonly models: EngineModels, private readonly state: EngineState) {
    this.sources = { popularity: models.popularity, covisitation: models.covisitation, catalog: state.catalog, twoTower: models.twoTower };
    const pipeline = deps.pipeline ?? DEFAULT_PIPELINE_OPTIONS;
    this.retrieval = retrievalStages(this.sources, state.filters, pipeline);
    this.stages = buildStages(this.sources, state.filters, { rankers: models.rankers, catalog: state.catalog, features: deps.features, rules: deps.rules ?? DEFAULT_RULES, vectors: models.twoTower?.vectors }, pipeline);
  }

  /** Whether the rank and re-rank stages have models. */
  get hasRankers(): boolean {
    return this.models.rankers !== undefined;
  }

  /** Whether candidates include the two-tower source. */
  get hasTwoTower(): boolean {
    return this.models.twoTower !== undefined;
  }

  get modelVersion(): string {
    return this.models.version;
  }

  async recommend(input: RecommendInput): Promise<RecommendResult> {
    const started = performance.now();
    const ctx = this.context(input);
    const run = await runPipeline(this.stages, ctx);
    const items = run.items.slice(0, input.k);
    if (items.length < input.k) items.push(...this.backfill(ctx, items, input.k - items.length));
    this.observe(run, ctx);
    if (this.deps.recordServedAsShown ?? true) this.recordShown(ctx, items);
    const nameOf = (id: string): string => this.state.catalog.displayName(id);
    const ranker = this.models.rankers?.ranker;
    return {
      items: items.map((i) => ({
        itemId: i.itemId, score: i.finalScore, source: i.source, stage: i.stage,
        reasons: [...new Set([...(ranker === undefined ? [] : explain(i, ranker)), ...i.reasons].map((r) => describeReason(r, nameOf)))].slice(0, 3),
      })),
      modelVersion: this.models.version,
      fallbacks: [
        ...ctx.degraded.map((d) => ({ stage: `candidates/${d.source}`, reason: d.reason })),
        ...run.outcomes.filter((o) => o.outcome.fallback !== undefined).map((o) => ({ stage: o.stage, reason: o.outcome.fallback as string })),
      ],
      stages: run.outcomes.map((o) => ({ name: o.stage, ms: round3(o.outcome.ms), out: o.outcome.items.length })),
      tookMs: round3(performance.now() - started),
    };
  }

  /**
   * The order after each stage (filter = candidate order, rank, rerank, rules), top `depth`: offline
   * evaluation of each stage's lift. Does not record the items as shown.
   */
  async recommendByStage(input: RecommendInput, depth = input.k): Promise<Record<string, ItemId[]>> {
    const items = await this.itemsByStage(input);
    return Object.fromEntries(Object.entries(items).map(([stage, list]) => [stage, list.slice(0, depth).map((i) => i.itemId)]));
  }

  /** Each stage's output items, with their scores (evaluation: re-running the rules stage with other settings). */
  async itemsByStage(input: RecommendInput): Promise<Record<string, readonly PipelineItem[]>> {
    const run = await runPipeline(this.stages, this.context(input));
    return Object.fromEntries(run.outcomes.map((o) => [o.stage, o.outcome.items]));
  }

  /**
   * The ranker's inputs for a request as serving would build them now: the filtered candidates in
   * candidate order and their feature rows (the rankers' training replays this).
   */
  async rankingInputs(input: RecommendInput): Promise<{ items: PipelineItem[]; rows: Float32Array; ctx: RequestContext }> {
    const ctx = this.context(input);
    const run = await runPipeline(this.retrieval, ctx);
    return { items: run.items, rows: await rankRowsFor(run.items, ctx, { catalog: this.state.catalog, features: this.deps.features }), ctx };
  }

  /** Each candidate source's own top-k after the filter stage (offline evaluation, debugging). */
  recommendBySource(input: RecommendInput): Record<string, ItemId[]> {
    const ctx = this.context(input);
    const out: Record<string, ItemId[]> = {};
    for (const list of querySources(ctx, this.sources, this.deps.pipeline?.candidates ?? DEFAULT_CANDIDATE_OPTIONS)) {
      const kept = applyFilters(list.items, { userId: ctx.userId, exclude: ctx.exclude, now: ctx.now }, this.state.filters).kept;
      out[list.source] = kept.slice(0, input.k).map((c) => c.itemId);
    }
    return out;
  }

  /** Items co-visited with `itemId`, or undefined when the item is unknown. */
  similar(itemId: ItemId, k: number): RecommendedItem[] | undefined {
    if (this.state.catalog.item(itemId) === undefined) return undefined;
    const nameOf = (id: string): string => this.state.catalog.displayName(id);
    return this.models.covisitation.similar(itemId, k * 2)
      .filter((c) => this.state.catalog.item(c.itemId) !== undefined && this.state.filters.isAllowed(null, c.itemId, this.deps.clock()))
      .slice(0, k)
      .map((c) => ({ itemId: c.itemId, score: c.score, source: c.source, stage: 'similar', reasons: c.reasons.map((r) => describeReason(r, nameOf)) }));
  }

  /**
   * Store events (idempotent by event id), apply the new ones to every in-memory structure, then to the
   * feature store (which deduplicates by event id itself); resolves once the online features have them.
   */
  async ingest(events: readonly Interaction[]): Promise<AppendResult> {
    const r = await this.deps.store.appendInteractions(events, { returnInsertedIds: true });
    const fresh: Interaction[] = [];
    for (const e of events) {
      const isNew = r.insertedIds?.has(e.eventId) ?? false;
      this.deps.metrics?.eventsIngested.inc({ type: e.type, outcome: isNew ? 'stored' : 'duplicate' });
      if (isNew) fresh.push(e);
    }
    this.applyLive(fresh);
    // Every event, duplicates included: the feature store drops what it already applied (by event id),
    // and a client retrying after a feature-store failure gets its stored events applied now.
    await this.deps.features?.applyEvents(events);
    return { inserted: r.inserted, duplicates: r.duplicates };
  }

  /**
   * Apply events (already stored) to the in-memory structures: co-visitation, popularity, filters and
   * recent activity. The feature store is not touched (see `ingest`).
   */
  applyLive(events: readonly Interaction[]): void {
    for (const e of events) this.apply(e);
  }

  /**
   * Add or update catalog items: stored, then servable (and filterable) on the next request. The
   * two-tower source embeds them with the item tower (features alone for an id it never saw) and
   * upserts them into its index, so they are retrievable without retraining.
   */
  async upsertItems(items: readonly Item[]): Promise<void> {
    await this.deps.store.upsertItems(items);
    this.state.catalog.addItems(items);
    this.state.filters.loadItems(items);
    await this.models.twoTower?.upsertItems(items);
  }

  /** Release the models' native resources (the ANN index). The engine must not be used afterwards. */
  close(): void {
    this.models.twoTower?.close();
  }

  /** Block items (globally when userId is null, or for one user); effective on the next request. */
  async addBlocks(blocks: readonly Block[]): Promise<void> {
    await this.deps.store.addBlocks(blocks);
    for (const b of blocks) this.state.filters.block(b.itemId, b.userId);
  }

  async removeBlocks(blocks: readonly Pick<Block, 'itemId' | 'userId'>[]): Promise<void> {
    await this.deps.store.removeBlocks(blocks);
    for (const b of blocks) this.state.filters.unblock(b.itemId, b.userId);
  }

  history(userId: UserId, limit: number): Promise<Interaction[]> {
    return this.deps.store.userHistory(userId, limit);
  }

  private apply(e: Interaction): void {
    const s = this.state;
    this.models.covisitation.update(s.recent.items(e.userId), e);
    this.models.popularity.update(e, s.catalog.user(e.userId)?.homeCountry ?? null);
    s.filters.onEvent(e);
    s.recent.add(e);
  }

  private context(input: RecommendInput): RequestContext {
    const now = this.deps.clock();
    const user = this.state.catalog.user(input.userId);
    const checkinTs = input.checkin === undefined ? NaN : Date.parse(input.checkin);
    return {
      userId: input.userId, k: input.k,
      known: user !== undefined || this.state.recent.has(input.userId),
      country: input.country ?? user?.homeCountry ?? null,
      device: input.device ?? user?.device ?? null,
      destination: input.destination ?? null,
      checkin: input.checkin ?? null, checkout: input.checkout ?? null,
      season: seasonOf(Number.isNaN(checkinTs) ? now : checkinTs),
      exclude: new Set(input.exclude ?? []),
      recent: this.state.recent.weighted(input.userId),
      recentItems: this.state.recent.items(input.userId).map((e) => e.itemId),
      degraded: [],
      now,
    };
  }

  /** Fill a short list with globally popular items that pass every filter. */
  private backfill(ctx: RequestContext, have: readonly PipelineItem[], n: number): PipelineItem[] {
    const taken = new Set(have.map((i) => i.itemId));
    const ok = (id: ItemId): boolean => !taken.has(id) && !ctx.exclude.has(id) && this.state.catalog.item(id) !== undefined
      && (ctx.destination === null || this.state.catalog.inDestination(id, ctx.destination))
      && this.state.filters.isAllowed(ctx.userId, id, ctx.now);
    return this.models.popularity.query({}, n, (id) => !ok(id)).map((c) => ({ ...c, finalScore: 0, stage: 'backfill' }));
  }

  private recordShown(ctx: RequestContext, items: readonly PipelineItem[]): void {
    for (const i of items) {
      this.state.filters.onEvent({ eventId: '', userId: ctx.userId, itemId: i.itemId, type: 'impression', value: null, ts: ctx.now, sessionId: null, context: {} });
    }
  }

  private observe(run: PipelineRun, ctx: RequestContext): void {
    const m = this.deps.metrics;
    if (m === undefined) return;
    for (const d of ctx.degraded) m.fallbacks.inc({ stage: `candidates/${d.source}`, reason: 'error' });
    for (const { stage, outcome } of run.outcomes) {
      m.stageLatency.observe({ stage }, outcome.ms / 1000);
      if (outcome.fallback !== undefined) m.fallbacks.inc({ stage, reason: outcome.fallback });
      if (stage === 'candidates') {
        const perSource = new Map<string, number>();
        for (const i of outcome.items) for (const s of Object.keys(i.sourceScores)) perSource.set(s, (perSource.get(s) ?? 0) + 1);
        for (const [source, n] of perSource) m.candidatesPerSource.observe({ source }, n);
      }
    }
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
