import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readLightGbmModel, writeLightGbmModel } from './lightgbm-format.ts';
import { predictBatch, predictRaw } from './model.ts';
import { shapValues } from './tree-shap.ts';

// Models and expected outputs written by the real LightGBM 4.7.0 Python package
// (fixtures/make-lightgbm-fixtures.py): one with NaN missing values, one with zero_as_missing.
const read = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

interface Expected {
  rows: (number | null)[][];
  [model: string]: unknown;
}
interface ModelExpectation {
  threshold_row: (number | null)[];
  raw: number[];
  contrib: number[][];
}

const expected = JSON.parse(read('lightgbm-4.7-expected.json')) as Expected;
const decode = (r: (number | null)[]): number[] => r.map((v) => (v === null ? NaN : v));
const rows = expected.rows.map(decode);

describe.each(['lightgbm-4.7-nan.txt', 'lightgbm-4.7-zero.txt'])('file written by LightGBM: %s', (name) => {
  const text = read(name);
  const model = readLightGbmModel(text);
  const exp = expected[name] as ModelExpectation;
  const all = [...rows, decode(exp.threshold_row)];

  it('predicts bit-identically to LightGBM (NaN, zeros, 1e-36, -0, a value equal to a threshold)', () => {
    all.forEach((row, i) => expect(predictRaw(model, row)).toBe(exp.raw[i]));
    const batch = predictBatch(model, Float64Array.from(all.flat()), all.length, { raw: true });
    expect(Array.from(batch)).toEqual(exp.raw);
  });

  it('gives the same TreeSHAP values as LightGBM pred_contrib', () => {
    rows.forEach((row, i) => {
      const phi = shapValues(model, row);
      exp.contrib[i]!.forEach((v, j) => expect(phi[j]).toBeCloseTo(v, 12));
    });
  });

  it('re-writes the file byte for byte (header, trees, tree_sizes, importances, parameters)', () => {
    const upTo = text.indexOf('end of parameters') + 'end of parameters\n'.length;
    expect(writeLightGbmModel(model)).toBe(text.slice(0, upTo));
    expect(text.slice(upTo)).toMatch(/pandas_categorical/);
  });
});
