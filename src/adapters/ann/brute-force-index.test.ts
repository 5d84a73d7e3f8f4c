import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BruteForceIndex, openBruteForceIndex } from './brute-force-index.ts';
import { clusteredVectors } from './clustered-vectors.ts';

const DIM = 10; // not a multiple of 4: exercises the unrolled loop's tail
const { vectors, queries } = clusteredVectors({ n: 500, dim: DIM, queries: 7, seed: 'bf-unit' });
const ids = Array.from({ length: 500 }, (_, i) => `v${i}`);
const row = (m: Float32Array, i: number): Float32Array => m.subarray(i * DIM, (i + 1) * DIM);

function oracle(q: Float32Array, k: number, live: ReadonlySet<string>): string[] {
  return ids
    .map((id, i) => ({ id, s: row(vectors, i).reduce((acc, x, j) => acc + x * (q[j] as number), 0) }))
    .filter((n) => live.has(n.id))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((n) => n.id);
}

describe('BruteForceIndex', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('grows past its initial capacity and stays exact after swap-removals', () => {
    const index = new BruteForceIndex({ dim: DIM, initialCapacity: 2 });
    ids.forEach((id, i) => index.upsert(id, row(vectors, i)));
    const live = new Set(ids);
    for (let i = 0; i < 500; i += 3) {
      index.remove(`v${i}`);
      live.delete(`v${i}`);
    }
    expect(index.size).toBe(live.size);
    for (let q = 0; q < 7; q++) expect(index.search(row(queries, q), 25).map((n) => n.id)).toEqual(oracle(row(queries, q), 25, live));
  });

  it('searchBatch (four queries per pass plus a tail) matches the oracle', () => {
    const index = new BruteForceIndex({ dim: DIM });
    index.add(ids, vectors);
    const all = new Set(ids);
    index.searchBatch(queries, 12).forEach((got, q) => expect(got.map((n) => n.id)).toEqual(oracle(row(queries, q), 12, all)));
  });

  it('consults the exclusion predicate only for rows that would enter the top k', () => {
    const index = new BruteForceIndex({ dim: DIM });
    index.add(ids, vectors);
    let calls = 0;
    index.search(row(queries, 0), 5, () => {
      calls++;
      return false;
    });
    expect(calls).toBeGreaterThanOrEqual(5);
    expect(calls).toBeLessThan(250);
  });

  it('saves an ann@1 header, the ids and raw little-endian float32 rows', async () => {
    const index = new BruteForceIndex({ dim: DIM });
    index.add(ids.slice(0, 40), vectors.subarray(0, 40 * DIM));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wayfarer-bf-'));
    dirs.push(dir);
    await index.save(dir);
    const header = JSON.parse(readFileSync(path.join(dir, 'header.json'), 'utf8')) as unknown;
    expect(header).toEqual({ format: 'ann@1', library: 'brute-force', dim: DIM, metric: 'ip', size: 40, params: { byteOrder: 'little-endian' } });
    expect(statSync(path.join(dir, 'vectors.f32')).size).toBe(40 * DIM * 4);
    expect(JSON.parse(readFileSync(path.join(dir, 'ids.json'), 'utf8'))).toEqual(ids.slice(0, 40));
    const reopened = await openBruteForceIndex(dir);
    expect(reopened.search(row(queries, 1), 40)).toEqual(index.search(row(queries, 1), 40));
  });

  it('rejects a bad dim and any call after close', () => {
    expect(() => new BruteForceIndex({ dim: 0 })).toThrow(/dim must be a positive integer/);
    const index = new BruteForceIndex({ dim: DIM });
    index.close();
    expect(() => index.search(row(queries, 0), 1)).toThrow(/closed/);
  });
});
