import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BruteForceIndex } from '../adapters/ann/brute-force-index.ts';
import { FsArtifactStore } from '../adapters/filesystem/fs-artifact-store.ts';
import { openVectorIndex } from '../adapters/ann/open-vector-index.ts';
import type { Interaction } from '../domain/types.ts';
import { SMALL_CONFIG, plantedMarketplace, type Planted } from '../models/two-tower/testing.ts';
import { loadModels } from '../pipeline/engine-load.ts';
import type { VectorIndexFactory } from '../pipeline/two-tower-source.ts';
import { ModelRegistry } from './registry.ts';
import type { TrainingData } from './train-baselines.ts';
import { TWO_TOWER_FILES, defaultBatchSize } from './train-two-tower.ts';
import { trainStages } from './train-stages.ts';

const indexes: VectorIndexFactory = { create: (dim) => new BruteForceIndex({ dim }), open: (dir) => openVectorIndex(dir) };
const roots: string[] = [];
afterAll(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

function asTrainingData(p: Planted, events: readonly Interaction[] = p.interactions): TrainingData {
  async function* once<T>(rows: readonly T[]): AsyncIterable<T[]> { yield [...rows]; }
  return { items: () => once(p.items), users: () => once(p.users), interactions: () => once(events) };
}

function registry(): { reg: ModelRegistry; root: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'wf-stages-'));
  roots.push(root);
  return { reg: new ModelRegistry(new FsArtifactStore(root), { localRoot: root }), root };
}

const FAST = { config: SMALL_CONFIG, train: { threads: 1, epochs: 3, recallK: 10, seed: 2 } };

describe('trainStages → registry → loadModels', () => {
  const planted = plantedMarketplace({ users: 200, items: 120, clusters: 6, events: 4000, seed: 8 });

  it('trains the two-tower with the baselines, registers its files and index, and serves it after load', async () => {
    const lines: string[] = [];
    const trained = await trainStages(asTrainingData(planted), indexes, { twoTower: FAST, log: (l) => lines.push(l) });
    expect(Object.keys(trained.files)).toEqual(expect.arrayContaining(['popularity.json', 'covisitation.json', TWO_TOWER_FILES.model, TWO_TOWER_FILES.weights, TWO_TOWER_FILES.vectors]));
    expect(Object.keys(trained.dirs)).toEqual([TWO_TOWER_FILES.indexDir]);
    expect(trained.metrics['two_tower_validation_recall_at_100']).toBeGreaterThan(0);
    expect(lines.some((l) => /two-tower epoch 1\/3 loss/.test(l))).toBe(true);
    const { reg } = registry();
    const manifest = await reg.register(trained.files, { trainedOn: trained.trainedOn, metrics: trained.metrics, notes: trained.notes }, new Date(), trained.dirs);
    await trained.cleanup();
    await reg.promote(manifest.version);
    const log: string[] = [];
    const { models } = await loadModels(reg, { indexes, log: (l) => log.push(l) });
    expect(models.twoTower?.index.size).toBe(120);
    expect(models.twoTower?.vectors.size).toBe(120);
    expect(log.join('\n')).toMatch(/two-tower loaded: 120 items in the exact index/);
    models.twoTower?.close();
    // Without an index factory (or with a broken index) the version still serves, without the two-tower.
    expect((await loadModels(reg)).models.twoTower).toBeUndefined();
  });

  it('degrades to the baselines when the saved index cannot be opened', async () => {
    const trained = await trainStages(asTrainingData(planted), indexes, { twoTower: FAST });
    const { reg, root } = registry();
    const manifest = await reg.register(trained.files, { trainedOn: trained.trainedOn, metrics: {}, notes: [] }, new Date(), trained.dirs);
    await trained.cleanup();
    await reg.promote(manifest.version);
    rmSync(path.join(root, 'models', manifest.version, TWO_TOWER_FILES.indexDir, 'ids.json'));
    const log: string[] = [];
    const { models } = await loadModels(reg, { indexes, log: (l) => log.push(l) });
    expect(models.twoTower).toBeUndefined();
    expect(log.join('\n')).toMatch(/two-tower NOT loaded, serving without it/);
  });

  it('skips the two-tower with a note when there are too few interest events', async () => {
    const trained = await trainStages(asTrainingData(planted, planted.interactions.slice(0, 500)), indexes, { twoTower: FAST });
    expect(trained.notes.join(' ')).toMatch(/two-tower skipped: 500 interest events .* fewer than 1,000/);
    expect(Object.keys(trained.files).sort()).toEqual(['covisitation.json', 'popularity.json']);
    expect(trained.dirs).toEqual({});
  });

  it('sizes batches so that small data still gets ~200 steps per epoch', () => {
    expect([100, 6_400, 12_800, 51_200, 1e7].map(defaultBatchSize)).toEqual([32, 32, 64, 256, 256]);
  });
});
