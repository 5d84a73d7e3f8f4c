/**
 * @module training/train-ranking
 * The ranking stage of training. The candidate models are trained on events before T1 (the last
 * `fraction` of the time range is kept back); then the serving engine is rebuilt as of T1 with a fresh
 * in-memory feature store warmed up like serving's, and the events from T1 on are replayed through it
 * (ranking/replay.ts): each search yields the ranker's rows exactly as serving would have built them,
 * labelled by what the user clicked and booked next, while popularity, co-visitation, filters, recent
 * activity and the feature store move forward event by event. The rankers are fitted on those rows
 * (ranking/train-rankers.ts), and the candidate models that the replay brought up to date are the ones
 * registered, so serving continues exactly where the training rows were made.
 */
import type { Interaction } from '../domain/types.ts';
import type { Store } from '../ports/store.ts';
import { MemoryOnlineFeatures } from '../adapters/memory/memory-online-features.ts';
import { defaultFeatureDefinitions } from '../features/defaults.ts';
import { createFeatureStore, type FeatureStore } from '../features/feature-store.ts';
import { Engine, type EngineModels } from '../pipeline/engine.ts';
import { DEFAULT_WARMUP_DAYS, loadState, scanWhere } from '../pipeline/engine-load.ts';
import { catalogLookup, type ServingCatalog } from '../pipeline/catalog.ts';
import { replayForRanking, type RankingGroup } from '../ranking/replay.ts';
import { trainRankers, type TrainRankersOptions, type TrainRankersResult } from '../ranking/train-rankers.ts';

export interface RankingStageOptions extends TrainRankersOptions {
  /** The store the replay reads (events, catalog, blocks). */
  store: Store;
  /** Share of the time range replayed for the rankers (default 0.1). */
  fraction?: number;
  /** Days of events that warm up the replay's feature store (default: serving's, 14). */
  warmupDays?: number;
  /** At most this many labelled requests (default 20,000). */
  maxGroups?: number;
  /** Clicks and bookings this long after a search label its candidates (default 7 days: a trip's sessions). */
  horizonMs?: number;
  /** Only events before this (the evaluation's cut-off). */
  untilTs?: number;
  /** Only events this accepts (the evaluation's random split). */
  include?: (e: Interaction) => boolean;
  onProgress?: (events: number, groups: number) => void;
  /** Return the replayed groups too (benchmarks and experiments; they hold every feature row). */
  keepGroups?: boolean;
}

/** Where the time range is cut: candidate models learn from [min, t1), the rankers' replay covers [t1, end). */
export async function rankingCut(o: RankingStageOptions): Promise<number | undefined> {
  const range = await o.store.timeRange();
  if (range === null) return undefined;
  const end = Math.min(o.untilTs ?? Infinity, range.maxTs + 1);
  const t1 = end - (o.fraction ?? 0.1) * (end - range.minTs);
  return Number.isFinite(t1) && t1 > range.minTs ? Math.floor(t1) : undefined;
}

export interface RankingStageResult {
  result: TrainRankersResult;
  /** The replay's feature store, as of the last replayed event. */
  features: FeatureStore;
  /** Timestamp of the last replayed event (null: none). */
  lastTs: number | null;
  replayedEvents: number;
  /** Moves the feature store's clock (it reads and applies events as of this time). */
  setClock: (ts: number) => void;
  /** The labelled requests, with `keepGroups`. */
  groups?: RankingGroup[];
}

/** Replay [t1, end) through an engine over `models` (updated in place) and fit the rankers. */
export async function trainRankingStage(models: Omit<EngineModels, 'version' | 'rankers'>, t1: number, o: RankingStageOptions): Promise<RankingStageResult> {
  const log = o.log ?? (() => undefined);
  let now = t1;
  const clock = (): number => now;
  const scope = { untilTs: t1, ...(o.include === undefined ? {} : { include: o.include }) };
  let catalogRef: ServingCatalog | undefined;
  const features = createFeatureStore({
    online: new MemoryOnlineFeatures({ clock }), definitions: defaultFeatureDefinitions(), itemLookup: catalogLookup(() => catalogRef), clock,
  });
  const state = await loadState(o.store, t1, t1, {
    ...scope, log, features: withClockAtEvents(features, (ts) => { now = ts; }), warmupDays: o.warmupDays ?? DEFAULT_WARMUP_DAYS, catalogReady: (c) => { catalogRef = c; },
  }, models.twoTower);
  const engine = new Engine({ store: o.store, clock, recordServedAsShown: false, features }, { ...models, version: 'replay' }, state);
  const t0 = performance.now();
  let replayed = 0;
  let lastTs: number | null = null;
  const events = async function* (): AsyncIterable<Interaction[]> {
    for await (const kept of scanWhere(o.store, { fromTs: t1, ...(o.untilTs === undefined ? {} : { toTs: o.untilTs }) }, o.include)) {
      replayed += kept.length;
      if (kept.length > 0) lastTs = kept[kept.length - 1]!.ts;
      yield kept;
    }
  };
  const groups = await replayForRanking(engine, features, events(), {
    setClock: (ts) => { now = ts; }, horizonMs: o.horizonMs ?? 7 * 86_400_000, ...(o.maxGroups === undefined ? {} : { maxGroups: o.maxGroups }), ...(o.onProgress === undefined ? {} : { onProgress: o.onProgress }),
  });
  log(`rankers: replayed ${replayed.toLocaleString('en-US')} events from ${new Date(t1).toISOString().slice(0, 10)} in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${groups.length.toLocaleString('en-US')} labelled requests`);
  return { result: trainRankers(groups, { catalog: state.catalog, vectors: models.twoTower?.vectors }, o), features, lastTs, replayedEvents: replayed, setClock: (ts) => { now = ts; }, ...(o.keepGroups === true ? { groups } : {}) };
}

/** The feature store with its clock moved to each warm-up batch's last event before applying it. */
function withClockAtEvents(features: FeatureStore, setClock: (ts: number) => void): FeatureStore {
  return {
    ...features,
    applyEvents: (events) => {
      const last = events.at(-1);
      if (last !== undefined) setClock(last.ts);
      return features.applyEvents(events);
    },
  };
}
