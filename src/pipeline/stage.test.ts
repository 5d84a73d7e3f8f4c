import { describe, expect, it } from 'vitest';
import { runStage, type PipelineItem, type RequestContext, type Stage } from './stage.ts';
import { runPipeline } from './recommend.ts';

const item = (itemId: string, finalScore = 1): PipelineItem =>
  ({ itemId, source: 'popular', score: finalScore, sourceScores: { popular: finalScore }, reasons: [], finalScore, stage: 'candidates' });

const ctx: RequestContext = {
  userId: 'u', k: 3, known: true, country: null, device: null, destination: null, checkin: null, checkout: null,
  season: 'summer', exclude: new Set(), recent: [], recentItems: [], degraded: [], now: 0,
};

describe('runStage', () => {
  it('passes the stage result through and measures it', async () => {
    const out = await runStage({ name: 's', budgetMs: 50, run: (items) => items.slice(1) }, [item('a'), item('b')], ctx);
    expect(out.items.map((i) => i.itemId)).toEqual(['b']);
    expect(out.fallback).toBeUndefined();
    expect(out.ms).toBeGreaterThanOrEqual(0);
  });

  it('falls back on error, tagging items with the fallback', async () => {
    const stage: Stage = { name: 'rank', budgetMs: 50, run: () => { throw new Error('model exploded'); }, fallback: (items) => items };
    const out = await runStage(stage, [item('a')], ctx);
    expect(out.fallback).toBe('error');
    expect(out.items[0]?.stage).toBe('fallback:rank');
    expect((out.error as Error).message).toBe('model exploded');
  });

  it('abandons an async stage that runs over its budget', async () => {
    const slow: Stage = { name: 'ann', budgetMs: 20, run: () => new Promise((r) => setTimeout(() => r([item('late')]), 500)), fallback: () => [item('fast')] };
    const started = performance.now();
    const out = await runStage(slow, [], ctx);
    expect(out.fallback).toBe('timeout');
    expect(out.items.map((i) => i.itemId)).toEqual(['fast']);
    expect(performance.now() - started).toBeLessThan(400);
  });

  it('treats an empty result as a failure when items are required', async () => {
    const out = await runStage({ name: 'candidates', budgetMs: 10, requireItems: true, run: () => [], fallback: () => [item('p')] }, [], ctx);
    expect(out.fallback).toBe('empty');
    expect(out.items.map((i) => i.itemId)).toEqual(['p']);
  });

  it('without a fallback, passes the input through', async () => {
    const out = await runStage({ name: 'rerank', budgetMs: 10, run: () => { throw new Error('x'); } }, [item('a')], ctx);
    expect(out.items.map((i) => [i.itemId, i.stage])).toEqual([['a', 'candidates']]);
  });
});

describe('runPipeline', () => {
  it('runs stages in order, each on the previous output, and reports every outcome', async () => {
    const stages: Stage[] = [
      { name: 'candidates', budgetMs: 10, run: () => [item('a', 3), item('b', 2), item('c', 1)] },
      { name: 'filter', budgetMs: 10, run: (items) => items.filter((i) => i.itemId !== 'b') },
      { name: 'rank', budgetMs: 10, run: () => { throw new Error('no model'); }, fallback: (items) => items },
    ];
    const run = await runPipeline(stages, ctx);
    expect(run.items.map((i) => i.itemId)).toEqual(['a', 'c']);
    expect(run.outcomes.map((o) => [o.stage, o.outcome.fallback])).toEqual([['candidates', undefined], ['filter', undefined], ['rank', 'error']]);
  });
});
