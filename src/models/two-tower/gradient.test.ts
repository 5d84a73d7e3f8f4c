import { describe, expect, it } from 'vitest';
import { createRng } from '../../util/rng.ts';
import { BatchBuilder, DUPLICATE_BIAS } from './batch.ts';
import type { TwoTowerConfig } from './config.ts';
import { resolveTwoTowerConfig } from './config.ts';
import type { TwoTowerDataset } from './dataset.ts';
import { ITEM_FIELD_COUNT, USER_FIELD_COUNT } from './encoding.ts';
import { gatherItem, gatherUser } from './forward.ts';
import type { StepBatch } from './js-step.ts';
import { jsStep } from './js-step.ts';
import type { SparseRows } from './optimizer.ts';
import { createOrtStepRunner } from './ort-step.ts';
import type { ParamLayout } from './params.ts';
import { buildLayout, initParams } from './params.ts';

const TINY = resolveTwoTowerConfig({
  outputDim: 4, hiddenDim: 6, recentDim: 3, recentItems: 3, temperature: 0.1,
  userDims: { user_id: 2, home_country: 2, device: 2, destination: 2, season: 2, month: 2, trip_length: 2 },
  itemDims: { item_id: 3, city: 2, country: 2, price_band: 2, stars: 2, review_band: 2, chain: 2 },
});
const ITEMS = 7;

/** A random dataset over small vocabularies; example 0 has no history (row 0 of the recent table). */
function randomSetup(config: TwoTowerConfig, seed: number): { layout: ParamLayout; ds: TwoTowerDataset; params: Float32Array } {
  const rng = createRng(seed);
  const userSizes = [5, 3, 3, 4, 5, 13, 8];
  const itemSizes = [ITEMS, 4, 3, 4, 7, 9, 3];
  const layout = buildLayout(config, userSizes, ITEMS, itemSizes);
  const n = 6;
  const r = config.recentItems;
  const ds: TwoTowerDataset = {
    size: n, recentItems: r, userFields: new Int32Array(n * USER_FIELD_COUNT), recent: new Int32Array(n * r),
    items: Int32Array.from([1, 2, 3, 1, 4, 5]), ts: Float64Array.from({ length: n }, (_, i) => i), itemFeatures: new Int32Array(ITEMS * ITEM_FIELD_COUNT),
  };
  ds.userFields.forEach((_, i) => (ds.userFields[i] = rng.int(userSizes[i % USER_FIELD_COUNT] as number)));
  ds.recent.forEach((_, i) => (ds.recent[i] = i < r ? 0 : rng.int(ITEMS)));
  for (let it = 1; it < ITEMS; it++) for (let f = 0; f < ITEM_FIELD_COUNT; f++) ds.itemFeatures[it * ITEM_FIELD_COUNT + f] = f === 0 ? it : rng.int(itemSizes[f] as number);
  const params = initParams(layout, config, seed);
  // Larger weights than at initialisation so that every gradient is far from zero.
  for (let i = 0; i < params.length; i++) params[i] = (params[i] as number) * 3;
  return { layout, ds, params };
}

/** Float64 loss of the batch, re-gathering the inputs from (possibly perturbed) params. */
function lossAt(p: Float32Array, layout: ParamLayout, ds: TwoTowerDataset, order: Int32Array, b: BatchBuilder, batch: StepBatch): number {
  const xu = new Float64Array(batch.rows * layout.user.inputDim);
  const xi = new Float64Array(batch.cols * layout.item.inputDim);
  const r = ds.recentItems;
  for (let i = 0; i < batch.rows; i++) {
    const e = order[i] as number;
    gatherUser(p, layout, ds.userFields, e * USER_FIELD_COUNT, ds.recent, e * r, r, xu, i * layout.user.inputDim);
  }
  for (let j = 0; j < batch.cols; j++) gatherItem(p, layout, ds.itemFeatures, (b.columnItem[j] as number) * ITEM_FIELD_COUNT, xi, j * layout.item.inputDim);
  return jsStep(p, layout, { ...batch, xu, xi }).loss;
}

describe('two-tower loss gradients', () => {
  const { layout, ds, params } = randomSetup(TINY, 3);
  const order = Int32Array.from([0, 1, 2, 3]);
  const builder = new BatchBuilder(layout, TINY.recentItems, 4, 6);
  const logQ = Float32Array.from({ length: ITEMS }, (_, i) => -0.3 * i);
  const batch = builder.fill(params, ds, order, 0, Int32Array.from([6, 1]), createRng(1), { idDropout: 0, contextDropout: 0, logQ });
  const res = jsStep(params, layout, batch);
  builder.scatter(res.gxu, res.gxi);

  function numeric(index: number): number {
    const p = params.slice();
    const orig = p[index] as number;
    // Differences are taken over the float32 values actually stored.
    const hi = Math.fround(orig + 1e-3);
    const lo = Math.fround(orig - 1e-3);
    p[index] = hi;
    const up = lossAt(p, layout, ds, order, builder, batch);
    p[index] = lo;
    const down = lossAt(p, layout, ds, order, builder, batch);
    return (up - down) / (hi - lo);
  }

  it('masks in-batch duplicates of the positive and applies −log Q', () => {
    // Example 3's positive (item 1) also sits in column 0 and in uniform column 5.
    expect(batch.bias[3 * 6 + 0]).toBe(DUPLICATE_BIAS);
    expect(batch.bias[3 * 6 + 5]).toBe(DUPLICATE_BIAS);
    expect(batch.bias[0 * 6 + 3]).toBe(DUPLICATE_BIAS);
    expect(batch.bias[3 * 6 + 3]).toBeCloseTo(0.3, 6);
    expect(batch.bias[1 * 6 + 4]).toBeCloseTo(0.3 * 6, 5);
  });

  it('matches finite differences for dense weights and the temperature', () => {
    const checks = [layout.user.w1 + 5, layout.user.b1 + 2, layout.user.w2 + 7, layout.item.w1 + 11, layout.item.b2 + 1, layout.logScale];
    for (const i of checks) {
      const analytic = res.dense[i] as number;
      expect(Math.abs(numeric(i) - analytic)).toBeLessThan(2e-4 + 1e-2 * Math.abs(analytic));
      expect(Math.abs(analytic)).toBeGreaterThan(1e-5);
    }
  });

  it('matches finite differences for sparse embedding rows (incl. pooled recent items and duplicates)', () => {
    const user0 = ds.userFields[1 * USER_FIELD_COUNT] as number;
    const rows: [number, number][] = [
      [0, user0], [3, ds.userFields[2 * USER_FIELD_COUNT + 3] as number], // user_id, destination
    ];
    const cases: { sparse: SparseRows | undefined; row: number }[] = rows.map(([f, row]) => ({ sparse: builder.userSparse[f], row }));
    cases.push({ sparse: builder.recentSparse, row: 0 }, { sparse: builder.recentSparse, row: ds.recent[1 * 3] as number });
    cases.push({ sparse: builder.itemSparse[0], row: 1 }, { sparse: builder.itemSparse[1], row: ds.itemFeatures[6 * ITEM_FIELD_COUNT + 1] as number });
    for (const { sparse, row } of cases) {
      if (sparse === undefined) throw new Error('missing table');
      const g = sparse.gradientOf(row);
      expect(g).not.toBeNull();
      for (let k = 0; k < sparse.table.dim; k++) {
        const analytic = g?.[k] ?? NaN;
        expect(Math.abs(numeric(sparse.table.offset + row * sparse.table.dim + k) - analytic)).toBeLessThan(2e-4 + 1e-2 * Math.abs(analytic));
      }
    }
  });

  it('onnxruntime computes the same loss and gradients as the JS reference', async () => {
    const runner = await createOrtStepRunner(layout, 4, 6);
    try {
      const ort = await runner.run(params, batch);
      expect(Math.abs(ort.loss - res.loss)).toBeLessThan(1e-4 * Math.max(1, res.loss));
      const pairs: [Float32Array, Float32Array][] = [[ort.dense, res.dense], [ort.gxu, res.gxu], [ort.gxi, res.gxi]];
      for (const [a, b] of pairs) {
        expect(a.length).toBe(b.length);
        for (let i = 0; i < a.length; i++) expect(Math.abs((a[i] as number) - (b[i] as number))).toBeLessThan(1e-4);
      }
    } finally {
      await runner.close();
    }
  });
});
