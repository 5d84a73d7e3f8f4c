import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.ts';
import type { RawHits } from './search-support.ts';
import { KeyMap, checkK, checkMatrix, checkUniqueIds, checkVector, firstFetch, searchWithOverFetch } from './search-support.ts';

describe('input checks', () => {
  it('name the problem and the sizes', () => {
    expect(() => checkVector(new Float32Array(3), 4, 'query')).toThrow('query has 3 dimensions, the index has 4');
    expect(() => checkVector(new Float32Array([0, Number.POSITIVE_INFINITY]), 2, 'query')).toThrow('non-finite value at dimension 1');
    expect(() => checkMatrix(new Float32Array(7), 2, 4, 'vectors')).toThrow('vectors has 7 values, expected 2 rows × 4 dimensions = 8');
    expect(() => checkMatrix(new Float32Array([0, 0, 0, Number.NaN]), 2, 2, 'vectors')).toThrow('non-finite value in row 1');
    expect(() => checkK(-1)).toThrow(InvalidInputError);
    expect(() => checkUniqueIds(['a', 'b', 'a'])).toThrow("duplicate id 'a'");
    expect(() => checkK(0)).not.toThrow();
  });
});

describe('KeyMap', () => {
  it('hands out increasing keys, never reuses them, and round-trips its table', () => {
    const m = new KeyMap();
    expect([m.assign('a'), m.assign('b'), m.assign('c')]).toEqual([0, 1, 2]);
    expect(m.release('b')).toBe(1);
    expect(m.release('b')).toBeUndefined();
    expect(m.assign('b')).toBe(3);
    expect([m.size, m.keyCount, m.idOf(1), m.idOf(3), m.keyOf('c')]).toEqual([3, 4, undefined, 'b', 2]);
    const again = new KeyMap([...m.table()]);
    expect([again.size, again.keyOf('b'), again.idOf(1)]).toEqual([3, 3, undefined]);
  });
});

describe('searchWithOverFetch', () => {
  // 100 native entries, key i scored 1 - i/100, best first.
  const keys = new KeyMap(Array.from({ length: 100 }, (_, i) => `id${i}`));
  const wants: number[] = [];
  const fetch = (want: number): RawHits => {
    wants.push(want);
    const count = Math.min(want, 100);
    return { count, keys: Array.from({ length: count }, (_, i) => i), scores: Array.from({ length: count }, (_, i) => 1 - i / 100) };
  };

  it('sizes the first fetch from the exclusion', () => {
    expect(firstFetch(10, 1000, undefined)).toBe(10);
    expect(firstFetch(10, 1000, new Set(['a', 'b', 'c']))).toBe(13);
    expect(firstFetch(10, 1000, new Set(['a', 'b', 'c']), 4)).toBe(17);
    expect(firstFetch(100, 1000, () => false)).toBe(125);
    expect(firstFetch(100, 50, new Set(['a']))).toBe(50);
    const blockList = new Set(Array.from({ length: 10_000 }, (_, i) => `b${i}`));
    expect(firstFetch(10, 1_000_000, blockList)).toBe(10 + 84);
  });

  it('returns k results in score order after skipping excluded and freed keys, doubling the fetch as needed', () => {
    wants.length = 0;
    const sparse = new KeyMap(Array.from({ length: 100 }, (_, i) => (i === 1 ? undefined : `id${i}`)));
    const out = searchWithOverFetch({ k: 5, available: 100, stale: 1, exclude: (id) => Number(id.slice(2)) % 10 !== 0, keys: sparse, fetch });
    expect(out.map((n) => n.id)).toEqual(['id0', 'id10', 'id20', 'id30', 'id40']);
    expect(wants).toEqual([8, 16, 32, 64]);
  });

  it('stops at every native entry when fewer than k survive', () => {
    wants.length = 0;
    const out = searchWithOverFetch({ k: 10, available: 100, exclude: (id) => id !== 'id99', keys, fetch });
    expect(out).toEqual([{ id: 'id99', score: expect.closeTo(0.01, 9) as unknown }]);
    expect(wants[wants.length - 1]).toBe(100);
  });

  it('k = 0 or nothing available → [] without fetching', () => {
    wants.length = 0;
    expect(searchWithOverFetch({ k: 0, available: 100, exclude: undefined, keys, fetch })).toEqual([]);
    expect(searchWithOverFetch({ k: 5, available: 0, exclude: undefined, keys, fetch })).toEqual([]);
    expect(wants).toEqual([]);
  });
});
