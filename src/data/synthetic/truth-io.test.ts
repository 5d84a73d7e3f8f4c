/**
 * @module data/synthetic/truth-io.test
 * The 'synthetic-truth@1' folder format: exact round trip and clear errors on bad folders.
 */
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateMarketplace } from './marketplace.ts';
import { loadTruth, saveTruth, TRUTH_HEADER_FILE } from './truth-io.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'wayfarer-truth-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('saveTruth / loadTruth', () => {
  const { truth } = generateMarketplace({ users: 300, items: 200, events: 0, seed: 5, latentDim: 8 });

  it('round-trips every array and the oracle exactly', async () => {
    const dir = await tempDir();
    await saveTruth(truth, dir);
    const loaded = await loadTruth(dir);
    expect(loaded.format).toBe('synthetic-truth@1');
    expect({ ...loaded, utility: null, userIndex: null, itemIndex: null })
      .toEqual({ ...truth, utility: null, userIndex: null, itemIndex: null });
    for (let u = 0; u < truth.userCount; u += 37) {
      for (let i = 0; i < truth.itemCount; i += 13) expect(loaded.utility(u, i)).toBe(truth.utility(u, i));
    }
    expect(loaded.userIndex('u299')).toBe(299);
    expect(loaded.itemIndex('h200')).toBe(-1);
    expect(loaded.itemIndex('c3')).toBe(-1);
  });

  it('rejects another format and truncated arrays', async () => {
    const dir = await tempDir();
    await saveTruth(truth, dir);
    await truncate(path.join(dir, 'item-latent.f32'), 100);
    await expect(loadTruth(dir)).rejects.toThrow(/item-latent\.f32: expected/);

    const headerFile = path.join(dir, TRUTH_HEADER_FILE);
    const header = JSON.parse(await readFile(headerFile, 'utf8')) as Record<string, unknown>;
    await writeFile(headerFile, JSON.stringify({ ...header, format: 'synthetic-truth@0' }));
    await expect(loadTruth(dir)).rejects.toThrow(/format must be 'synthetic-truth@1'/);
  });
});
