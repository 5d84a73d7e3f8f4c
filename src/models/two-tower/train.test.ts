import { beforeAll, describe, expect, it } from 'vitest';
import type { TwoTowerDataset } from './dataset.ts';
import { buildEvalQueries, timeSplitIndex } from './dataset.ts';
import { recallFromTopK } from './evaluate.ts';
import { coldStartItemEmbedding, itemEmbeddings, scoreItems, userEmbedding } from './infer.ts';
import { SMALL_CONFIG, plantedMarketplace } from './testing.ts';
import type { TrainOptions, TrainResult } from './train.ts';
import { fitTwoTower } from './train.ts';

const planted = plantedMarketplace({ users: 400, items: 200, clusters: 8, events: 8000, seed: 5 });
const FAST: TrainOptions = { batchSize: 64, epochs: 6, patience: 2, recallK: 10, threads: 1, seed: 3 };

function popularityRecall(ds: TwoTowerDataset, k: number): number {
  const split = timeSplitIndex(ds, 0.1);
  const counts = new Map<number, number>();
  for (let e = 0; e < split; e++) counts.set(ds.items[e] as number, (counts.get(ds.items[e] as number) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, k).map(([i]) => i);
  const q = buildEvalQueries(ds, split, 2000, 1);
  const lists = new Int32Array(q.count * k);
  for (let i = 0; i < q.count; i++) lists.set(top, i * k);
  return recallFromTopK(lists, k, q.relevant);
}

const cos = (a: Float32Array, b: Float32Array): number => scoreItems(a, b, 1)[0] ?? NaN;

describe('trainTwoTower on planted clusters', () => {
  let res: TrainResult & { dataset: TwoTowerDataset };
  const lines: string[] = [];
  beforeAll(async () => {
    res = await fitTwoTower(planted, SMALL_CONFIG, { ...FAST, log: (l) => lines.push(l) });
  });

  it('reaches Recall@10 far above popularity, with the loss curve logged and recorded per epoch', () => {
    const pop = popularityRecall(res.dataset, 10);
    expect(res.bestRecall).not.toBeNull();
    expect(res.bestRecall ?? 0).toBeGreaterThan(pop + 0.2);
    expect(res.epochs.length).toBeGreaterThanOrEqual(2);
    expect(res.epochs[1]?.loss ?? Infinity).toBeLessThan(res.epochs[0]?.loss ?? 0);
    expect(lines.length).toBe(res.epochs.length);
    expect(lines[0]).toMatch(/epoch 1\/6 loss \d+\.\d+ recall@10 0\.\d+/);
    expect(res.examplesPerSecond).toBeGreaterThan(0);
    expect(res.validationQueries).toBeGreaterThan(100);
  });

  it('gives a new item (unknown id, known features) an embedding close to the items with its features', () => {
    const { model } = res;
    const byCluster = Array.from({ length: 8 }, (_, c) => planted.items.filter((it) => planted.clusterOfItem(it.id) === c));
    const centroids = byCluster.map((group) => {
      const e = itemEmbeddings(model, group);
      const mean = new Float32Array(model.dim);
      for (let i = 0; i < e.length; i++) mean[i % model.dim] = (mean[i % model.dim] as number) + (e[i] as number) / group.length;
      return mean;
    });
    for (let c = 0; c < 8; c++) {
      const template = byCluster[c]?.[3];
      if (template === undefined) throw new Error('empty cluster');
      const fresh = coldStartItemEmbedding(model, { ...template, id: 'brand-new' });
      const sims = centroids.map((m) => cos(fresh, m));
      expect(sims.indexOf(Math.max(...sims))).toBe(c);
    }
  });

  it('serves a new user from context alone: recent items of one cluster retrieve that cluster', () => {
    const { model } = res;
    const items = itemEmbeddings(model, planted.items);
    let inCluster = 0;
    for (let c = 0; c < 8; c++) {
      const recent = [0, 1, 2].map((k) => `i${k * 8 + c}`);
      const u = userEmbedding(model, { userId: 'nobody', recentItems: recent });
      const scores = scoreItems(u, items, planted.items.length);
      const top = [...scores.keys()].sort((a, b) => (scores[b] as number) - (scores[a] as number)).slice(0, 10);
      inCluster += top.filter((i) => i % 8 === c).length;
    }
    // Chance is 1/8; global Zipf picks rightly put a few popular items of other clusters in the top 10.
    expect(inCluster / 80).toBeGreaterThan(0.45);
  });
});

describe('training options', () => {
  it('is deterministic for a seed in single-thread mode', async () => {
    const small = plantedMarketplace({ users: 100, items: 64, clusters: 4, events: 1500, seed: 2 });
    const opts: TrainOptions = { ...FAST, epochs: 2, patience: 5 };
    const a = await fitTwoTower(small, SMALL_CONFIG, opts);
    const b = await fitTwoTower(small, SMALL_CONFIG, opts);
    const c = await fitTwoTower(small, SMALL_CONFIG, { ...opts, seed: 4 });
    expect(Buffer.from(a.model.params.buffer).equals(Buffer.from(b.model.params.buffer))).toBe(true);
    expect(a.epochs.map((e) => e.loss)).toEqual(b.epochs.map((e) => e.loss));
    expect(Buffer.from(a.model.params.buffer).equals(Buffer.from(c.model.params.buffer))).toBe(false);
  });

  it('logQ correction raises the scores of popular items relative to the rest', async () => {
    const skewed = plantedMarketplace({ users: 300, items: 160, clusters: 8, events: 6000, seed: 9, affinity: 0.4 });
    const opts: TrainOptions = { ...FAST, epochs: 4, patience: 9, idDropout: 0 };
    const withQ = await fitTwoTower(skewed, SMALL_CONFIG, { ...opts, logQ: true });
    const withoutQ = await fitTwoTower(skewed, SMALL_CONFIG, { ...opts, logQ: false });
    // Global Zipf picks make items i0 … i4 by far the most frequent positives.
    const popular = new Set(['i0', 'i1', 'i2', 'i3', 'i4']);
    const gap = (r: TrainResult): number => {
      const items = itemEmbeddings(r.model, skewed.items);
      let pop = 0;
      let rest = 0;
      for (const user of skewed.users.slice(0, 100)) {
        const s = scoreItems(userEmbedding(r.model, { userId: user.id }), items, skewed.items.length);
        skewed.items.forEach((it, i) => (popular.has(it.id) ? (pop += s[i] as number) : (rest += s[i] as number)));
      }
      return pop / (100 * popular.size) - rest / (100 * (skewed.items.length - popular.size));
    };
    expect(gap(withQ)).toBeGreaterThan(gap(withoutQ) + 0.05);
  });

  it('context dropout teaches the tower requests without a destination when every event has one', async () => {
    const withDest = plantedMarketplace({ users: 400, items: 200, clusters: 8, events: 8000, seed: 5, destinationRate: 1 });
    const inClusterShare = async (contextDropout: number): Promise<number> => {
      const r = await fitTwoTower(withDest, SMALL_CONFIG, { ...FAST, contextDropout });
      const items = itemEmbeddings(r.model, withDest.items);
      let hits = 0;
      for (let u = 0; u < 200; u++) {
        // A known user asking without destination or dates: only id, month (from the request time) and history.
        const s = scoreItems(userEmbedding(r.model, { userId: `u${u}`, ts: Date.UTC(2026, 3, 1) }), items, withDest.items.length);
        hits += [...s.keys()].sort((a, b) => (s[b] as number) - (s[a] as number)).slice(0, 10).filter((i) => i % 8 === u % 8).length;
      }
      return hits / 2000;
    };
    expect(await inClusterShare(0.3)).toBeGreaterThan((await inClusterShare(0)) + 0.05);
    await expect(fitTwoTower(withDest, SMALL_CONFIG, { contextDropout: 1 })).rejects.toThrow(/contextDropout/);
  });

  it('trains with two Hogwild worker threads to a comparable recall', async () => {
    const res = await fitTwoTower(planted, SMALL_CONFIG, { ...FAST, threads: 2 });
    expect(res.bestRecall ?? 0).toBeGreaterThan(popularityRecall(res.dataset, 10) + 0.2);
  });

  it('runs the JS reference backend and rejects bad options', async () => {
    const tiny = plantedMarketplace({ users: 40, items: 32, clusters: 4, events: 400, seed: 1 });
    const res = await fitTwoTower(tiny, SMALL_CONFIG, { ...FAST, backend: 'js', epochs: 1, batchSize: 32 });
    expect(Number.isFinite(res.epochs[0]?.loss)).toBe(true);
    await expect(fitTwoTower(tiny, SMALL_CONFIG, { batchSize: 10_000 })).rejects.toThrow(/fewer than one batch/);
    await expect(fitTwoTower(tiny, SMALL_CONFIG, { idDropout: 1 })).rejects.toThrow(/idDropout/);
  });
});
