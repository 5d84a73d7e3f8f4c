import { beforeAll, describe, expect, it } from 'vitest';
import { BruteForceIndex } from '../adapters/ann/brute-force-index.ts';
import type { Item, ItemId } from '../domain/types.ts';
import type { Exclusion, Neighbor } from '../ports/vector-index.ts';
import { fitTwoTower, itemEmbeddings, type TwoTowerModel } from '../models/two-tower/index.ts';
import { SMALL_CONFIG, plantedMarketplace } from '../models/two-tower/testing.ts';
import { ItemVectors } from './item-vectors.ts';
import type { RequestContext } from './stage.ts';
import { TwoTowerSource, isRetrievable } from './two-tower-source.ts';

const planted = plantedMarketplace({ users: 300, items: 160, clusters: 8, events: 6000, seed: 5 });
const cityItems = (c: number): Set<ItemId> => new Set(planted.items.filter((i) => i.city === `city${c}`).map((i) => i.id));

function requestContext(over: Partial<RequestContext> = {}): RequestContext {
  return {
    userId: 'u0', k: 10, known: true, country: null, device: null, destination: null, checkin: null, checkout: null, season: 'summer',
    exclude: new Set(), recent: [], recentItems: [], degraded: [], now: Date.UTC(2026, 5, 1), ...over,
  };
}

/** Counts searches and the k asked, around a real index. */
class CountingIndex extends BruteForceIndex {
  calls: number[] = [];
  override search(q: Float32Array, k: number, exclude?: Exclusion): Neighbor[] {
    this.calls.push(k);
    return super.search(q, k, exclude);
  }
}

function sourceFor(model: TwoTowerModel, items: readonly Item[]): { source: TwoTowerSource; index: CountingIndex } {
  const kept = items.filter(isRetrievable);
  const vectors = itemEmbeddings(model, kept);
  const index = new CountingIndex({ dim: model.dim });
  index.add(kept.map((i) => i.id), vectors);
  return { source: new TwoTowerSource(model, index, ItemVectors.of(kept.map((i) => i.id), vectors, model.dim), { exactMaxItems: 1000, maxFetch: 64 }), index };
}

describe('TwoTowerSource', () => {
  let model: TwoTowerModel;
  beforeAll(async () => {
    model = (await fitTwoTower(planted, SMALL_CONFIG, { batchSize: 64, epochs: 5, patience: 2, recallK: 10, threads: 1, seed: 3 })).model;
  });

  it('retrieves the cluster of the user\'s recent items, known or cold user', () => {
    const { source } = sourceFor(model, planted.items);
    let inCluster = 0;
    for (let c = 0; c < 8; c++) {
      for (const userId of [`u${c + 8}`, 'someone-new']) {
        const got = source.query(requestContext({ userId, recentItems: [0, 1, 2].map((k) => `i${k * 8 + c}`) }), 10, () => false);
        expect(got).toHaveLength(10);
        expect(got[0]).toMatchObject({ source: 'two-tower', reasons: [{ kind: 'similar-taste' }] });
        expect(got[0]?.sourceScores['two-tower']).toBe(got[0]?.score);
        expect(got.every((x, i) => i === 0 || (got[i - 1]?.score ?? 0) >= x.score)).toBe(true);
        inCluster += got.filter((x) => planted.clusterOfItem(x.itemId) === c).length;
      }
    }
    // Chance is 1/8; globally popular items of other clusters rightly take some places.
    expect(inCluster / 160).toBeGreaterThan(0.4);
  });

  it('scores a small destination exactly and never asks the index', () => {
    const { source, index } = sourceFor(model, planted.items);
    const inCity = cityItems(5);
    const skip = (id: ItemId): boolean => id === 'i5';
    const got = source.query(requestContext({ destination: 'city5' }), 8, skip, inCity);
    expect(index.calls).toEqual([]);
    expect(got).toHaveLength(8);
    expect(got.every((c) => inCity.has(c.itemId) && c.itemId !== 'i5')).toBe(true);
  });

  it('bounds the over-fetch when filters reject almost everything', () => {
    const { source, index } = sourceFor(model, planted.items);
    const got = source.query(requestContext(), 5, (id) => id !== 'i7');
    expect(got.map((c) => c.itemId).length).toBeLessThanOrEqual(1);
    expect(Math.max(...index.calls)).toBeLessThanOrEqual(64);
    expect(index.calls.length).toBeLessThanOrEqual(4);
  });

  it('embeds a new item from its features at once, and drops an item switched off', async () => {
    const { source } = sourceFor(model, planted.items);
    const template = planted.items.find((i) => planted.clusterOfItem(i.id) === 2 && i.id !== 'i2') as Item;
    const fresh: Item = { ...template, id: 'brand-new-hotel' };
    const upsert = source.upsertItems([fresh, { ...(planted.items[10] as Item), status: 'invalid' }]);
    // In-process towers write the index before the call returns, not one tick later.
    expect(source.index.has('brand-new-hotel') && source.vectors.has('brand-new-hotel')).toBe(true);
    expect(await upsert).toEqual({ upserted: 1, removed: 1 });
    expect(source.index.has('i10')).toBe(false);
    const got = source.query(requestContext({ userId: 'u2', recentItems: ['i2', 'i10', 'i18'] }), 40, () => false);
    expect(got.map((c) => c.itemId)).toContain('brand-new-hotel');
    source.close();
    expect(source.query(requestContext(), 5, () => false)).toEqual([]);
  });
});
