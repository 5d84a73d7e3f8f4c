/**
 * @module test/support/engine-fixture
 * A small but real world for API and pipeline tests: the synthetic marketplace in an in-memory
 * PGlite store, every candidate stage (baselines and a small, single-thread two-tower) trained
 * and promoted into a temporary data dir, and a built App.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp, trainAndPromote, type App } from '../../src/app.ts';
import { createStore } from '../../src/adapters/postgres/create-store.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { generateMarketplace } from '../../src/data/synthetic/index.ts';
import { importBatches } from '../../src/data/import.ts';
import type { TwoTowerStageOptions } from '../../src/training/train-two-tower.ts';

/** Fast, deterministic two-tower training for tests: one thread, few epochs. */
export const FIXTURE_TWO_TOWER: TwoTowerStageOptions = { train: { threads: 1, epochs: 6, patience: 2, seed: 3 } };

export interface Fixture {
  app: App;
  /** A clock the test can move. */
  clock: { now: number };
  cleanup(): Promise<void>;
}

export async function createFixture(
  opts: { users?: number; items?: number; events?: number; load?: boolean; twoTower?: TwoTowerStageOptions | false; env?: Record<string, string>; now?: number } = {},
): Promise<Fixture> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wf-fixture-'));
  const store = await createStore({ schema: 'wayfarer', poolSize: 1, pgliteDir: undefined });
  const market = generateMarketplace({ users: opts.users ?? 400, items: opts.items ?? 300, events: opts.events ?? 30_000, seed: 11 });
  await importBatches(market.batches, store, { concurrency: 1 });
  await store.addBlocks(market.blocks);
  const config = loadConfig('', { WAYFARER_DATA_DIR: dataDir, WAYFARER_LOG_LEVEL: 'silent', ...opts.env });
  const clock = { now: opts.now ?? Date.UTC(2026, 6, 1) };
  const app = await buildApp(config, { store, clock: () => clock.now, logger: false, defaultMetrics: false });
  await trainAndPromote(store, app.registry, () => {}, undefined, { twoTower: opts.twoTower ?? FIXTURE_TWO_TOWER });
  if (opts.load ?? true) await app.loadEngine();
  return {
    app, clock,
    cleanup: async () => { await app.close(); await store.close(); rmSync(dataDir, { recursive: true, force: true }); },
  };
}
