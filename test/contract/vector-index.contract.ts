/**
 * @module test/contract/vector-index.contract
 * The VectorIndex contract, written once and run against every adapter (vector-index.test.ts):
 * search semantics, exclusion, run-time upsert/remove, input errors, save/open, and recall@k
 * against BruteForceIndex on a seeded clustered dataset, before and after save and open.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BruteForceIndex } from '../../src/adapters/ann/brute-force-index.ts';
import { clusteredVectors, recallAtK } from '../../src/adapters/ann/clustered-vectors.ts';
import { ERROR_CODES, InvalidInputError, RecsysError } from '../../src/errors.ts';
import type { Neighbor, VectorIndex } from '../../src/ports/vector-index.ts';

export interface VectorIndexHarness {
  /** An empty index of `dim` dimensions. */
  create(dim: number): VectorIndex;
  /** The adapter's loader: reopens what `save(dir)` wrote. */
  open(dir: string): Promise<VectorIndex>;
  /** Recall floors on the clustered dataset; exact adapters must reach 1. */
  minRecall: { at10: number; at100: number };
}

const DIM = 16;
const N = 300;
const small = clusteredVectors({ n: N, dim: DIM, queries: 20, seed: 'contract-small' });
const ids = Array.from({ length: N }, (_, i) => `item-${i}`);
const row = (m: Float32Array, i: number, dim = DIM): Float32Array => m.subarray(i * dim, (i + 1) * dim);
const query = (i: number): Float32Array => row(small.queries, i);

/** Naive oracle: sort every (id, dot) pair. */
function oracle(q: Float32Array, k: number, skip: (id: string) => boolean = () => false): Neighbor[] {
  const all = ids.map((id, i) => {
    const v = row(small.vectors, i);
    let s = 0;
    for (let j = 0; j < DIM; j++) s += (q[j] as number) * (v[j] as number);
    return { id, score: s };
  });
  return all.filter((n) => !skip(n.id)).sort((a, b) => b.score - a.score).slice(0, k);
}

function expectSameNeighbors(got: Neighbor[], want: Neighbor[]): void {
  expect(got.map((n) => n.id)).toEqual(want.map((n) => n.id));
  got.forEach((n, i) => expect(Math.abs(n.score - (want[i] as Neighbor).score)).toBeLessThan(1e-5));
}

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'wayfarer-vector-index-'));
}

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err instanceof RecsysError ? err.code : err;
  }
  return 'no error';
}

export function vectorIndexContract(name: string, h: VectorIndexHarness): void {
  describe(`${name} (VectorIndex contract)`, () => {
    const dirs: string[] = [];
    const built = (): VectorIndex => {
      const index = h.create(DIM);
      index.add(ids, small.vectors);
      return index;
    };
    afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

    it('starts empty: size 0, every search returns []', () => {
      const index = h.create(DIM);
      expect([index.dim, index.size, index.has('x')]).toEqual([DIM, 0, false]);
      expect(index.search(query(0), 10)).toEqual([]);
      expect(index.searchBatch(small.queries.subarray(0, 2 * DIM), 5)).toEqual([[], []]);
      index.close();
    });

    it('returns the k best by inner product, best first, scores = dot products', () => {
      const index = built();
      expect(index.size).toBe(N);
      for (let q = 0; q < 5; q++) {
        const got = index.search(query(q), 10);
        const want = oracle(query(q), 10);
        if (index.isExact) {
          expectSameNeighbors(got, want);
          continue;
        }
        // An approximate index may miss a near-tie now and then (usearch reopened as a memory-mapped view
        // did, 1 in 10 once): at least 9 of the true 10, best first, each score the true dot product.
        const truth = new Map(oracle(query(q), N).map((n) => [n.id, n.score]));
        expect(got.filter((n) => want.some((w) => w.id === n.id)).length).toBeGreaterThanOrEqual(9);
        got.forEach((n, i) => {
          expect(Math.abs(n.score - (truth.get(n.id) ?? NaN))).toBeLessThan(1e-5);
          if (i > 0) expect(n.score).toBeLessThanOrEqual(got[i - 1]!.score + 1e-6);
        });
      }
      index.close();
    });

    it('k > size returns every item once; k = 0 returns []; a bad k throws', () => {
      const index = h.create(DIM);
      index.add(ids.slice(0, 7), small.vectors.subarray(0, 7 * DIM));
      const all = index.search(query(0), 50);
      expect(new Set(all.map((n) => n.id))).toEqual(new Set(ids.slice(0, 7)));
      expect(all.length).toBe(7);
      expect(index.search(query(0), 0)).toEqual([]);
      expect(() => index.search(query(0), -1)).toThrow(InvalidInputError);
      expect(() => index.search(query(0), 2.5)).toThrow(/k must be a non-negative integer/);
      index.close();
    });

    it('excludes by set and by predicate, and still returns k when enough remain', () => {
      const index = built();
      const q = query(1);
      const banned = new Set(oracle(q, 5).map((n) => n.id));
      const want = oracle(q, 10, (id) => banned.has(id));
      expectSameNeighbors(index.search(q, 10, banned), want);
      expectSameNeighbors(index.search(q, 10, (id) => banned.has(id)), want);
      const keep = new Set(ids.slice(0, 3));
      const few = index.search(q, 10, (id) => !keep.has(id));
      expect(new Set(few.map((n) => n.id))).toEqual(keep);
      index.close();
    });

    it('searchBatch answers each row as search does', () => {
      const index = built();
      const batch = index.searchBatch(small.queries.subarray(0, 6 * DIM), 8, new Set(['item-1']));
      expect(batch.length).toBe(6);
      batch.forEach((got, q) => expectSameNeighbors(got, index.search(query(q), 8, new Set(['item-1']))));
      index.close();
    });

    it('upsert inserts new items and replaces the vector of existing ones', () => {
      const index = built();
      const q = query(2);
      const neg = q.map((x) => -x);
      index.upsert('cold-start', q);
      expect(index.size).toBe(N + 1);
      expect(index.search(q, 1)[0]?.id).toBe('cold-start');
      const top = (oracle(q, 1)[0] as Neighbor).id;
      index.upsert(top, neg);
      expect(index.size).toBe(N + 1);
      expect(index.search(q, 20).map((n) => n.id)).not.toContain(top);
      expect(index.search(neg, 1)[0]).toMatchObject({ id: top });
      expect(Math.abs((index.search(neg, 1)[0] as Neighbor).score - 1)).toBeLessThan(1e-4);
      index.close();
    });

    it('remove: never returned again, size shrinks, unknown ids return false, re-adding works', () => {
      const index = built();
      const q = query(3);
      const gone = oracle(q, 3).map((n) => n.id);
      expect(gone.map((id) => index.remove(id))).toEqual([true, true, true]);
      expect(index.remove(gone[0] as string)).toBe(false);
      expect(index.remove('never-added')).toBe(false);
      expect([index.size, index.has(gone[0] as string)]).toEqual([N - 3, false]);
      const rest = index.search(q, N).map((n) => n.id);
      expect(rest.filter((id) => gone.includes(id))).toEqual([]);
      // Asking for everything: exact adapters return every live item; a graph may miss a few.
      if (index.isExact) expect(rest.length).toBe(N - 3);
      else expect(rest.length).toBeGreaterThanOrEqual(Math.floor(0.95 * (N - 3)));
      expect(new Set(rest).size).toBe(rest.length);
      index.upsert(gone[0] as string, row(small.vectors, ids.indexOf(gone[0] as string)));
      expect(index.search(q, 1)[0]?.id).toBe(gone[0]);
      index.close();
    });

    it('add replaces existing ids, and rejects bad input with a clear message before changing anything', () => {
      const index = built();
      index.add(['item-0', 'new-1'], new Float32Array([...query(4), ...query(5)]));
      expect(index.size).toBe(N + 1);
      expect(index.search(query(4), 1)[0]?.id).toBe('item-0');
      expect(() => index.add(['a', 'a'], new Float32Array(2 * DIM))).toThrow(/duplicate id 'a'/);
      expect(() => index.add(['a', 'b'], new Float32Array(DIM))).toThrow(/expected 2 rows × 16 dimensions/);
      expect(() => index.add(['a'], new Float32Array(DIM).fill(Number.NaN))).toThrow(/non-finite/);
      expect([index.size, index.has('a')]).toEqual([N + 1, false]);
      index.close();
    });

    it('dimension mismatches throw InvalidInputError naming both sizes', () => {
      const index = built();
      expect(() => index.search(new Float32Array(8), 5)).toThrow(/query has 8 dimensions, the index has 16/);
      expect(codeOf(() => index.upsert('x', new Float32Array(32)))).toBe(ERROR_CODES.INVALID_INPUT);
      expect(() => index.upsert('x', new Float32Array(32))).toThrow(/has 32 dimensions, the index has 16/);
      expect(() => index.searchBatch(new Float32Array(DIM + 1), 5)).toThrow(/not a multiple of dim 16/);
      index.close();
    });

    it('save then open: same items and results, still writable, saves again', async () => {
      const index = built();
      index.remove('item-7');
      index.upsert('cold-start', query(6));
      const dir = tempDir();
      dirs.push(dir);
      await index.save(dir);
      const before = [0, 1, 2].map((q) => index.search(query(q), 10));
      index.close();
      const reopened = await h.open(dir);
      expect([reopened.dim, reopened.size, reopened.has('item-7'), reopened.has('cold-start')]).toEqual([DIM, N, false, true]);
      [0, 1, 2].forEach((q, i) => expect(reopened.search(query(q), 10)).toEqual(before[i]));
      reopened.upsert('later', query(7));
      expect(reopened.remove('item-8')).toBe(true);
      expect(reopened.search(query(7), 1)[0]?.id).toBe('later');
      const saving = reopened.save(dir); // saves the index as it is now…
      reopened.upsert('too-late', query(8)); // …so this change is not in the files
      await saving;
      reopened.close();
      const again = await h.open(dir);
      expect([again.size, again.has('later'), again.has('item-8'), again.has('too-late')]).toEqual([N, true, false, false]);
      again.close();
    });

    it('open fails with REC_ERR_MODEL_MISSING on an empty dir and REC_ERR_MODEL_FORMAT on a foreign header', async () => {
      const dir = tempDir();
      dirs.push(dir);
      await expect(h.open(dir)).rejects.toMatchObject({ code: ERROR_CODES.MODEL_MISSING });
      writeFileSync(path.join(dir, 'header.json'), JSON.stringify({ format: 'ann@1', library: 'faiss', dim: 4, metric: 'ip', size: 0, params: {} }));
      await expect(h.open(dir)).rejects.toMatchObject({ code: ERROR_CODES.MODEL_FORMAT, message: expect.stringContaining("written by 'faiss'") as unknown });
    });

    recallContract(h);
  });
}

const RECALL = { n: 20_000, dim: 64, queries: 200 };
let recallFixture: { data: { vectors: Float32Array; queries: Float32Array }; itemIds: string[]; exact: string[][] } | undefined;

/** The clustered dataset and its exact top-100 by BruteForceIndex, computed once per test file. */
function recallData(): NonNullable<typeof recallFixture> {
  if (recallFixture !== undefined) return recallFixture;
  const data = clusteredVectors({ n: RECALL.n, dim: RECALL.dim, queries: RECALL.queries, seed: 'contract-recall' });
  const itemIds = Array.from({ length: RECALL.n }, (_, i) => `h${i}`);
  const truth = new BruteForceIndex({ dim: RECALL.dim });
  truth.add(itemIds, data.vectors);
  const exact = truth.searchBatch(data.queries, 100).map((r) => r.map((n) => n.id));
  truth.close();
  recallFixture = { data, itemIds, exact };
  return recallFixture;
}

/** recall@10 and recall@100 against BruteForceIndex on 20k × 64 clustered vectors, then after save/open. */
function recallContract(h: VectorIndexHarness): void {
  describe('recall against BruteForceIndex (20k × 64, clustered, seeded)', () => {
    const { dim, queries: Q } = RECALL;
    let index: VectorIndex;
    const dir = tempDir();
    const measure = (ix: VectorIndex): { at10: number; at100: number; excluding: number } => {
      const { data, exact } = recallData();
      const q = (i: number): Float32Array => row(data.queries, i, dim);
      const got = ix.searchBatch(data.queries, 100).map((r) => r.map((n) => n.id));
      // Single searches on half the queries; excluding each one's true top 5 must still give the next 10.
      const half = Array.from({ length: Q / 2 }, (_, i) => i);
      const single10 = half.map((i) => ix.search(q(i), 10).map((n) => n.id));
      const excl = half.map((i) => ix.search(q(i), 10, new Set(exact[i]?.slice(0, 5))).map((n) => n.id));
      return {
        at10: recallAtK(single10, half.map((i) => (exact[i] ?? []).slice(0, 10))),
        at100: recallAtK(got, exact),
        excluding: recallAtK(excl, half.map((i) => (exact[i] ?? []).slice(5, 15))),
      };
    };

    beforeAll(() => {
      const { data, itemIds } = recallData();
      index = h.create(dim);
      index.add(itemIds, data.vectors);
    });
    afterAll(() => {
      index.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('meets recall@10 and recall@100 floors, with and without exclusions', () => {
      const r = measure(index);
      expect(r.at10).toBeGreaterThanOrEqual(h.minRecall.at10);
      expect(r.at100).toBeGreaterThanOrEqual(h.minRecall.at100);
      expect(r.excluding).toBeGreaterThanOrEqual(h.minRecall.at10);
    });

    it('meets the same floors after save and open, with the same results', async () => {
      const { data } = recallData();
      const first = data.queries.subarray(0, 20 * dim);
      const before = index.searchBatch(first, 100).map((r) => r.map((n) => n.id));
      await index.save(dir);
      const reopened = await h.open(dir);
      expect(reopened.size).toBe(RECALL.n);
      const r = measure(reopened);
      expect(r.at10).toBeGreaterThanOrEqual(h.minRecall.at10);
      expect(r.at100).toBeGreaterThanOrEqual(h.minRecall.at100);
      expect(reopened.searchBatch(first, 100).map((res) => res.map((n) => n.id))).toEqual(before);
      reopened.close();
    });
  });
}
