import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contributions, expectedValue, treeStats } from './explain.ts';
import { binaryData } from './fixtures/synthetic.ts';
import { readLightGbmModel } from './lightgbm-format.ts';
import type { GbdtModel, GbdtTree } from './model.ts';
import { goesLeft, predictRaw } from './model.ts';
import { trainGbdt } from './train.ts';
import { shapValues } from './tree-shap.ts';

/** E[tree | features in S fixed to x], others averaged over the training cover. */
function conditional(tree: GbdtTree, x: number[], inS: (f: number) => boolean, node = 0): number {
  if (tree.numLeaves <= 1) return tree.leafValue[0]!;
  if (node < 0) return tree.leafValue[~node]!;
  const f = tree.splitFeature[node]!;
  const l = tree.leftChild[node]!;
  const r = tree.rightChild[node]!;
  if (inS(f)) return conditional(tree, x, inS, goesLeft(tree, node, x[f]!) ? l : r);
  const s = treeStats(tree);
  const w = (c: number): number => (c >= 0 ? s.weight[c]! : s.leafWeight[~c]!);
  return (w(l) * conditional(tree, x, inS, l) + w(r) * conditional(tree, x, inS, r)) / (w(l) + w(r));
}

/** Exact Shapley values by enumerating all feature subsets (small M only). */
function bruteShap(model: GbdtModel, x: number[]): number[] {
  const m = model.featureNames.length;
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const value = (mask: number): number => model.trees.reduce((acc, t) => acc + conditional(t, x, (f) => ((mask >> f) & 1) === 1), 0);
  return Array.from({ length: m }, (_, i) => {
    let phi = 0;
    for (let mask = 0; mask < 1 << m; mask++) {
      if ((mask >> i) & 1) continue;
      let size = 0;
      for (let b = 0; b < m; b++) size += (mask >> b) & 1;
      phi += ((fact(size) * fact(m - size - 1)) / fact(m)) * (value(mask | (1 << i)) - value(mask));
    }
    return phi;
  });
}

describe('TreeSHAP', () => {
  const train = binaryData(1500, 4, 3, 0.1);
  const { model } = trainGbdt(train, { objective: 'binary', numIterations: 6, numLeaves: 7, minDataInLeaf: 30 });

  it('matches exact Shapley values computed by subset enumeration', () => {
    for (let r = 0; r < 20; r++) {
      const x = Array.from(train.features.subarray(r * 4, r * 4 + 4));
      const phi = shapValues(model, x);
      const exact = bruteShap(model, x);
      exact.forEach((v, f) => expect(phi[f]).toBeCloseTo(v, 10));
    }
  });

  it('sums to the raw score with the expected value last', () => {
    const x = [0.3, NaN, -1, 2];
    const phi = shapValues(model, x);
    expect(phi[4]).toBeCloseTo(expectedValue(model), 12);
    expect(phi.reduce((a, b) => a + b, 0)).toBeCloseTo(predictRaw(model, x), 10);
    const saabas = contributions(model, x);
    expect(saabas.reduce((a, b) => a + b, 0)).toBeCloseTo(predictRaw(model, x), 10);
  });

  it('works on a LightGBM file (hand-written fixture)', () => {
    const fixture = readLightGbmModel(readFileSync(new URL('./fixtures/handwritten-model.txt', import.meta.url), 'utf8'));
    const x = [1, 0, 0.5];
    const phi = shapValues(fixture, x);
    expect(phi.reduce((a, b) => a + b, 0)).toBeCloseTo(predictRaw(fixture, x), 12);
    bruteShap(fixture, x).forEach((v, f) => expect(phi[f]).toBeCloseTo(v, 12));
  });
});
