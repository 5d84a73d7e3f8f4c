import { describe, expect, it } from 'vitest';
import { TopK, ranksBefore } from './top-k.ts';

/** Seeded LCG so the randomised check is reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('TopK', () => {
  it('keeps the k best by score desc', () => {
    const t = new TopK<string>(3);
    for (const [id, s] of [['a', 1], ['b', 5], ['c', 3], ['d', 4], ['e', 2]] as const) t.offer(id, s);
    expect(t.sorted()).toEqual({ ids: ['b', 'd', 'c'], scores: [5, 4, 3] });
  });

  it('breaks ties by id ascending regardless of insertion order', () => {
    const a = new TopK<number>(2);
    const b = new TopK<number>(2);
    for (const id of [5, 1, 3, 2]) a.offer(id, 1);
    for (const id of [2, 3, 1, 5]) b.offer(id, 1);
    expect(a.sorted().ids).toEqual([1, 2]);
    expect(b.sorted().ids).toEqual([1, 2]);
  });

  it('handles k = 0, fewer items than k and NaN', () => {
    const z = new TopK(0);
    expect(z.offer(1, 10)).toBe(false);
    expect(z.sorted().ids).toEqual([]);
    const t = new TopK(5);
    t.offer(1, Number.NaN);
    t.offer(2, -1);
    expect(t.sorted()).toEqual({ ids: [2], scores: [-1] });
    expect(t.threshold).toBe(-Infinity);
    expect(() => new TopK(-1)).toThrow(RangeError);
  });

  it('exposes the worst kept score as threshold once full', () => {
    const t = new TopK(2);
    t.offer(1, 3);
    t.offer(2, 7);
    expect(t.threshold).toBe(3);
    expect(t.offer(3, 2)).toBe(false);
    expect(t.offer(4, 5)).toBe(true);
    expect(t.threshold).toBe(5);
  });

  it('matches a full sort on random data', () => {
    const next = rng(42);
    for (let trial = 0; trial < 20; trial++) {
      const n = 1 + Math.floor(next() * 500);
      const k = Math.floor(next() * 60);
      const items = Array.from({ length: n }, (_, id) => ({ id, score: Math.floor(next() * 50) }));
      const t = new TopK(k);
      for (const it of items) t.offer(it.id, it.score);
      const expected = [...items].sort((x, y) => (ranksBefore(x.score, x.id, y.score, y.id) ? -1 : 1)).slice(0, k);
      expect(t.sorted().ids).toEqual(expected.map((x) => x.id));
    }
  });
});
