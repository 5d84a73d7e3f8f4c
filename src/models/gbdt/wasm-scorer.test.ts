import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../util/rng.ts';
import { binaryData, regressionData } from './fixtures/synthetic.ts';
import { readLightGbmModel } from './lightgbm-format.ts';
import type { GbdtModel } from './model.ts';
import { predictBatch, predictRaw, ZERO_THRESHOLD } from './model.ts';
import { wasmScorerSupports, createWasmScorer } from './wasm-scorer.ts';
import { trainGbdt } from './train.ts';

const fixture = (name: string): GbdtModel => readLightGbmModel(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

/** Values that sit on every missing-value and threshold boundary the scorers distinguish. */
function edgeValues(model: GbdtModel): number[] {
  const thresholds = model.trees.flatMap((t) => Array.from(t.threshold.subarray(0, t.numLeaves - 1)));
  return [
    NaN, 0, -0, 1e-36, -1e-36, ZERO_THRESHOLD, -ZERO_THRESHOLD, 2e-35, -2e-35, Infinity, -Infinity,
    ...thresholds, ...thresholds.map((v) => v + Math.abs(v) * 1e-15 + 1e-300), ...thresholds.map((v) => Math.fround(v)),
  ];
}

/** Random rows mixing the model's own edge values, NaN and normal draws. */
function rows(model: GbdtModel, numRows: number, seed: number, Arr: Float32ArrayConstructor | Float64ArrayConstructor): Float32Array | Float64Array {
  const rng = createRng(seed);
  const edges = edgeValues(model);
  const nf = model.featureNames.length;
  const x = new Arr(numRows * nf);
  for (let i = 0; i < x.length; i++) {
    const u = rng.next();
    x[i] = u < 0.15 ? NaN : u < 0.45 ? edges[rng.int(edges.length)]! : rng.normal() * 2;
  }
  return x;
}

function expectRowWalk(model: GbdtModel, x: Float32Array | Float64Array, numRows: number, chunkRows?: number): void {
  const score = createWasmScorer(model.trees, chunkRows === undefined ? {} : { chunkRows })!;
  const out = new Float64Array(numRows).fill(42);
  score(x, numRows, model.featureNames.length, out);
  const nf = model.featureNames.length;
  const mismatches = [];
  for (let i = 0; i < numRows; i++) if (!Object.is(out[i], predictRaw(model, x, i * nf))) mismatches.push(i);
  expect(mismatches).toEqual([]);
}

describe('WebAssembly partition scorer', () => {
  const train = binaryData(3000, 6, 1);
  const model = trainGbdt(train, { objective: 'binary', numIterations: 40, numLeaves: 15, seed: 2 }).model;
  const deep = trainGbdt(regressionData(3000, 5, 3), { objective: 'regression', numIterations: 30, numLeaves: 63, minDataInLeaf: 2, seed: 4 }).model;

  it('is bit-identical to the row-by-row walk with NaN, both default directions and several chunks', () => {
    expect(wasmScorerSupports(model.trees)).toBe(true);
    const dirs = new Set(model.trees.flatMap((t) => Array.from(t.decisionType.subarray(0, t.numLeaves - 1))));
    expect([...dirs].sort()).toEqual([10, 2, 8]); // NaN default left, None, NaN default right
    for (const Arr of [Float32Array, Float64Array]) {
      expectRowWalk(model, rows(model, 777, 5, Arr), 777); // one chunk
      expectRowWalk(model, rows(model, 777, 6, Arr), 777, 64); // 13 chunks, the last one partial
    }
  });

  it('handles deep, unbalanced trees (63 leaves, one-row leaves)', () => {
    const depth = (t: GbdtModel['trees'][number], n: number): number => (n < 0 ? 0 : 1 + Math.max(depth(t, t.leftChild[n]!), depth(t, t.rightChild[n]!)));
    expect(Math.max(...deep.trees.map((t) => depth(t, 0)))).toBeGreaterThan(10);
    expectRowWalk(deep, rows(deep, 1000, 7, Float64Array), 1000, 256);
  });

  it('follows LightGBM missing type Zero and single-leaf trees (files written by LightGBM and by hand)', () => {
    for (const name of ['lightgbm-4.7-zero.txt', 'lightgbm-4.7-nan.txt', 'handwritten-model.txt']) {
      const m = fixture(name);
      expect(wasmScorerSupports(m.trees)).toBe(true);
      for (const Arr of [Float32Array, Float64Array]) expectRowWalk(m, rows(m, 600, 8, Arr), 600, 100);
    }
  });

  it('reuses one scorer across batch sizes (buffers grow, earlier batches leave nothing behind)', () => {
    const score = createWasmScorer(model.trees, { chunkRows: 128 })!;
    const x = rows(model, 300, 9, Float32Array);
    for (const n of [1, 5, 300, 17, 129, 0]) {
      const out = new Float64Array(n);
      score(x, n, 6, out);
      out.forEach((v, i) => expect(v).toBe(predictRaw(model, x, i * 6)));
    }
  });

  it('scores an empty ensemble as 0 and declines categorical splits and infinite thresholds', () => {
    const out = new Float64Array(3).fill(1);
    createWasmScorer([])!(new Float32Array(6), 3, 2, out);
    expect(Array.from(out)).toEqual([0, 0, 0]);
    const t = model.trees[1]!;
    expect(wasmScorerSupports([{ ...t, decisionType: t.decisionType.map((d, i) => (i === 0 ? d | 1 : d)) }])).toBe(false);
    expect(wasmScorerSupports([{ ...t, threshold: t.threshold.map((v, i) => (i === 0 ? Infinity : v)) }])).toBe(false);
    expect(createWasmScorer([{ ...t, threshold: t.threshold.map(() => NaN) }])).toBeNull();
  });

  it('backs predictBatch for batches of 4 rows or more (and smaller ones walk row by row)', () => {
    const x = rows(model, 50, 10, Float32Array);
    for (const n of [1, 3, 4, 50]) {
      const got = predictBatch(model, x, n, { raw: true });
      got.forEach((v, i) => expect(v).toBe(predictRaw(model, x, i * 6)));
    }
  });
});
