/**
 * @module data/synthetic/alias.test
 * Alias samplers draw in proportion to weights, per group.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../util/rng.ts';
import { buildGroupedSampler, buildSampler, groupMembers, groupSize, sampleGroup } from './alias.ts';

describe('alias samplers', () => {
  it('draw in proportion to the weights', () => {
    const weights = [1, 2, 3, 4, 0];
    const s = buildSampler(weights.length, (i) => weights[i]!);
    const rng = createRng(11);
    const counts = new Array<number>(weights.length).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[sampleGroup(s, 0, rng)]!++;
    weights.forEach((w, i) => expect(Math.abs(counts[i]! / n - w / 10)).toBeLessThan(0.01));
    expect(counts[4]).toBe(0);
  });

  it('keep groups apart and report empty groups as -1', () => {
    const groupOf = [2, 0, 2, 0, 2];
    const groups = groupMembers(groupOf, 4);
    const s = buildGroupedSampler(groups, () => 1);
    const rng = createRng(1);
    expect(groupSize(s, 0)).toBe(2);
    expect(groupSize(s, 1)).toBe(0);
    expect(sampleGroup(s, 1, rng)).toBe(-1);
    expect(sampleGroup(s, 3, rng)).toBe(-1);
    for (let i = 0; i < 100; i++) {
      expect([1, 3]).toContain(sampleGroup(s, 0, rng));
      expect([0, 2, 4]).toContain(sampleGroup(s, 2, rng));
    }
  });

  it('falls back to uniform when a group has only zero weights', () => {
    const s = buildSampler(3, () => 0);
    const rng = createRng(4);
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) seen.add(sampleGroup(s, 0, rng));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });
});
