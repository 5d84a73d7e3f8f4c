import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../errors.ts';
import { clusteredVectors } from './clustered-vectors.ts';
import { UsearchIndex, openUsearchIndex } from './usearch-index.ts';

const DIM = 24;
const N = 2000;
const { vectors, queries } = clusteredVectors({ n: N, dim: DIM, queries: 16, seed: 'usearch-unit' });
const ids = Array.from({ length: N }, (_, i) => `u${i}`);
const row = (m: Float32Array, i: number): Float32Array => m.subarray(i * DIM, (i + 1) * DIM);
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'wayfarer-usearch-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function built(): UsearchIndex {
  const index = new UsearchIndex({ dim: DIM, connectivity: 12, expansionAdd: 64, efSearch: 64, buildThreads: 2, searchThreads: 2 });
  index.add(ids, vectors);
  return index;
}

describe('UsearchIndex', () => {
  it('saves its parameters in the ann@1 header', async () => {
    const dir = tmp();
    await built().save(dir);
    expect(JSON.parse(readFileSync(path.join(dir, 'header.json'), 'utf8'))).toEqual({
      format: 'ann@1', library: 'usearch', dim: DIM, metric: 'ip', size: N, params: { connectivity: 12, expansionAdd: 64, efSearch: 64, quantization: 'f32' },
    });
    const reopened = await openUsearchIndex(dir, { efSearch: 200 });
    expect(reopened.efSearch).toBe(200);
  });

  it('efSearch is tunable at run time and validated', () => {
    const index = built();
    index.efSearch = 300;
    expect(index.efSearch).toBe(300);
    expect(() => (index.efSearch = 0)).toThrow(/efSearch must be a positive integer/);
  });

  it('multi-threaded searchBatch gives the same answers as single searches', () => {
    const index = built();
    const exclude = new Set(['u1', 'u2']);
    index.searchBatch(queries, 30, exclude).forEach((got, q) => expect(got).toEqual(index.search(row(queries, q), 30, exclude)));
  });

  it('a memory-mapped index takes upserts and removals, and save folds them into the mapped file it replaces', async () => {
    const dir = tmp();
    await built().save(dir);
    const mapped = await openUsearchIndex(dir, { mmap: true });
    const q = row(queries, 0);
    const top = mapped.search(q, 3).map((n) => n.id);
    mapped.upsert('cold', q);
    mapped.add(['cold-2', 'u5'], new Float32Array([...row(queries, 1), ...row(queries, 2)]));
    expect(mapped.remove(top[0] as string)).toBe(true);
    expect(mapped.remove('cold-2')).toBe(true);
    expect(mapped.size).toBe(N);
    expect(mapped.search(q, 3).map((n) => n.id)).toEqual(['cold', top[1], top[2]]);
    expect(mapped.search(row(queries, 2), 1)[0]?.id).toBe('u5');
    await mapped.save(dir); // replaces the file this index maps: the mapping keeps the old inode
    expect(mapped.search(q, 3).map((n) => n.id)).toEqual(['cold', top[1], top[2]]);
    await mapped.save(dir); // again: the source is the mapping, not whatever the path now holds
    const loaded = await openUsearchIndex(dir, { mmap: false });
    expect([loaded.size, loaded.has('cold'), loaded.has('cold-2'), loaded.has(top[0] as string)]).toEqual([N, true, false, false]);
    expect(loaded.search(q, 3).map((n) => n.id)).toEqual(['cold', top[1], top[2]]);
  });

  it('refuses a directory whose ids do not match its index', async () => {
    const dir = tmp();
    await built().save(dir);
    writeFileSync(path.join(dir, 'ids.json'), JSON.stringify(['only-one']));
    await expect(openUsearchIndex(dir)).rejects.toMatchObject({ code: ERROR_CODES.MODEL_FORMAT, message: expect.stringContaining('1 ids') as unknown });
  });

  it('throws on use after close', () => {
    const index = built();
    index.close();
    expect(() => index.search(row(queries, 0), 1)).toThrow(/closed/);
    expect(() => index.upsert('x', row(queries, 0))).toThrow(/closed/);
  });
});
