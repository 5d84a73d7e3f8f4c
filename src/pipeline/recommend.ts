/**
 * @module pipeline/recommend
 * The serving pipeline as an explicit list of stages — candidates → filter → rank → re-rank —
 * run in order, each within its budget and with its fallback (see stage.ts).
 */
import { applyFilters, type FilterState } from './filter/filter-state.ts';
import { DEFAULT_CANDIDATE_OPTIONS, mergeSources, prepareSources, querySources, type CandidateModels, type CandidateOptions } from './candidates.ts';
import { runStage, type PipelineItem, type RequestContext, type Stage, type StageOutcome } from './stage.ts';
import { rankingStages, type Rankers, type RankingStageDeps } from '../ranking/rankers.ts';

export interface PipelineOptions {
  candidates: CandidateOptions;
  /** Time budget per stage, ms. */
  budgetsMs: { candidates: number; filter: number; rank: number; rerank: number; rules: number };
}

export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = {
  candidates: DEFAULT_CANDIDATE_OPTIONS,
  budgetsMs: { candidates: 25, filter: 10, rank: 25, rerank: 10, rules: 5 },
};

/** Where the rank, re-rank and rules stages get their models and data. */
export interface RankingSetup extends RankingStageDeps {
  /** Absent when the version has no rankers: rank and re-rank pass the candidate order through. */
  rankers?: Rankers | undefined;
}

/** The candidate and filter stages (what the rankers' training replays). */
export function retrievalStages(models: CandidateModels, filters: FilterState, opts: PipelineOptions = DEFAULT_PIPELINE_OPTIONS): Stage[] {
  return [
    {
      name: 'candidates', budgetMs: opts.budgetsMs.candidates, requireItems: true,
      run: (_items, ctx) => {
        const merge = (): PipelineItem[] => mergeSources(querySources(ctx, models, opts.candidates), opts.candidates);
        // Async only when a source needs it (imported ONNX user tower); the in-process path stays sync.
        const ready = prepareSources(ctx, models);
        return ready === undefined ? merge() : ready.then(merge);
      },
      // Degrade to what is popular overall: still personal enough to be useful, never empty.
      fallback: (_items, ctx) => mergeSources([{ source: 'popular', items: models.popularity.query({}, opts.candidates.quotas['popular'] ?? 200, (id) => ctx.exclude.has(id)) }], opts.candidates),
    },
    {
      name: 'filter', budgetMs: opts.budgetsMs.filter,
      run: (items, ctx) => applyFilters(items, { userId: ctx.userId, exclude: ctx.exclude, now: ctx.now }, filters).kept as PipelineItem[],
    },
  ];
}

/** The stage list: candidates → filter → rank (GBDT) → rerank (LambdaMART) → rules (business rules, diversity). */
export function buildStages(models: CandidateModels, filters: FilterState, ranking: RankingSetup, opts: PipelineOptions = DEFAULT_PIPELINE_OPTIONS): Stage[] {
  return [...retrievalStages(models, filters, opts), ...rankingStages(ranking.rankers, ranking, opts.budgetsMs)];
}

export interface PipelineRun {
  items: PipelineItem[];
  outcomes: { stage: string; outcome: StageOutcome }[];
}

/** Run the stages in order; each gets the previous one's output. */
export async function runPipeline(stages: readonly Stage[], ctx: RequestContext): Promise<PipelineRun> {
  let items: PipelineItem[] = [];
  const outcomes: PipelineRun['outcomes'] = [];
  for (const stage of stages) {
    const outcome = await runStage(stage, items, ctx);
    outcomes.push({ stage: stage.name, outcome });
    items = outcome.items;
  }
  return { items, outcomes };
}
