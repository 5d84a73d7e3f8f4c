import { afterEach, describe, expect, it } from 'vitest';
import { BruteForceIndex } from '../adapters/ann/brute-force-index.ts';
import type { Item } from '../domain/types.ts';
import { ERROR_CODES } from '../errors.ts';
import {
  buildEncoder, createTwoTowerModel, exportOnnxTowers, itemEmbeddings, loadOnnxTowers, resolveTwoTowerConfig, userEmbedding,
} from '../models/two-tower/index.ts';
import { SMALL_CONFIG, plantedMarketplace } from '../models/two-tower/testing.ts';
import { prepareSources, querySources, DEFAULT_CANDIDATE_OPTIONS } from './candidates.ts';
import { ServingCatalog } from './catalog.ts';
import { ItemVectors } from './item-vectors.ts';
import { onnxSourceTowers } from './onnx-two-tower-source.ts';
import type { RequestContext } from './stage.ts';
import { TwoTowerSource, isRetrievable, requestUserQuery, type OnnxSourceTowers } from './two-tower-source.ts';
import { PopularityTrainer } from '../models/popularity/popularity.ts';
import { CovisitationTrainer } from '../models/covisitation/covisitation.ts';

const planted = plantedMarketplace({ users: 80, items: 64, clusters: 4, events: 800, seed: 9 });
const config = resolveTwoTowerConfig(SMALL_CONFIG);
const model = createTwoTowerModel(config, buildEncoder(planted.users, planted.items, planted.interactions, config), 21);
const items = planted.items.filter(isRetrievable);

function requestContext(over: Partial<RequestContext> = {}): RequestContext {
  return {
    userId: 'u3', k: 10, known: true, country: 'FR', device: 'mobile', destination: null, checkin: '2026-08-01', checkout: '2026-08-04', season: 'summer',
    exclude: new Set(), recent: [], recentItems: ['i3', 'i7'], degraded: [], now: Date.UTC(2026, 5, 1), ...over,
  };
}

function sourceOver(towers: ConstructorParameters<typeof TwoTowerSource>[0]): TwoTowerSource {
  const vectors = itemEmbeddings(model, items);
  const index = new BruteForceIndex({ dim: model.dim });
  index.add(items.map((i) => i.id), vectors);
  return new TwoTowerSource(towers, index, ItemVectors.of(items.map((i) => i.id), vectors, model.dim));
}

async function onnxSource(): Promise<TwoTowerSource> {
  const { user, item } = exportOnnxTowers(model);
  return sourceOver(onnxSourceTowers(await loadOnnxTowers(user, item, model.encoder)));
}

const maxAbsDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - (b[i] as number))), 0);

describe('TwoTowerSource over imported ONNX towers', () => {
  const open: TwoTowerSource[] = [];
  afterEach(() => { for (const s of open.splice(0)) s.close(); });
  const track = (s: TwoTowerSource): TwoTowerSource => { open.push(s); return s; };

  it('runs the user tower in prepare, then queries synchronously with the same results as the in-process towers', async () => {
    const onnx = track(await onnxSource());
    const inProcess = track(sourceOver(model));
    const ctx = requestContext();
    expect(inProcess.prepare(ctx)).toBeUndefined();
    await onnx.prepare(ctx);
    expect(maxAbsDiff(onnx.userVector(ctx), userEmbedding(model, requestUserQuery(ctx)))).toBeLessThan(1e-4);
    const got = onnx.query(ctx, 10, () => false);
    const want = inProcess.query(ctx, 10, () => false);
    expect(got).toHaveLength(10);
    expect(got.map((c) => c.source)).toEqual(Array(10).fill('two-tower'));
    got.forEach((c, i) => expect(Math.abs(c.score - (want[i]?.score ?? NaN))).toBeLessThan(1e-4));
  });

  it('without prepare the ONNX source is not ready, and a failed user tower costs this source only', async () => {
    const onnx = track(await onnxSource());
    let thrown: unknown;
    try {
      onnx.query(requestContext(), 5, () => false);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: ERROR_CODES.NOT_READY, message: expect.stringMatching(/await prepare\(ctx\) before query/) as unknown });
    const failing: OnnxSourceTowers = {
      kind: 'onnx', dim: model.dim, close: async () => undefined,
      userVector: () => Promise.reject(new Error('session lost')), itemVectors: () => Promise.reject(new Error('session lost')),
    };
    const source = track(sourceOver(failing));
    const pop = new PopularityTrainer();
    pop.add(planted.interactions, () => null);
    const catalog = new ServingCatalog();
    catalog.addItems(planted.items);
    const models = { popularity: pop.build(), covisitation: new CovisitationTrainer().build(), catalog, twoTower: source };
    const ctx = requestContext({ recent: [] });
    await prepareSources(ctx, models);
    const lists = querySources(ctx, models, DEFAULT_CANDIDATE_OPTIONS);
    expect(lists.map((l) => l.source)).toEqual(['popular']);
    expect(ctx.degraded).toEqual([{ source: 'two-tower', reason: 'error: session lost' }]);
  });

  it('embeds upserted items with the ONNX item tower, writing in call order', async () => {
    const onnx = track(await onnxSource());
    const fresh: Item = { ...(items[5] as Item), id: 'brand-new-hotel' };
    const first = onnx.upsertItems([fresh]);
    const second = onnx.upsertItems([{ ...(items[6] as Item), status: 'invalid' }]);
    expect(await second).toEqual({ upserted: 0, removed: 1 });
    expect(await first).toEqual({ upserted: 1, removed: 0 });
    const v = onnx.vectors.get('brand-new-hotel');
    expect(v !== undefined && maxAbsDiff(v, itemEmbeddings(model, [fresh]))).toBeLessThan(1e-4);
    expect(onnx.index.has('brand-new-hotel')).toBe(true);
    expect(onnx.index.has(items[6]?.id ?? '')).toBe(false);
    // Added, then switched off at once: the later call wins although the earlier one's embedding finishes last.
    const other: Item = { ...(items[7] as Item), id: 'short-lived' };
    const on = onnx.upsertItems([other]);
    const off = onnx.upsertItems([{ ...other, status: 'invalid' }]);
    expect(await Promise.all([on, off])).toEqual([{ upserted: 1, removed: 0 }, { upserted: 0, removed: 1 }]);
    expect(onnx.index.has('short-lived') || onnx.vectors.has('short-lived')).toBe(false);
  });

  it('close waits for a user tower in flight, after which the source serves nothing', async () => {
    const onnx = await onnxSource();
    const ctx = requestContext();
    const pending = onnx.prepare(ctx);
    onnx.close();
    await pending;
    expect(onnx.query(ctx, 5, () => false)).toEqual([]);
    expect(onnx.prepare(requestContext())).toBeUndefined();
    expect(await onnx.upsertItems([items[0] as Item])).toEqual({ upserted: 0, removed: 0 });
  });
});
