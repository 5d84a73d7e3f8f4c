import { describe, expect, it } from 'vitest';
import { binaryData } from './fixtures/synthetic.ts';
import { canCompile, compiledBatchScorer } from './compiled-ensemble.ts';
import { readLightGbmModel, writeLightGbmModel } from './lightgbm-format.ts';
import { predictRaw } from './model.ts';
import { trainGbdt } from './train.ts';

describe('compiled ensemble scorer', () => {
  const train = binaryData(3000, 6, 1);
  const model = trainGbdt(train, { objective: 'binary', numIterations: 40, numLeaves: 15, seed: 2 }).model;

  it('gives bit-identical scores to the row-by-row walk, missing values and both default directions included', () => {
    expect(canCompile(model.trees)).toBe(true);
    const rows = binaryData(257, 6, 9);
    // Force NaN into some cells on top of the generator's own missing values.
    for (let i = 0; i < rows.features.length; i += 7) rows.features[i] = NaN;
    const out = new Float64Array(rows.numRows);
    compiledBatchScorer(model.trees)(rows.features, rows.numRows, rows.numFeatures, out);
    for (let i = 0; i < rows.numRows; i++) expect(out[i]).toBe(predictRaw(model, rows.features, i * rows.numFeatures));
    // Several generated functions (500 internal nodes each) still add in tree order.
    const many = trainGbdt(train, { objective: 'binary', numIterations: 120, numLeaves: 15, seed: 2 }).model;
    const out2 = new Float64Array(rows.numRows);
    compiledBatchScorer(many.trees)(rows.features, rows.numRows, rows.numFeatures, out2);
    for (let i = 0; i < rows.numRows; i += 16) expect(out2[i]).toBe(predictRaw(many, rows.features, i * rows.numFeatures));
  });

  it('leaves models with Zero missing type to the array walk', () => {
    const text = writeLightGbmModel(model).replace(/decision_type=(\d+)/, (_, d: string) => `decision_type=${(Number(d.split(' ')[0]) & ~12) | 4}`);
    expect(canCompile(readLightGbmModel(text).trees)).toBe(false);
  });
});
