/**
 * `wayfarer gbdt train --objective lambdarank` on a LETOR data set with query groups learns:
 * validation NDCG@3 rises well above the untrained (file) order; `gbdt predict` scores every row.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { letorText } from '../../src/models/gbdt/fixtures/synthetic.ts';
import { parseLetor } from '../../src/models/gbdt/letor.ts';
import { ndcgAt } from '../../src/models/gbdt/metrics.ts';
import { defaultLabelGain } from '../../src/models/gbdt/params.ts';
import { readLightGbmModel } from '../../src/models/gbdt/lightgbm-format.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-gbdt-'));
const wayfarer = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: root, maxBuffer: 1 << 24 });

describe('wayfarer gbdt train|predict (lambdarank on LETOR files)', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const train = path.join(dir, 'train.txt');
  const valid = path.join(dir, 'valid.txt');
  const model = path.join(dir, 'model.txt');
  writeFileSync(train, letorText(300, 10, 1));
  writeFileSync(valid, letorText(100, 10, 2));

  it('raises validation NDCG@3 well above the untrained order and saves the best iteration', async () => {
    const { stdout } = await wayfarer('gbdt', 'train', '--objective', 'lambdarank', '--train', train, '--valid', valid,
      '--num-trees', '60', '--num-leaves', '15', '--learning-rate', '0.1', '--min-data-in-leaf', '20', '--eval-at', '1,3,5',
      '--early-stopping-rounds', '10', '--out', model);
    expect(stdout).toMatch(/^\[iter 1\] valid ndcg@1 [\d.]+ ndcg@3 [\d.]+ ndcg@5 [\d.]+$/m);
    const best = /best iteration (\d+): ndcg@1 [\d.]+ ndcg@3 ([\d.]+)/.exec(stdout);
    expect(best).not.toBeNull();
    const v = parseLetor(readFileSync(valid, 'utf8'));
    const [untrained] = ndcgAt(new Float64Array(v.numRows), v.labels, v.groups!, [3], defaultLabelGain());
    expect(Number(best![2])).toBeGreaterThan(untrained! + 0.15);
    const saved = readLightGbmModel(readFileSync(model, 'utf8'));
    expect(saved.trees.length).toBeLessThanOrEqual(Number(best![1]) + 1);
  });

  it('predicts one score per row', async () => {
    const out = path.join(dir, 'scores.txt');
    await wayfarer('gbdt', 'predict', '--model', model, '--data', valid, '--out', out);
    const scores = readFileSync(out, 'utf8').trim().split('\n').map(Number);
    expect(scores).toHaveLength(parseLetor(readFileSync(valid, 'utf8')).numRows);
    expect(scores.every(Number.isFinite)).toBe(true);
  });

  it('names a bad flag', async () => {
    await expect(wayfarer('gbdt', 'train', '--objective', 'multiclass', '--train', train, '--out', model))
      .rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--objective must be one of/) as unknown });
  });
});
