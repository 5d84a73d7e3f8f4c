/**
 * Bring your own two-tower, end to end: a team exports its towers to ONNX (here the built-in model's
 * towers through exportOnnxTowers stand in for a PyTorch export) and runs `wayfarer model
 * import-towers --promote` with the real CLI in a child process; the REST API then serves the
 * two-tower candidates from the imported towers and retrieves an item posted after the import.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { exportOnnxTowers, fromArtifact } from '../../src/models/two-tower/index.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-import-towers-'));
const dataDir = path.join(dir, 'data');
const modelsDir = path.join(dataDir, 'artifacts', 'models');
const file = (name: string): string => path.join(dir, name);

async function wayfarer(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: root, env: { ...process.env, WAYFARER_DATA_DIR: dataDir }, maxBuffer: 1 << 24,
  });
}

interface RecsBody { items: { itemId: string; source: string }[]; modelVersion: string; fallbacks: unknown[] }

describe('CLI: model import-towers → serve the imported towers over REST', () => {
  beforeAll(async () => {
    await wayfarer('data', 'generate', '--users', '300', '--items', '200', '--events', '15000', '--seed', '3');
    await wayfarer('train', '--epochs', '2');
    // The "team's export": both towers as ONNX files; the artifact JSON doubles as the vocabulary file.
    const v1 = path.join(modelsDir, 'v1');
    const model = fromArtifact(readFileSync(path.join(v1, 'two-tower.json'), 'utf8'), readFileSync(path.join(v1, 'two-tower.bin')));
    const onnx = exportOnnxTowers(model);
    writeFileSync(file('user.onnx'), onnx.user);
    writeFileSync(file('item.onnx'), onnx.item);
    writeFileSync(file('vocab.json'), readFileSync(path.join(v1, 'two-tower.json')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const towersArgs = (user = 'user.onnx', item = 'item.onnx', vocab = 'vocab.json'): string[] =>
    ['model', 'import-towers', '--user', file(user), '--item', file(item), '--vocab', file(vocab)];

  it('exits 2 naming a missing or unreadable flag', async () => {
    await expect(wayfarer('model', 'import-towers', '--user', file('user.onnx'), '--item', file('item.onnx')))
      .rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/required option '--vocab <file>' not specified/) as unknown });
    await expect(wayfarer(...towersArgs('nope.onnx')))
      .rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--user: cannot read .*nope\.onnx/) as unknown });
  });

  it('rejects towers that break the contract with the problem named, and registers nothing', async () => {
    await expect(wayfarer(...towersArgs('item.onnx', 'item.onnx'))).rejects.toMatchObject({
      code: 1, stderr: expect.stringMatching(/\[REC_ERR_MODEL_FORMAT\]: ONNX two-tower: user tower lacks inputs user_id, home_country/) as unknown,
    });
    writeFileSync(file('bad-vocab.json'), JSON.stringify({ vocabularies: { users: ['u1'], items: 'h1' } }));
    await expect(wayfarer(...towersArgs('user.onnx', 'item.onnx', 'bad-vocab.json'))).rejects.toMatchObject({
      code: 1, stderr: expect.stringMatching(/vocabulary file: vocabularies\.items must be an array of strings/) as unknown,
    });
    expect(readdirSync(modelsDir).sort()).toEqual(['CURRENT', 'v1']);
    expect(readFileSync(path.join(modelsDir, 'CURRENT'), 'utf8').trim()).toBe('v1');
  });

  it('imports and promotes; the API serves two-tower candidates from the imported towers and retrieves a new item', async () => {
    const out = await wayfarer(...towersArgs(), '--promote');
    expect(out.stdout).toMatch(/model v2: imported ONNX towers \(D = 64, [\d,]+ items indexed\) on top of v1/);
    expect(out.stdout).toMatch(/^promoted v2$/m);
    const manifest = JSON.parse(readFileSync(path.join(modelsDir, 'v2', 'manifest.json'), 'utf8')) as { files: Record<string, string> };
    expect(Object.keys(manifest.files)).toEqual(expect.arrayContaining(['popularity.json', 'covisitation.json', 'two-tower-user.onnx', 'two-tower-item.onnx', 'two-tower-vocab.json']));
    expect(Object.keys(manifest.files)).not.toContain('two-tower.json');

    const app: App = await buildApp(loadConfig('', { WAYFARER_DATA_DIR: dataDir, WAYFARER_LOG_LEVEL: 'silent' }), { logger: false, defaultMetrics: false });
    try {
      const lines: string[] = [];
      await app.loadEngine((l) => lines.push(l));
      expect(lines.join('\n')).toMatch(/two-tower \(imported ONNX towers\) loaded/);
      const recs = (await app.server.inject({ method: 'GET', url: '/v1/recommendations?userId=u12&k=30' })).json<RecsBody>();
      expect(recs.modelVersion).toBe('v2');
      expect(recs.fallbacks).toEqual([]);
      expect(recs.items.some((i) => i.source === 'two-tower')).toBe(true);

      const posted = await app.server.inject({
        method: 'POST', url: '/v1/items',
        payload: [{ id: 'h-team-new', kind: 'hotel', name: 'Brand New Inn', city: 'Newtown', country: 'Nowhere', price: 140, stars: 4, reviewScore: 8.8 }],
      });
      expect(posted.statusCode).toBe(200);
      const there = (await app.server.inject({ method: 'POST', url: '/v1/recommendations', payload: { userId: 'u12', k: 5, context: { destination: 'Newtown' } } })).json<RecsBody>();
      // Nobody has visited Newtown: only the two-tower, through the imported item tower, can propose the new hotel.
      expect(there.items[0]).toMatchObject({ itemId: 'h-team-new', source: 'two-tower' });
    } finally {
      await app.close();
    }
  });
});
