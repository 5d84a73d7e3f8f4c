/**
 * Offline evaluation end to end on a small synthetic marketplace in an embedded store: the
 * baselines and the two-tower trained on the past, every source, the merged list and the oracle
 * (the generator's hidden utilities) scored on the time-based holdout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vectorIndexes } from '../../src/app.ts';
import { createStore } from '../../src/adapters/postgres/create-store.ts';
import type { PostgresStore } from '../../src/adapters/postgres/postgres-store.ts';
import { importBatches } from '../../src/data/import.ts';
import { generateMarketplace } from '../../src/data/synthetic/index.ts';
import { evaluate, type EvalReport } from '../../src/training/evaluate.ts';
import { FIXTURE_TWO_TOWER } from '../support/engine-fixture.ts';

describe('wayfarer eval with the two-tower and the oracle', () => {
  let store: PostgresStore;
  let report: EvalReport;
  const market = generateMarketplace({ users: 600, items: 300, events: 40_000, seed: 13 });
  beforeAll(async () => {
    store = await createStore({ schema: 'wayfarer', poolSize: 1, pgliteDir: undefined });
    await importBatches(market.batches, store, { concurrency: 1 });
    report = await evaluate(store, {
      split: 'time', fraction: 0.1, ks: [10, 100], maxUsers: 400, seed: 7, useContext: true,
      indexes: vectorIndexes, twoTower: FIXTURE_TWO_TOWER, truth: market.truth,
    });
  });
  afterAll(async () => { await store.close(); });

  it('scores every source, the merged list and the oracle at each cut-off', () => {
    expect(Object.keys(report.bySource).sort()).toEqual(['covisitation', 'merged', 'oracle', 'popular', 'two-tower']);
    for (const m of Object.values(report.bySource)) {
      expect(m.users).toBeGreaterThan(50);
      expect(m.atK.map((a) => a.k)).toEqual([10, 100]);
      for (const a of m.atK) expect(a.recall).toBeGreaterThanOrEqual(0);
    }
    const recall100 = (s: string): number => report.bySource[s]?.atK[1]?.recall ?? NaN;
    // The two-tower, trained on the past only, retrieves held-out items far above nothing.
    expect(recall100('two-tower')).toBeGreaterThan(0.2);
    expect(recall100('oracle')).toBeGreaterThan(0.2);
    // The merged list (weighted RRF) is at least as good as its best source.
    expect(recall100('merged')).toBeGreaterThanOrEqual(Math.max(recall100('popular'), recall100('covisitation'), recall100('two-tower')));
    expect(report.oracle).toMatch(/ranked by the generator's noise-free utility/);
    expect(report.notes.join(' ')).not.toMatch(/two-tower skipped/);
  });
});
