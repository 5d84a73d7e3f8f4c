/**
 * @module pipeline/candidates
 * Stage 1: candidate generation. Each source (two-tower ANN, co-visitation of recent items,
 * popularity in context) proposes up to its quota; a failing source is skipped and reported, the
 * others still serve. The merge keeps every source's score (features for the rankers) and orders
 * by weighted reciprocal-rank fusion.
 */
import type { Candidate, Reason } from '../domain/candidate.ts';
import type { ItemId } from '../domain/types.ts';
import type { PopularityModel } from '../models/popularity/popularity.ts';
import type { CovisitationModel } from '../models/covisitation/covisitation.ts';
import type { ServingCatalog } from './catalog.ts';
import type { PipelineItem, RequestContext } from './stage.ts';
import { TWO_TOWER_SOURCE, type TwoTowerSource } from './two-tower-source.ts';

export interface CandidateModels {
  popularity: PopularityModel;
  covisitation: CovisitationModel;
  catalog: ServingCatalog;
  /** The two-tower source, when the promoted version has one. */
  twoTower?: TwoTowerSource | undefined;
}

export interface CandidateOptions {
  /** Most candidates asked of each source. */
  quotas: Record<string, number>;
  /**
   * Candidates asked per requested item (k × perK, at least `minPerSource`, at most the quota):
   * while rank and re-rank pass the order through, fetching hundreds for k = 10 is wasted work.
   */
  perK: number;
  minPerSource: number;
  /** Fusion weight of each source (higher = more trusted). */
  weights: Record<string, number>;
  /** Reciprocal-rank-fusion constant: score = Σ weight / (rrfK + rank). */
  rrfK: number;
}

export const DEFAULT_CANDIDATE_OPTIONS: CandidateOptions = {
  quotas: { [TWO_TOWER_SOURCE]: 200, covisitation: 200, popular: 200 },
  perK: 4,
  minPerSource: 40,
  weights: { [TWO_TOWER_SOURCE]: 1, covisitation: 0.5, popular: 1 },
  rrfK: 20,
};

/** One source's ranked proposals. */
export interface SourceList {
  source: string;
  items: Candidate[];
}

/**
 * Run what a source must compute asynchronously before `querySources` (the user tower of imported
 * ONNX towers). Undefined when there is nothing to wait for, so that the in-process path stays
 * synchronous; never rejects (a failure surfaces in `querySources` as that source's error).
 */
export function prepareSources(ctx: RequestContext, m: CandidateModels): Promise<void> | undefined {
  return m.twoTower?.prepare(ctx);
}

/** Ask every applicable source for its candidates (after `prepareSources`). */
export function querySources(ctx: RequestContext, m: CandidateModels, opts: CandidateOptions): SourceList[] {
  // Only catalog items are served: events may name items the catalog has not received yet.
  const skip = (id: ItemId): boolean => ctx.exclude.has(id) || m.catalog.item(id) === undefined
    || (ctx.destination !== null && !m.catalog.inDestination(id, ctx.destination));
  const quota = (source: string): number => Math.min(opts.quotas[source] ?? 0, Math.max(opts.minPerSource, ctx.k * opts.perK));
  const lists: SourceList[] = [];
  // A failing optional source (the ANN index, a model file) must not take the request down.
  const attempt = (source: string, run: () => Candidate[]): void => {
    try {
      lists.push({ source, items: run() });
    } catch (err) {
      ctx.degraded.push({ source, reason: err instanceof Error ? `error: ${err.message}` : 'error' });
    }
  };
  const tt = m.twoTower;
  if (tt !== undefined) {
    const inDestination = ctx.destination === null ? undefined : m.catalog.destinationItems(ctx.destination);
    attempt(TWO_TOWER_SOURCE, () => tt.query(ctx, quota(TWO_TOWER_SOURCE), skip, inDestination));
  }
  if (ctx.recent.length > 0) attempt('covisitation', () => m.covisitation.query(ctx.recent, quota('covisitation'), skip));
  const popular = m.popularity.query({ country: ctx.country, destination: ctx.destination, season: ctx.season }, quota('popular'), skip);
  lists.push({ source: 'popular', items: ctx.known ? popular : popular.map(asColdStart) });
  return lists;
}

const COLD_START: Reason = { kind: 'cold-start' };
const asColdStart = (c: Candidate): Candidate => { c.reasons.push(COLD_START); return c; };

/** Merge source lists: dedupe, keep all source scores and reasons, order by weighted RRF. */
export function mergeSources(lists: readonly SourceList[], opts: CandidateOptions): PipelineItem[] {
  const merged = new Map<ItemId, PipelineItem>();
  const best = new Map<ItemId, number>();
  for (const { source, items } of lists) {
    const w = opts.weights[source] ?? 0.5;
    for (let rank = 0; rank < items.length; rank++) {
      const c = items[rank] as Candidate;
      const contribution = w / (opts.rrfK + rank + 1);
      const m = merged.get(c.itemId);
      if (m === undefined) {
        // Sources build fresh candidates per query, so their objects can be reused without copying.
        merged.set(c.itemId, { itemId: c.itemId, source: c.source, score: c.score, sourceScores: c.sourceScores, reasons: c.reasons, finalScore: contribution, stage: 'candidates' });
        best.set(c.itemId, contribution);
        continue;
      }
      Object.assign(m.sourceScores, c.sourceScores);
      m.reasons.push(...c.reasons);
      m.finalScore += contribution;
      if (contribution > (best.get(c.itemId) ?? 0)) { best.set(c.itemId, contribution); m.source = source; m.score = c.score; }
    }
  }
  return [...merged.values()].sort((a, b) => b.finalScore - a.finalScore || (a.itemId < b.itemId ? -1 : 1));
}
