/**
 * @module pipeline/recommend
 * The serving pipeline as an explicit list of stages — candidates → filter → rank → re-rank —
 * run in order, each within its budget and with its fallback (see stage.ts).
 */
import { applyFilters, type FilterState } from './filter/filter-state.ts';
import { DEFAULT_CANDIDATE_OPTIONS, mergeSources, querySources, type CandidateModels, type CandidateOptions } from './candidates.ts';
import { runStage, type PipelineItem, type RequestContext, type Stage, type StageOutcome } from './stage.ts';

export interface PipelineOptions {
  candidates: CandidateOptions;
  /** Time budget per stage, ms. */
  budgetsMs: { candidates: number; filter: number; rank: number; rerank: number };
}

export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = {
  candidates: DEFAULT_CANDIDATE_OPTIONS,
  budgetsMs: { candidates: 25, filter: 10, rank: 25, rerank: 10 },
};

/** The stage list. Rank and re-rank pass the order through until the GBDT and LambdaMART stages land. */
export function buildStages(models: CandidateModels, filters: FilterState, opts: PipelineOptions = DEFAULT_PIPELINE_OPTIONS): Stage[] {
  return [
    {
      name: 'candidates', budgetMs: opts.budgetsMs.candidates, requireItems: true,
      run: (_items, ctx) => mergeSources(querySources(ctx, models, opts.candidates), opts.candidates),
      // Degrade to what is popular overall: still personal enough to be useful, never empty.
      fallback: (_items, ctx) => mergeSources([{ source: 'popular', items: models.popularity.query({}, opts.candidates.quotas['popular'] ?? 200, (id) => ctx.exclude.has(id)) }], opts.candidates),
    },
    {
      name: 'filter', budgetMs: opts.budgetsMs.filter,
      run: (items, ctx) => applyFilters(items, { userId: ctx.userId, exclude: ctx.exclude, now: ctx.now }, filters).kept as PipelineItem[],
    },
    { name: 'rank', budgetMs: opts.budgetsMs.rank, run: (items) => items },
    { name: 'rerank', budgetMs: opts.budgetsMs.rerank, run: (items) => items },
  ];
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
