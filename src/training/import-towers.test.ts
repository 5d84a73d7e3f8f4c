import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vectorIndexes } from '../app.ts';
import type { Interaction, Item, User } from '../domain/types.ts';
import { makeItem } from '../domain/types.ts';
import { ERROR_CODES } from '../errors.ts';
import {
  buildEncoder, createTwoTowerModel, exportOnnxTowers, itemEmbeddings, resolveTwoTowerConfig, scoreItems, userEmbedding, type TwoTowerModel,
} from '../models/two-tower/index.ts';
import { handItemTower, handUserTower } from '../models/two-tower/onnx-testing.ts';
import { SMALL_CONFIG } from '../models/two-tower/testing.ts';
import { loadModels } from '../pipeline/engine-load.ts';
import { isRetrievable, requestUserQuery } from '../pipeline/two-tower-source.ts';
import type { RequestContext } from '../pipeline/stage.ts';
import type { Store } from '../ports/store.ts';
import { createFixture, type Fixture } from '../../test/support/engine-fixture.ts';
import { importTowers, type TowerImport } from './import-towers.ts';
import { ONNX_TOWER_FILES, TWO_TOWER_FILES } from './train-two-tower.ts';

async function collect<T>(batches: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of batches) for (const x of b) out.push(x);
  return out;
}

/** A "team" model trained elsewhere: its own architecture (D = 16) and vocabularies, exported to ONNX. */
async function teamModel(store: Store): Promise<{ model: TwoTowerModel; items: Item[]; towers: TowerImport }> {
  const [users, items, events] = await Promise.all([collect<User>(store.scanUsers()), collect<Item>(store.scanItems()), collect<Interaction>(store.scanInteractions())]);
  const config = resolveTwoTowerConfig({ ...SMALL_CONFIG, recentItems: 5 });
  const model = createTwoTowerModel(config, buildEncoder(users, items, events, config), 17);
  const onnx = exportOnnxTowers(model);
  // The bare vocabularies object plus R: what a team writes from its own training code.
  const vocab = JSON.stringify({ recentItems: 5, vocabularies: model.encoder.state });
  return { model, items, towers: { userModel: onnx.user, itemModel: onnx.item, vocab } };
}

function requestContext(over: Partial<RequestContext>): RequestContext {
  return {
    userId: 'u1', k: 10, known: true, country: null, device: null, destination: null, checkin: null, checkout: null, season: 'summer',
    exclude: new Set(), recent: [], recentItems: [], degraded: [], now: Date.UTC(2026, 6, 1), ...over,
  };
}

describe('import-towers: a team\'s ONNX towers as the two-tower of a new model version', () => {
  let fx: Fixture;
  let team: Awaited<ReturnType<typeof teamModel>>;
  const modelsDir = (): string => path.join(fx.app.config.dataDir, 'artifacts', 'models');
  beforeAll(async () => {
    fx = await createFixture({ users: 300, items: 200, events: 12_000, load: false });
    team = await teamModel(fx.app.store);
  });
  afterAll(async () => { await fx.cleanup(); });

  it('rejects towers that break the contract, naming the problem, and leaves the registry unchanged', async () => {
    const { registry, store } = fx.app;
    const before = { versions: await registry.versions(), current: (await registry.current())?.version, files: readdirSync(modelsDir()).sort() };
    const attempt = (over: Partial<TowerImport>, code: string, message: RegExp): Promise<void> =>
      expect(importTowers(store, registry, vectorIndexes, { ...team.towers, ...over }, { promote: true })).rejects.toMatchObject({ code, message: expect.stringMatching(message) as unknown });
    await attempt({ userModel: team.towers.itemModel }, ERROR_CODES.MODEL_FORMAT, /user tower lacks inputs user_id, home_country, device, destination, season, month, trip_length, recent_items/);
    await attempt({ itemModel: handItemTower({ dim: 8 }) }, ERROR_CODES.MODEL_FORMAT, /disagree on D: user tower D = 16, item tower D = 8/);
    await attempt({ userModel: handUserTower({ recentItems: 10 }) }, ERROR_CODES.MODEL_FORMAT, /recent_items has R = 10 recent items, the vocabulary file says 5/);
    await attempt({ itemModel: handItemTower({ normalise: false }) }, ERROR_CODES.MODEL_FORMAT, /item tower output for item '[^']+' is not L2-normalised/);
    await attempt({ vocab: JSON.stringify({ vocabularies: { users: [] } }) }, ERROR_CODES.INVALID_INPUT, /vocabularies\.items is missing/);
    await attempt({ vocab: '{"users": ["u1"' }, ERROR_CODES.INVALID_INPUT, /vocabulary file: not valid JSON/);
    expect({ versions: await registry.versions(), current: (await registry.current())?.version, files: readdirSync(modelsDir()).sort() }).toEqual(before);
  });

  it('registers and promotes a version with the team\'s towers and the other stages carried over', async () => {
    const { registry, store } = fx.app;
    const base = await registry.current();
    const r = await importTowers(store, registry, vectorIndexes, team.towers, { promote: true });
    const retrievable = team.items.filter(isRetrievable);
    expect(r).toMatchObject({ base: base?.version, items: retrievable.length, dim: 16, promoted: true });
    const m = r.manifest;
    expect((await registry.current())?.version).toBe(m.version);
    const carried = Object.keys(base?.files ?? {}).filter((f) => f !== TWO_TOWER_FILES.model && f !== TWO_TOWER_FILES.weights && !f.startsWith('two-tower-vectors'));
    expect(carried.length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(m.files).sort()).toEqual([...carried, ...Object.values(ONNX_TOWER_FILES), TWO_TOWER_FILES.vectorsHeader, TWO_TOWER_FILES.vectors].sort());
    expect(Object.keys(m.dirs ?? {})).toContain(TWO_TOWER_FILES.indexDir);
    expect(m.trainedOn).toEqual(base?.trainedOn);
    expect(m.notes.join('\n')).toMatch(/two-tower: imported ONNX towers, D = 16, R = 5/);
    for (const stage of carried) expect(await registry.file(m, stage)).toEqual(await registry.file(base as NonNullable<typeof base>, stage));
  });

  it('serves the imported user tower per request: the same items as the team model computes itself', async () => {
    const { models } = await loadModels(fx.app.registry, { indexes: vectorIndexes });
    const source = models.twoTower;
    expect(source?.towers.kind).toBe('onnx');
    try {
      const retrievable = team.items.filter(isRetrievable);
      const itemVecs = itemEmbeddings(team.model, retrievable);
      for (const over of [{ userId: 'u5', recentItems: ['h3', 'h9'] }, { userId: 'someone-new', destination: null }]) {
        const ctx = requestContext(over);
        await source?.prepare(ctx);
        const got = source?.query(ctx, 10, () => false) ?? [];
        const scores = scoreItems(userEmbedding(team.model, requestUserQuery(ctx)), itemVecs, retrievable.length);
        const best = [...scores].sort((a, b) => b - a);
        expect(got).toHaveLength(10);
        got.forEach((c, i) => expect(Math.abs(c.score - (best[i] as number))).toBeLessThan(1e-4));
      }
    } finally {
      source?.close();
    }
  });

  it('recommends from the two-tower through the engine, and retrieves an item added afterwards', async () => {
    const engine = await fx.app.loadEngine();
    expect(engine.hasTwoTower).toBe(true);
    const r = await engine.recommend({ userId: 'u7', k: 30 });
    expect(r.fallbacks).toEqual([]);
    expect(r.items.some((i) => i.source === 'two-tower')).toBe(true);
    // A hotel in a city nobody has visited: only the two-tower (its features through the ONNX item tower) can propose it.
    await engine.upsertItems([makeItem('h-brand-new', 'hotel', { city: 'Newtown', country: 'Nowhere', price: 120, stars: 4, reviewScore: 8.6 })]);
    const there = await engine.recommend({ userId: 'u7', k: 5, destination: 'Newtown' });
    expect(there.items[0]).toMatchObject({ itemId: 'h-brand-new', source: 'two-tower' });
  });
});
