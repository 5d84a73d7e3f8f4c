import { describe, expect, it } from 'vitest';
import { letorText } from './fixtures/synthetic.ts';
import { parseLetor } from './letor.ts';
import { auc, logloss, ndcgAt } from './metrics.ts';
import { predictBatch } from './model.ts';
import { createLambdarankObjective } from './objectives/lambdarank.ts';
import { defaultLabelGain } from './params.ts';
import { trainGbdt } from './train.ts';

const gain = defaultLabelGain();

describe('lambdarank', () => {
  it('raises validation NDCG@3 well above the initial (all-tied) order on a synthetic LETOR file', () => {
    const train = parseLetor(letorText(150, 6, 1));
    const valid = parseLetor(letorText(60, 6, 2), { numFeatures: train.numFeatures });
    const res = trainGbdt(train, { objective: 'lambdarank', numIterations: 30, numLeaves: 15, minDataInLeaf: 10, evalAt: [1, 3, 5] }, { valid });
    const initial = ndcgAt(new Float64Array(valid.numRows), valid.labels, valid.groups!, [3], gain)[0]!;
    const scores = predictBatch(res.model, valid.features, valid.numRows);
    const final = ndcgAt(scores, valid.labels, valid.groups!, [3], gain)[0]!;
    expect(res.history.map((h) => h.name)).toEqual(['ndcg@1', 'ndcg@3', 'ndcg@5']);
    expect(res.history[1]!.values.at(-1)).toBeCloseTo(final, 12);
    expect(final).toBeGreaterThan(initial + 0.15);
    expect(final).toBeGreaterThan(0.85);
  });

  it('pushes the more relevant document up with LightGBM-normalised lambdas', () => {
    const labels = Float32Array.from([0, 2]);
    const obj = createLambdarankObjective(labels, Int32Array.from([2]), { truncationLevel: 30, labelGain: gain, norm: true });
    const grad = new Float32Array(2);
    const hess = new Float32Array(2);
    obj.gradients(Float64Array.from([0, 0]), grad, hess);
    // One pair, Δscore 0 → p = ½; |ΔNDCG| = 3·(1 − 1/log2 3)/3; ties keep row order so doc 1 ranks second.
    const delta = (1 - 1 / Math.log2(3)) * (3 / 3);
    const lambda = -0.5 * delta;
    const norm = Math.log2(1 - 2 * lambda) / (-2 * lambda);
    expect(grad[1]).toBeCloseTo(lambda * norm, 6);
    expect(grad[0]).toBeCloseTo(-lambda * norm, 6);
    expect(hess[0]).toBeCloseTo(0.25 * delta * norm, 6);
  });
});

describe('metrics', () => {
  it('NDCG: a query without relevant documents counts as 1; ranks discount by log2(2 + i)', () => {
    const labels = Float32Array.from([0, 0, 1, 0]);
    const groups = Int32Array.from([2, 2]);
    const [n] = ndcgAt([0.2, 0.1, 0.0, 0.5], labels, groups, [2], gain);
    // Query 2: relevant doc ranked second → 1/log2(3); query 1 has no relevant docs → 1.
    expect(n).toBeCloseTo((1 + 1 / Math.log2(3)) / 2, 12);
  });

  it('AUC counts tied scores as one half; logloss uses the sigmoid', () => {
    expect(auc([0.9, 0.1, 0.5, 0.5], [1, 0, 1, 0])).toBeCloseTo(0.875, 12);
    expect(auc([1, 2], [1, 1])).toBe(1);
    expect(logloss([0, 0], [1, 0])).toBeCloseTo(Math.log(2), 12);
  });
});
