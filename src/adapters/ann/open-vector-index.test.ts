import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../errors.ts';
import { BruteForceIndex } from './brute-force-index.ts';
import { HnswlibIndex } from './hnswlib-index.ts';
import { openVectorIndex } from './open-vector-index.ts';
import { UsearchIndex } from './usearch-index.ts';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'wayfarer-open-index-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('openVectorIndex', () => {
  it('opens each library with its own adapter', async () => {
    for (const index of [new BruteForceIndex({ dim: 2 }), new HnswlibIndex({ dim: 2 }), new UsearchIndex({ dim: 2 })]) {
      index.add(['a', 'b'], new Float32Array([1, 0, 0, 1]));
      const dir = tmp();
      await index.save(dir);
      const reopened = await openVectorIndex(dir, { efSearch: 16 });
      expect([reopened.constructor, reopened.size, reopened.search(new Float32Array([0, 1]), 1)[0]?.id]).toEqual([index.constructor, 2, 'b']);
    }
  });

  it('reports a missing header and an unknown library', async () => {
    const dir = tmp();
    await expect(openVectorIndex(dir)).rejects.toMatchObject({ code: ERROR_CODES.MODEL_MISSING });
    writeFileSync(path.join(dir, 'header.json'), JSON.stringify({ format: 'ann@1', library: 'faiss', dim: 2, metric: 'ip', size: 0, params: {} }));
    await expect(openVectorIndex(dir)).rejects.toMatchObject({ code: ERROR_CODES.MODEL_FORMAT, message: expect.stringContaining("unknown library 'faiss'") as unknown });
  });
});
