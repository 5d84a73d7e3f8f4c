import { describe, expect, it } from 'vitest';
import { clusteredVectors, normalizeRow, recallAtK } from './clustered-vectors.ts';

function norm(m: Float32Array, i: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += (m[i * dim + j] as number) ** 2;
  return Math.sqrt(s);
}

describe('clusteredVectors', () => {
  it('is deterministic per seed and yields unit rows', () => {
    const a = clusteredVectors({ n: 500, dim: 32, queries: 10, seed: 1 });
    const b = clusteredVectors({ n: 500, dim: 32, queries: 10, seed: 1 });
    const c = clusteredVectors({ n: 500, dim: 32, queries: 10, seed: 2 });
    expect(a.vectors).toEqual(b.vectors);
    expect(a.queries).toEqual(b.queries);
    expect(a.vectors).not.toEqual(c.vectors);
    expect([a.vectors.length, a.queries.length]).toEqual([500 * 32, 10 * 32]);
    for (const i of [0, 1, 499]) expect(norm(a.vectors, i, 32)).toBeCloseTo(1, 5);
    for (const i of [0, 9]) expect(norm(a.queries, i, 32)).toBeCloseTo(1, 5);
  });

  it('is clustered: a row is much closer to its nearest neighbour than to a random row', () => {
    const dim = 32;
    const { vectors } = clusteredVectors({ n: 2000, dim, seed: 3 });
    const dot = (i: number, j: number): number => {
      let s = 0;
      for (let d = 0; d < dim; d++) s += (vectors[i * dim + d] as number) * (vectors[j * dim + d] as number);
      return s;
    };
    let nearest = 0;
    let random = 0;
    for (let i = 0; i < 20; i++) {
      let best = -1;
      for (let j = 0; j < 2000; j++) if (j !== i) best = Math.max(best, dot(i, j));
      nearest += best / 20;
      random += dot(i, 1999 - i) / 20;
    }
    expect(nearest).toBeGreaterThan(0.85);
    expect(random).toBeLessThan(nearest - 0.3);
  });
});

describe('normalizeRow and recallAtK', () => {
  it('normalises in place and leaves zero rows alone', () => {
    const v = new Float32Array([3, 4, 0, 0]);
    normalizeRow(v, 0, 2);
    normalizeRow(v, 2, 2);
    expect(Array.from(v)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), 0, 0]);
  });

  it('averages per-query overlap; empty truth counts as 1', () => {
    expect(recallAtK([['a', 'b'], ['x', 'y']], [['a', 'c'], ['y', 'x']])).toBe(0.75);
    expect(recallAtK([[]], [[]])).toBe(1);
    expect(recallAtK([], [])).toBe(1);
  });
});
