import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGbdtPredict, runGbdtTrain } from './cli-run.ts';
import { letorText } from './fixtures/synthetic.ts';
import { readLetorRows } from './letor.ts';
import { readLightGbmModel } from './lightgbm-format.ts';
import { predictRaw } from './model.ts';

describe('gbdt CLI pieces', () => {
  it('trains lambdarank from LETOR files with early stopping, logs per iteration, then predicts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gbdt-cli-'));
    const train = join(dir, 'train.txt');
    const valid = join(dir, 'valid.txt');
    writeFileSync(train, letorText(80, 5, 3));
    writeFileSync(valid, letorText(40, 5, 4));
    const out = join(dir, 'model.txt');
    const lines: string[] = [];
    const summary = await runGbdtTrain({
      objective: 'lambdarank', train, valid, numTrees: 40, numLeaves: 7, learningRate: 0.3, minDataInLeaf: 5,
      evalAt: [1, 3], earlyStoppingRounds: 3, out, seed: 1,
    }, (l) => lines.push(l));
    expect(lines.some((l) => /^\[iter 1\] valid ndcg@1 \d\.\d{6} ndcg@3 \d\.\d{6}$/.test(l))).toBe(true);
    expect(lines).toContain(`saved ${summary.bestIteration} trees to ${out}`);
    expect(lines.some((l) => l.startsWith(`best iteration ${summary.bestIteration}: ndcg@1`))).toBe(true);
    const model = readLightGbmModel(readFileSync(out, 'utf8'));
    expect(model.trees.length).toBe(summary.bestIteration);

    const scores = join(dir, 'scores.txt');
    const res = await runGbdtPredict({ model: out, data: valid, out: scores }, (l) => lines.push(l));
    const written = readFileSync(scores, 'utf8').trim().split('\n').map(Number);
    const data = await readLetorRows(valid, { numFeatures: model.featureNames.length });
    expect(res.rows).toBe(data.numRows);
    expect(written.length).toBe(data.numRows);
    expect(written[7]).toBe(predictRaw(model, data.features, 7 * data.numFeatures));
  });

  it('picks up <file>.query side files like LightGBM and logs AUC/logloss for binary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gbdt-cli-'));
    const train = join(dir, 'b.txt');
    const rows = Array.from({ length: 300 }, (_, i) => `${i % 3 === 0 ? 1 : 0} 1:${(i % 3 === 0 ? 1 : 0) + (i % 7) / 10} 2:${i % 5}`);
    writeFileSync(train, `${rows.join('\n')}\n`);
    const lines: string[] = [];
    await runGbdtTrain({
      objective: 'binary', train, valid: train, numTrees: 3, numLeaves: 4, learningRate: 0.1, minDataInLeaf: 5, evalAt: [1], out: join(dir, 'm.txt'),
    }, (l) => lines.push(l));
    expect(lines.some((l) => /^\[iter 3\] valid logloss \d\.\d+ auc 1\.000000$/.test(l))).toBe(true);

    writeFileSync(`${train}.query`, '150\n150\n');
    const rankLines: string[] = [];
    await runGbdtTrain({
      objective: 'lambdarank', train, numTrees: 2, numLeaves: 4, learningRate: 0.1, minDataInLeaf: 5, evalAt: [1], out: join(dir, 'r.txt'),
    }, (l) => rankLines.push(l));
    expect(rankLines[0]).toBe(`using query file ${train}.query`);
    expect(rankLines[1]).toMatch(/300 rows × 3 features, 2 queries/);
  });
});
