import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RecsysError } from '../../errors.ts';
import { formatG, formatG17 } from './c-format.ts';
import { contributions, expectedValue, featureImportance } from './explain.ts';
import { binaryData } from './fixtures/synthetic.ts';
import { readLightGbmModel, writeLightGbmModel } from './lightgbm-format.ts';
import { predict, predictBatch, predictRaw } from './model.ts';
import { trainGbdt } from './train.ts';

const fixture = readFileSync(new URL('./fixtures/handwritten-model.txt', import.meta.url), 'utf8');
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

describe('handwritten LightGBM fixture', () => {
  const model = readLightGbmModel(fixture);
  // Expected raw scores worked out by hand from the file, following Tree::NumericalDecision:
  // tree 0 node 0: f0 <= 0.5, missing NaN, default left     node 1: f1 <= 1.5, missing NaN, default right
  //        node 2: f2 <= -0.25, missing Zero, default left  node 3: f1 <= -1, missing None (NaN scored as 0)
  // leaves 0.5 -0.25 1.25 -2 0.75; tree 1 is a single leaf 0.125 added to every row.
  const cases: [string, number[], number][] = [
    ['exactly at both thresholds goes left', [0.5, 1.5, 0], 0.5 + 0.125],
    ['NaN at a NaN/default-left node goes left', [NaN, 2, 0], -0.25 + 0.125],
    ['NaN at a NaN/default-right node goes right', [0, NaN, 0], -0.25 + 0.125],
    ['zero at a Zero/default-left node goes left although 0 > -0.25', [1, 0, 0], 1.25 + 0.125],
    ['NaN at a Zero node counts as zero → default left', [1, 0, NaN], 1.25 + 0.125],
    ['exactly at the Zero node threshold goes left', [1, 0, -0.25], 1.25 + 0.125],
    ['|x| ≤ 1e-35 counts as zero', [1, 0, 1e-36], 1.25 + 0.125],
    ['tiny negative zero-ish value counts as zero', [1, 0, -1e-36], 1.25 + 0.125],
    ['-2e-35 is not zero: compared, goes right, then None node', [1, 0, -2e-35], 0.75 + 0.125],
    ['right at the None node', [1, 5, 0.5], 0.75 + 0.125],
    ['exactly at the None node threshold goes left', [1, -1, 0.5], -2 + 0.125],
    ['NaN at a None node is scored as 0 (0 > -1 → right)', [1, NaN, 0.5], 0.75 + 0.125],
    ['all missing', [NaN, NaN, NaN], -0.25 + 0.125],
  ];

  it.each(cases)('%s', (_name, row, expected) => {
    expect(predictRaw(model, Float32Array.from(row))).toBe(expected);
    expect(predictRaw(model, row)).toBe(expected);
    expect(predict(model, row)).toBe(sigmoid(expected));
  });

  it('reads the header, objective and single-leaf tree', () => {
    expect(model.objective).toEqual({ name: 'binary', sigmoid: 1 });
    expect(model.featureNames).toEqual(['f0', 'f1', 'f2']);
    expect(model.trees.map((t) => t.numLeaves)).toEqual([5, 1]);
    expect(model.parameters).toContain('[num_leaves: 5]');
  });

  it('scores in batch like row by row', () => {
    const x = Float32Array.from(cases.flatMap(([, row]) => row));
    const raw = predictBatch(model, x, cases.length, { raw: true });
    expect(Array.from(raw)).toEqual(cases.map(([, , e]) => e));
  });

  it('is re-written byte for byte by the writer (trees, header, importances)', () => {
    const out = writeLightGbmModel(model);
    expect(out).toBe(fixture.slice(0, fixture.indexOf('pandas_categorical')).replace(/\n$/, ''));
  });

  it('has tree_sizes that locate each tree the way LightGBM loads it', () => {
    const bytes = Buffer.from(fixture, 'utf8');
    const sizes = /tree_sizes=(.*)/.exec(fixture)![1]!.split(' ').map(Number);
    let p = bytes.indexOf('Tree=0');
    sizes.forEach((size, i) => {
      expect(bytes.subarray(p, p + 7).toString()).toBe(`Tree=${i}\n`);
      p += size;
    });
    expect(bytes.subarray(p, p + 12).toString()).toBe('end of trees');
  });

  it('explains rows: Saabas contributions sum to the raw score', () => {
    expect(expectedValue(model)).toBe(0.484375 + 0.125);
    const phi = contributions(model, [1, 0, 0]);
    expect(phi[3]).toBe(0.609375);
    // Path: node 0 (f0) 0.484375 → node 2 (0.775) → leaf 2 (1.25).
    expect(phi[0]).toBeCloseTo(0.775 - 0.484375, 12);
    expect(phi[2]).toBeCloseTo(1.25 - 0.775, 12);
    expect(phi[0]! + phi[1]! + phi[2]! + phi[3]!).toBeCloseTo(predictRaw(model, [1, 0, 0]), 12);
    expect(Array.from(featureImportance(model, 'split'))).toEqual([1, 2, 1]);
    expect(Array.from(featureImportance(model, 'gain'))).toEqual([10.5, 3.75, 2]);
  });
});

describe('LightGBM text format', () => {
  it('round-trips a trained model with bit-identical predictions on 1000 rows', () => {
    const train = binaryData(3000, 8, 11);
    const test = binaryData(1000, 8, 12, 0.2);
    const { model } = trainGbdt(train, { objective: 'binary', numIterations: 20, numLeaves: 15, seed: 1 });
    const text = writeLightGbmModel(model);
    const back = readLightGbmModel(text);
    const a = predictBatch(model, test.features, test.numRows, { raw: true });
    const b = predictBatch(back, test.features, test.numRows, { raw: true });
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    expect(writeLightGbmModel(back)).toBe(text);
  });

  it('tolerates unknown keys and the pandas_categorical trailer', () => {
    const text = fixture.replace('label_index=0', 'label_index=0\nsome_future_key=1\naverage_output_hint').replace('is_linear=0\nshrinkage=1\n\n\nTree=1', 'is_linear=0\nnew_tree_key=3 4\nshrinkage=1\n\n\nTree=1');
    expect(readLightGbmModel(text).trees.length).toBe(2);
  });

  it('rejects categorical splits, naming the tree', () => {
    const text = fixture.replace('Tree=1\nnum_leaves=1\nnum_cat=0', 'Tree=1\nnum_leaves=1\nnum_cat=2');
    expect(() => readLightGbmModel(text)).toThrow(/Tree=1: categorical splits \(num_cat=2\)/);
    try {
      readLightGbmModel(text);
    } catch (err) {
      expect(err).toBeInstanceOf(RecsysError);
      expect((err as RecsysError).code).toBe('REC_ERR_MODEL_FORMAT');
    }
  });

  it('rejects broken files with a clear message', () => {
    expect(() => readLightGbmModel('hello')).toThrow(/does not start with "tree"/);
    expect(() => readLightGbmModel(fixture.replace('left_child=1 -1 -3 -4', 'left_child=1 -1'))).toThrow(/Tree=0: left_child has 2 values, expected 4/);
    expect(() => readLightGbmModel(fixture.replace('num_class=1', 'num_class=3'))).toThrow(/single-output/);
    expect(() => readLightGbmModel(fixture.replace('objective=binary sigmoid:1', 'objective=poisson'))).toThrow(/poisson/);
  });

  it('prints numbers like printf %g / %.17g', () => {
    expect(formatG17(0.1)).toBe('0.10000000000000001');
    expect(formatG17(4.05)).toBe('4.0499999999999998');
    expect(formatG17(7.1804507292414963e-5)).toBe('7.1804507292414963e-05');
    expect(formatG17(1e300)).toBe('1.0000000000000001e+300');
    expect(formatG17(-2)).toBe('-2');
    expect(formatG(25.06221234, 6)).toBe('25.0622');
    expect(formatG(6.94696e-5, 6)).toBe('6.94696e-05');
    expect(formatG(123456789, 6)).toBe('1.23457e+08');
    expect(formatG(0.0001, 6)).toBe('0.0001');
    expect(formatG(0, 6)).toBe('0');
  });
});
