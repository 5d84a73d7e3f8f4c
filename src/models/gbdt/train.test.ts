import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.ts';
import { createDataset } from './dataset.ts';
import { contributions, expectedValue, featureImportance } from './explain.ts';
import { binaryData, regressionData } from './fixtures/synthetic.ts';
import { PARALLEL_MIN_ROWS } from './histogram-pool.ts';
import { writeLightGbmModel } from './lightgbm-format.ts';
import { auc, l2 } from './metrics.ts';
import { predictBatch, predictRaw } from './model.ts';
import { trainGbdt } from './train.ts';

function variance(y: Float32Array): number {
  let m = 0;
  for (const v of y) m += v;
  m /= y.length;
  let s = 0;
  for (const v of y) s += (v - m) ** 2;
  return s / y.length;
}

describe('trainGbdt', () => {
  it('learns y = x0² + noise: validation l2 falls far below the label variance', () => {
    const train = regressionData(4000, 4, 1);
    const valid = regressionData(1000, 4, 2);
    const res = trainGbdt(train, { objective: 'regression', numIterations: 60, numLeaves: 15, seed: 3 }, { valid });
    const mse = l2(predictBatch(res.model, valid.features, valid.numRows), valid.labels);
    expect(mse).toBeLessThan(0.05 * variance(valid.labels));
    expect(res.history[0]!.name).toBe('l2');
    expect(res.history[0]!.values.at(-1)).toBeCloseTo(mse, 10);
    // Only x0 matters: it gets most of the gain.
    const gain = featureImportance(res.model, 'gain');
    expect(gain[0]).toBeGreaterThan(0.9 * gain.reduce((a, b) => a + b, 0));
  });

  it('learns a noisy separable binary problem with missing values: AUC > 0.9', () => {
    const train = binaryData(4000, 6, 5);
    const valid = binaryData(2000, 6, 6);
    const res = trainGbdt(train, { objective: 'binary', numIterations: 40, numLeaves: 15, seed: 1 }, { valid });
    const p = predictBatch(res.model, valid.features, valid.numRows);
    expect(auc(p, valid.labels)).toBeGreaterThan(0.9);
    expect(p.every((v) => v > 0 && v < 1)).toBe(true);
    expect(res.history.map((h) => h.name)).toEqual(['logloss', 'auc']);
    // x1 has NaN in training: its splits record missing type NaN (decision_type bits 2–3 = 2).
    const x1Splits = res.model.trees.flatMap((t) => Array.from(t.splitFeature).map((f, i) => [f, t.decisionType[i]!]));
    expect(x1Splits.filter(([f]) => f === 1).every(([, dt]) => (dt! >> 2) === 2)).toBe(true);
    expect(x1Splits.filter(([f]) => f === 0).every(([, dt]) => (dt! >> 2) === 0)).toBe(true);
  });

  it('is deterministic by seed (identical model text), and the seed matters with sampling', () => {
    const train = binaryData(1500, 6, 9);
    const params = { objective: 'binary' as const, numIterations: 15, baggingFraction: 0.7, baggingFreq: 1, featureFraction: 0.6 };
    const a = writeLightGbmModel(trainGbdt(train, { ...params, seed: 42 }).model);
    const b = writeLightGbmModel(trainGbdt(train, { ...params, seed: 42 }).model);
    const c = writeLightGbmModel(trainGbdt(train, { ...params, seed: 43 }).model);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('builds the same model on two threads as on one', () => {
    const train = binaryData(PARALLEL_MIN_ROWS + 2000, 6, 21);
    const params = { objective: 'binary' as const, numIterations: 4, numLeaves: 7, baggingFraction: 0.9, baggingFreq: 1 };
    const one = trainGbdt(train, { ...params, numThreads: 1 });
    const two = trainGbdt(train, { ...params, numThreads: 2 });
    expect(two.threads).toBe(2);
    expect(writeLightGbmModel(two.model)).toBe(writeLightGbmModel(one.model));
  });

  it('early stopping keeps the best iteration', () => {
    // Small noisy data and a high learning rate overfit quickly.
    const train = binaryData(400, 6, 31, 0);
    const valid = binaryData(400, 6, 32, 0);
    const res = trainGbdt(train, {
      objective: 'binary', numIterations: 200, learningRate: 0.5, numLeaves: 31, minDataInLeaf: 2, earlyStoppingRounds: 5, seed: 2,
    }, { valid });
    expect(res.stopReason).toBe('early_stopping');
    const losses = res.history[0]!.values;
    expect(losses.length).toBe(res.iterations);
    expect(res.iterations).toBe(res.bestIteration + 5);
    expect(Math.min(...losses)).toBe(losses[res.bestIteration - 1]);
    expect(res.model.trees.length).toBe(res.bestIteration);
  });

  it('respects maxDepth, numLeaves and minDataInLeaf', () => {
    const train = regressionData(2000, 3, 4);
    const res = trainGbdt(train, { objective: 'regression', numIterations: 5, numLeaves: 63, maxDepth: 3, minDataInLeaf: 50 });
    for (const t of res.model.trees) {
      expect(t.numLeaves).toBeLessThanOrEqual(8);
      expect(Math.min(...t.leafCount)).toBeGreaterThanOrEqual(50);
      expect(t.leafCount.reduce((a, b) => a + b, 0)).toBe(2000);
    }
  });

  it('folds the init score (log-odds of the mean) into the first tree, like boost_from_average', () => {
    const x = Float32Array.from({ length: 100 }, () => 1);
    const y = Float32Array.from({ length: 100 }, (_, i) => (i < 25 ? 1 : 0));
    const res = trainGbdt(createDataset({ features: x, labels: y, numFeatures: 1 }), { objective: 'binary', numIterations: 3, featureFraction: 0.5 });
    // A constant feature cannot split: one single-leaf tree carrying log(0.25 / 0.75), then training stops.
    expect(res.stopReason).toBe('no_split');
    expect(res.model.trees.length).toBe(1);
    expect(res.model.trees[0]!.numLeaves).toBe(1);
    expect(predictRaw(res.model, [1])).toBeCloseTo(Math.log(1 / 3), 12);
  });

  it('boosts from per-row init scores (LightGBM init_score): the model learns the correction only', () => {
    const train = regressionData(4000, 4, 1);
    const valid = regressionData(1000, 4, 2);
    // The init score already holds x0² (the signal); what is left is noise, so the correction is small.
    const withInit = (ds: typeof train) => createDataset({
      features: ds.features, labels: ds.labels, numFeatures: ds.numFeatures,
      initScores: Float64Array.from({ length: ds.numRows }, (_, i) => ds.features[i * ds.numFeatures]! ** 2),
    });
    const res = trainGbdt(withInit(train), { objective: 'regression', numIterations: 20, numLeaves: 7, seed: 3 }, { valid: withInit(valid) });
    const correction = predictBatch(res.model, valid.features, valid.numRows);
    const full = Float64Array.from(correction, (c, i) => c + valid.features[i * valid.numFeatures]! ** 2);
    expect(l2(full, valid.labels)).toBeLessThan(0.05 * variance(valid.labels));
    expect(Math.max(...correction.map(Math.abs))).toBeLessThan(0.5 * Math.sqrt(variance(valid.labels)));
    expect(res.history[0]!.values.at(-1)).toBeCloseTo(l2(full, valid.labels), 10);
    expect(() => createDataset({ features: [1, 2], labels: [0, 1], numFeatures: 1, initScores: new Float64Array(3) })).toThrow(/3 init scores for 2 rows/);
  });

  it('Saabas contributions of a trained model sum to raw − expected value', () => {
    const train = binaryData(2000, 5, 13);
    const { model } = trainGbdt(train, { objective: 'binary', numIterations: 10, numLeaves: 7 });
    const e = expectedValue(model);
    for (let r = 0; r < 50; r++) {
      const phi = contributions(model, train.features, r * 5);
      const raw = predictRaw(model, train.features, r * 5);
      expect(phi[5]).toBeCloseTo(e, 12);
      expect(phi.slice(0, 5).reduce((a, b) => a + b, 0)).toBeCloseTo(raw - e, 10);
    }
  });

  it('rejects bad parameters and labels', () => {
    const ds = binaryData(50, 3, 1);
    expect(() => trainGbdt(ds, { objective: 'binary', numLeaves: 1 })).toThrow(/numLeaves/);
    expect(() => trainGbdt(ds, { objective: 'binary', featureFraction: 0 })).toThrow(InvalidInputError);
    const reg = regressionData(50, 3, 1);
    expect(() => trainGbdt(reg, { objective: 'binary' })).toThrow(/expected 0 or 1/);
    expect(() => trainGbdt(reg, { objective: 'lambdarank' })).toThrow(/no query groups/);
  });
});
