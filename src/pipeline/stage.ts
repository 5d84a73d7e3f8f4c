/**
 * @module pipeline/stage
 * The stage contract of the serving pipeline and the runner that gives every stage a time budget,
 * a fallback and a latency measurement. Stages are data in, data out; they never throw for
 * expected cases (an empty list is data). A thrown error, a timeout or an empty result where
 * items are required triggers the stage's fallback, and the response says so.
 */
import type { Candidate } from '../domain/candidate.ts';
import type { ItemId, UserId } from '../domain/types.ts';
import type { Season } from '../models/popularity/popularity.ts';

/** A candidate as it moves through the stages. */
export interface PipelineItem extends Candidate {
  /** The score the current order is based on (source score, then ranker score…). */
  finalScore: number;
  /** The stage (or `fallback:<stage>`) that produced the current position of this item. */
  stage: string;
  /** The rank stage's feature row (ranking/ranking-features.ts), kept for re-ranking and explanations. */
  rankRow?: Float32Array;
  /** The rank stage's raw GBDT score. */
  rankScore?: number;
}

/** Everything a stage may read about the request. */
export interface RequestContext {
  userId: UserId;
  k: number;
  /** Known user (has a profile or history) or cold start. */
  known: boolean;
  country: string | null;
  device: string | null;
  destination: string | null;
  checkin: string | null;
  checkout: string | null;
  /** Travel season: from the check-in date when given, else from the request time. */
  season: Season;
  /** Items never to return for this request. */
  exclude: ReadonlySet<ItemId>;
  /** The user's recent items, newest first, with interest weights. */
  recent: readonly { itemId: ItemId; weight: number }[];
  /** The user's recent interest events' items, newest first, repeats kept (the two-tower's history input). */
  recentItems: readonly ItemId[];
  /**
   * Candidate sources that failed during this request (written by the candidate stage, which
   * then serves from the other sources); the response lists them as fallbacks.
   */
  degraded: { source: string; reason: string }[];
  /** UTC ms at request time (from the injected clock). */
  now: number;
}

export interface Stage {
  readonly name: string;
  /** Time budget in ms; an async stage is abandoned when it runs over, a sync one is measured. */
  readonly budgetMs: number;
  run(items: PipelineItem[], ctx: RequestContext): PipelineItem[] | Promise<PipelineItem[]>;
  /** What to return when `run` fails or times out; by default the input passes through. */
  fallback?(items: PipelineItem[], ctx: RequestContext): PipelineItem[];
  /** When true, an empty result from `run` is treated as a failure (candidate generation). */
  readonly requireItems?: boolean;
}

export interface StageOutcome {
  items: PipelineItem[];
  ms: number;
  /** Why the fallback ran: 'error', 'timeout' or 'empty'; undefined when it did not. */
  fallback?: 'error' | 'timeout' | 'empty';
  error?: unknown;
}

/** Run one stage within its budget; on error, timeout or required-but-empty, use its fallback. */
export async function runStage(stage: Stage, items: PipelineItem[], ctx: RequestContext): Promise<StageOutcome> {
  const started = performance.now();
  const done = (out: Omit<StageOutcome, 'ms'>): StageOutcome => ({ ...out, ms: performance.now() - started });
  const fallback = (reason: 'error' | 'timeout' | 'empty', error?: unknown): StageOutcome => {
    const fb = stage.fallback === undefined ? items : stage.fallback(items, ctx).map((i) => ({ ...i, stage: `fallback:${stage.name}` }));
    return done({ items: fb, fallback: reason, ...(error === undefined ? {} : { error }) });
  };
  let result: PipelineItem[];
  try {
    const r = stage.run(items, ctx);
    result = r instanceof Promise ? await withTimeout(r, stage.budgetMs) : r;
  } catch (err) {
    return fallback(err instanceof StageTimeout ? 'timeout' : 'error', err);
  }
  if (stage.requireItems === true && result.length === 0) return fallback('empty');
  return done({ items: result });
}

class StageTimeout extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new StageTimeout(`over ${ms} ms`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
