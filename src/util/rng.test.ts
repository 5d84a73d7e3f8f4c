/**
 * @module util/rng.test
 * The seeded generator: reproducibility, ranges and the moments of the samplers.
 */
import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, exponential, gumbel, hashString, lognormal, pareto, shuffle } from './rng.ts';

function take(seed: number | string, n: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.uint32());
}

function moments(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { mean, sd };
}

describe('createRng (sfc32)', () => {
  it('is deterministic by seed and differs between seeds', () => {
    expect(take(42, 100)).toEqual(take(42, 100));
    expect(take(42, 100)).not.toEqual(take(43, 100));
    expect(take('wayfarer', 10)).toEqual(take(hashString('wayfarer'), 10));
  });

  it('keeps next() in [0, 1) and int(n) in [0, n)', () => {
    const rng = createRng(1);
    let bad = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng.next();
      const k = rng.int(7);
      if (!(x >= 0 && x < 1) || !(Number.isInteger(k) && k >= 0 && k < 7)) bad++;
    }
    expect(bad).toBe(0);
    expect(rng.int(0)).toBe(0);
  });

  it('covers int(n) evenly', () => {
    const rng = createRng(9);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[rng.int(10)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('samples N(0, 1) from normal()', () => {
    const rng = createRng(3);
    const { mean, sd } = moments(Array.from({ length: 50_000 }, () => rng.normal()));
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(sd - 1)).toBeLessThan(0.02);
  });
});

describe('samplers', () => {
  it('have the documented means', () => {
    const rng = createRng(5);
    const n = 50_000;
    expect(Math.abs(moments(Array.from({ length: n }, () => exponential(rng, 3))).mean - 3)).toBeLessThan(0.1);
    // E[exp(N(0, 0.5))] = exp(0.125)
    expect(Math.abs(moments(Array.from({ length: n }, () => lognormal(rng, 0, 0.5))).mean - Math.exp(0.125))).toBeLessThan(0.02);
    // Gumbel mean is the Euler–Mascheroni constant
    expect(Math.abs(moments(Array.from({ length: n }, () => gumbel(rng))).mean - 0.5772)).toBeLessThan(0.03);
    const p = Array.from({ length: n }, () => pareto(rng, 1.5, 100));
    expect(Math.min(...p)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...p)).toBeLessThanOrEqual(100);
  });

  it('shuffle is a seeded permutation', () => {
    const a = shuffle(createRng(2), Array.from({ length: 50 }, (_, i) => i));
    const b = shuffle(createRng(2), Array.from({ length: 50 }, (_, i) => i));
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('deriveSeed gives distinct, stable sub-streams', () => {
    expect(deriveSeed(42, 'events')).toBe(deriveSeed(42, 'events'));
    expect(deriveSeed(42, 'events')).not.toBe(deriveSeed(42, 'users'));
    expect(deriveSeed(42, 'events')).not.toBe(deriveSeed(43, 'events'));
  });
});
