/**
 * @module ranking/replay
 * Training data for the rankers, made by replaying the event log through the serving engine: at each
 * search, the engine builds the request's filtered candidates and their feature rows exactly as it
 * would serve them at that moment (same stages, same feature assembly, the feature store as of then),
 * and the user's clicks and bookings in the following hours label them (booking 2, click 1, else 0).
 * The impressions the log shows in the search's session are kept with the request, in their logged order:
 * the list the user actually saw, which the re-ranker's list-wise columns describe in training.
 * Every event is then applied to the engine and the feature store, in time order, so that no row ever
 * sees its own future. Groups without a positive label are dropped (they teach a ranker nothing).
 */
import type { Interaction, UserId } from '../domain/types.ts';
import type { FeatureStore } from '../features/feature-store.ts';
import type { Engine } from '../pipeline/engine.ts';
import type { PipelineItem } from '../pipeline/stage.ts';
import type { RecentItems } from './rankers.ts';
import { RANK_FEATURE_COUNT } from './ranking-features.ts';

/** One replayed request: its candidates' rank rows (row-major) and labels, in candidate order. */
export interface RankingGroup {
  ts: number;
  userId: UserId;
  itemIds: string[];
  rows: Float32Array;
  labels: Float32Array;
  /** The request's recent items (what the re-rank columns compare with). */
  recent?: RecentItems;
  /** The search's session, when the log names one. */
  sessionId?: string | undefined;
  /** The items the log showed in that session (impressions), in their logged order (by position when given). */
  shown?: string[];
  /** With `shown`: each one's logged 1-based position (its place in `shown` when the log gives none). */
  shownPositions?: number[];
  /** Items the user clicked or booked in the same session after this search (its latest search). */
  sessionClicks?: Set<string>;
  /** With `stageOrders`: each stage's full order of the candidates (evaluation). */
  byStage?: Record<string, string[]>;
  /** With `stageOrders`: the re-rank stage's top items with their scores (what the rules stage starts from). */
  reranked?: PipelineItem[];
}

export interface ReplayOptions {
  /** Clicks and bookings within this long after the search label its candidates (default 1 day). */
  horizonMs?: number;
  /** Candidates asked for per request, as a serving request's k (default 10). */
  k?: number;
  /** Stop collecting after this many labelled groups (default 20,000); events are still applied. */
  maxGroups?: number;
  /** Sets the engine's and the feature store's clock. */
  setClock: (ts: number) => void;
  onProgress?: (events: number, groups: number) => void;
  /**
   * Exclude what the user already saw or acted on (since the replay began) from the request, as
   * `wayfarer recommend` and the evaluation do: the rankers learn to order what is new to the user
   * (default true).
   */
  excludeSeen?: boolean;
  /**
   * Instead of feature rows, record each stage's order of the request (candidates → rank → rerank →
   * rules): the session-replay evaluation of the ranking stages.
   */
  stageOrders?: boolean;
}

const LABEL: Readonly<Record<string, number>> = { click: 1, rating: 1, booking: 2 };

/**
 * Replay `events` (time-ordered batches) through `engine` and `features`, collecting labelled groups.
 * The engine and the feature store end in the state of the last event (what serving continues from).
 */
export async function replayForRanking(engine: Engine, features: FeatureStore | undefined, events: AsyncIterable<Interaction[]>, o: ReplayOptions): Promise<RankingGroup[]> {
  const horizon = o.horizonMs ?? 86_400_000;
  const maxGroups = o.maxGroups ?? 20_000;
  const done: RankingGroup[] = [];
  const open = new Map<UserId, RankingGroup[]>();
  let openCount = 0;
  let pending: Interaction[] = [];
  let seen = 0;
  const flushFeatures = async (ts: number): Promise<void> => {
    if (features === undefined || pending.length === 0) return;
    o.setClock(ts);
    await features.applyEvents(pending);
    pending = [];
  };
  // Impressions of each open group's session (first showing of each item), ordered into `shown` at close.
  const impressions = new Map<RankingGroup, { itemId: string; pos: number }[]>();
  const close = (g: RankingGroup): void => {
    const shown = impressions.get(g);
    if (shown !== undefined) {
      impressions.delete(g);
      shown.sort((a, b) => a.pos - b.pos);
      g.shown = shown.map((x) => x.itemId);
      g.shownPositions = shown.map((x, i) => (Number.isFinite(x.pos) ? x.pos : i + 1));
    }
    if (g.labels.some((l) => l > 0) && done.length < maxGroups) done.push(g);
  };
  const expire = (now: number): void => {
    if (openCount === 0) return;
    for (const [user, groups] of open) {
      const keep = groups.filter((g) => { if (now - g.ts <= horizon) return true; close(g); openCount--; return false; });
      if (keep.length === 0) open.delete(user); else open.set(user, keep);
    }
  };
  /** The open group of the event's session's latest search: the one its impressions and clicks answer. */
  const latestSearchOf = (e: Interaction): RankingGroup | undefined => (e.sessionId == null ? undefined : open.get(e.userId)?.findLast((g) => g.sessionId === e.sessionId));
  let lastExpire = -Infinity;
  const seenBy = new Map<UserId, Set<string>>();
  const excludeSeen = o.excludeSeen ?? true;
  for await (const batch of events) {
    for (const e of batch) {
      if (e.ts - lastExpire > horizon / 4) { expire(e.ts); lastExpire = e.ts; }
      const label = LABEL[e.type];
      if (label !== undefined) {
        for (const g of open.get(e.userId) ?? []) {
          const at = g.itemIds.indexOf(e.itemId);
          // Open groups are closed every horizon/4: the exact window is checked here.
          if (at >= 0 && e.ts > g.ts && e.ts - g.ts <= horizon) g.labels[at] = Math.max(g.labels[at]!, label);
        }
        const g = e.type === 'rating' ? undefined : latestSearchOf(e);
        if (g !== undefined && e.ts > g.ts) (g.sessionClicks ??= new Set()).add(e.itemId);
      }
      if (e.type === 'impression') {
        const g = latestSearchOf(e);
        if (g !== undefined) {
          let list = impressions.get(g);
          if (list === undefined) impressions.set(g, (list = []));
          // By logged position when given (a stable sort keeps arrival order among equals), else arrival order.
          if (!list.some((x) => x.itemId === e.itemId)) list.push({ itemId: e.itemId, pos: typeof e.value === 'number' && Number.isFinite(e.value) ? e.value : Infinity });
        }
      }
      if (e.type === 'search' && done.length + openCount < maxGroups) {
        await flushFeatures(e.ts);
        o.setClock(e.ts);
        const group = await requestAt(engine, e, o.k ?? 10, excludeSeen ? seenBy.get(e.userId) : undefined, o.stageOrders ?? false);
        if (group !== undefined) {
          const list = open.get(e.userId) ?? [];
          list.push(group);
          open.set(e.userId, list);
          openCount++;
        }
      }
      if (excludeSeen && e.type !== 'search') {
        const seen = seenBy.get(e.userId);
        if (seen === undefined) seenBy.set(e.userId, new Set([e.itemId])); else seen.add(e.itemId);
      }
      engine.applyLive([e]);
      pending.push(e);
      if (pending.length >= 2000) await flushFeatures(e.ts);
    }
    seen += batch.length;
    o.onProgress?.(seen, done.length + openCount);
  }
  const last = pending.at(-1)?.ts;
  if (last !== undefined) await flushFeatures(last);
  for (const groups of open.values()) for (const g of groups) close(g);
  return done.sort((a, b) => a.ts - b.ts);
}

/** Re-ranked items kept per evaluated request: the pool the rules stage picks a top k from. */
const RERANKED_KEPT = 100;

/** The serving request a search stands for: the user, the searched destination and dates. */
async function requestAt(engine: Engine, e: Interaction, k: number, seen: ReadonlySet<string> | undefined, stageOrders: boolean): Promise<RankingGroup | undefined> {
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const destination = str(e.context['destination']) ?? e.itemId;
  const input = {
    userId: e.userId, k, destination, exclude: seen === undefined ? undefined : [...seen], checkin: str(e.context['checkin']), checkout: str(e.context['checkout']), device: str(e.context['device']),
  };
  if (stageOrders) {
    const stages = await engine.itemsByStage(input);
    const byStage = Object.fromEntries(Object.entries(stages).map(([stage, items]) => [stage, items.map((i) => i.itemId)]));
    const itemIds = byStage['filter'] ?? [];
    if (itemIds.length < 2) return undefined;
    // Without the rank row: it views the request's whole feature buffer, which would stay alive with it.
    const reranked = (stages['rerank'] ?? []).slice(0, RERANKED_KEPT).map(({ rankRow: _row, ...i }) => i);
    return { ts: e.ts, userId: e.userId, itemIds, rows: new Float32Array(0), labels: new Float32Array(itemIds.length), byStage, reranked, sessionId: e.sessionId ?? undefined };
  }
  const { items, rows, ctx } = await engine.rankingInputs(input);
  if (items.length < 2) return undefined;
  if (rows.length !== items.length * RANK_FEATURE_COUNT) throw new Error('ranking replay: feature rows do not match the candidates');
  return { ts: e.ts, userId: e.userId, itemIds: items.map((i) => i.itemId), rows, labels: new Float32Array(items.length), recent: ctx.recent, sessionId: e.sessionId ?? undefined };
}
