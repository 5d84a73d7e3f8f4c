import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusteredVectors } from './clustered-vectors.ts';
import { HnswlibIndex, openHnswlibIndex } from './hnswlib-index.ts';

const DIM = 12;
const { vectors, queries } = clusteredVectors({ n: 600, dim: DIM, queries: 4, seed: 'hnswlib-unit' });
const row = (m: Float32Array, i: number): Float32Array => m.subarray(i * DIM, (i + 1) * DIM);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('HnswlibIndex', () => {
  it('grows its graph past the initial capacity and reuses slots of removed items', () => {
    const index = new HnswlibIndex({ dim: DIM, initialCapacity: 4 });
    for (let i = 0; i < 600; i++) index.upsert(`h${i}`, row(vectors, i));
    expect(index.size).toBe(600);
    for (let i = 0; i < 100; i++) index.remove(`h${i}`);
    for (let i = 0; i < 100; i++) index.upsert(`again${i}`, row(vectors, i));
    expect(index.size).toBe(600);
    expect(index.search(row(vectors, 3), 1)[0]?.id).toBe('again3');
  });

  it('saves m, efConstruction, seed and efSearch in the header, and reopens with an efSearch override', async () => {
    const index = new HnswlibIndex({ dim: DIM, m: 8, efConstruction: 40, efSearch: 50, randomSeed: 7 });
    index.add(['a', 'b'], vectors.subarray(0, 2 * DIM));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wayfarer-hnswlib-'));
    dirs.push(dir);
    await index.save(dir);
    expect(JSON.parse(readFileSync(path.join(dir, 'header.json'), 'utf8'))).toMatchObject({
      library: 'hnswlib', size: 2, params: { m: 8, efConstruction: 40, randomSeed: 7, efSearch: 50 },
    });
    const reopened = await openHnswlibIndex(dir, { efSearch: 90 });
    expect(reopened.efSearch).toBe(90);
    expect(reopened.search(row(queries, 0), 5).length).toBe(2);
  });
});
