import { describe, expect, it } from 'vitest';
import { ItemVectors } from './item-vectors.ts';

const v = (...xs: number[]): Float32Array => Float32Array.from(xs);

describe('ItemVectors', () => {
  it('stores, replaces and removes vectors by id, growing as needed', () => {
    const t = new ItemVectors(2, 1);
    t.set('a', v(1, 0));
    t.set('b', v(0, 1));
    t.set('c', v(0.6, 0.8));
    expect(t.size).toBe(3);
    expect([...(t.get('b') ?? [])]).toEqual([0, 1]);
    t.set('b', v(0.5, 0.5));
    expect([...(t.get('b') ?? [])]).toEqual([0.5, 0.5]);
    expect(t.delete('a')).toBe(true);
    expect(t.delete('a')).toBe(false);
    expect(t.has('a')).toBe(false);
    // The last row moved into the freed slot and keeps its vector.
    expect([...(t.get('c') ?? [])].map((x) => Math.round(x * 10) / 10)).toEqual([0.6, 0.8]);
    expect(t.size).toBe(2);
    expect(() => t.set('d', v(1))).toThrow(/1 dims, expected 2/);
  });

  it('scores exactly among candidates, skipping unknown and rejected ids', () => {
    const t = ItemVectors.of(['a', 'b', 'c', 'd'], v(1, 0, 0, 1, 0.6, 0.8, -1, 0), 2);
    const top = t.topAmong(v(1, 0), ['d', 'c', 'b', 'a', 'zz'], 3, (id) => id === 'a');
    expect(top.map((h) => h.id)).toEqual(['c', 'b', 'd']);
    expect(top[0]?.score).toBeCloseTo(0.6, 6);
    expect(t.topAmong(v(1, 0), ['a'], 0)).toEqual([]);
  });

  it('round-trips through its files and rejects a mismatched blob', () => {
    const t = ItemVectors.of(['x', 'y'], v(1, 2, 3, 4), 2);
    t.set('z', v(5, 6));
    const files = t.toFiles();
    const back = ItemVectors.fromFiles(files.header, files.vectors);
    expect(back.size).toBe(3);
    expect([...(back.get('z') ?? [])]).toEqual([5, 6]);
    expect(() => ItemVectors.fromFiles(files.header, files.vectors.subarray(4))).toThrow(/REC_ERR_MODEL_FORMAT|blob has/);
    expect(() => ItemVectors.fromFiles('{"format":"other"}', files.vectors)).toThrow(/expected format 'item-vectors@1'/);
  });
});
