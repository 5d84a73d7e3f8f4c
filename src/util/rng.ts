/**
 * @module util/rng
 * Seeded pseudo-random numbers: sfc32 (128-bit state, seeded through splitmix32) plus normal,
 * lognormal, exponential, Gumbel and Pareto samplers. Same seed → same stream; no Math.random.
 */

/** A seeded source of randomness; inject one wherever code needs chance. */
export interface Rng {
  /** Uniform float in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform unsigned 32-bit integer. */
  uint32(): number;
  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32 (n ≤ 0 returns 0). */
  int(n: number): number;
  /** Standard normal N(0, 1). */
  normal(): number;
}

/** 32-bit FNV-1a hash of a string, used to turn labels and string seeds into integers. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One splitmix32 step: a well-mixed uint32 from any uint32 (bijective). */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A seed for an independent sub-stream named `label`, so that e.g. the catalogue stream stays the
 * same when the number of events changes.
 */
export function deriveSeed(seed: number | string, label: string): number {
  const base = typeof seed === 'string' ? hashString(seed) : seed >>> 0;
  return mix32(base ^ mix32(hashString(label)));
}

const INV_2_32 = 1 / 4294967296;

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator); passes PractRand to many TB. */
class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    this.a = mix32(seed);
    this.b = mix32(this.a ^ 0x6a09e667);
    this.c = mix32(this.b ^ 0xbb67ae85);
    // Discard the first outputs so that nearby seeds decorrelate.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.uint32() * INV_2_32;
  }

  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.next() * n);
  }

  /** Marsaglia's polar method; the second variate of each pair is kept for the next call. */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = this.next() * 2 - 1;
      v = this.next() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }
}

/** A fresh sfc32 generator. A string seed is hashed; a number seed is taken modulo 2^32. */
export function createRng(seed: number | string): Rng {
  return new Sfc32(typeof seed === 'string' ? hashString(seed) : seed >>> 0);
}

/** N(mean, sd). */
export function normal(rng: Rng, mean = 0, sd = 1): number {
  return mean + sd * rng.normal();
}

/** exp(N(mu, sigma)): `mu` and `sigma` are on the log scale. */
export function lognormal(rng: Rng, mu: number, sigma: number): number {
  return Math.exp(mu + sigma * rng.normal());
}

/** Exponential with the given mean (> 0). */
export function exponential(rng: Rng, mean: number): number {
  return -mean * Math.log(1 - rng.next());
}

/** Standard Gumbel(0, 1): adding it to utilities and taking the max samples a softmax choice. */
export function gumbel(rng: Rng): number {
  return -Math.log(-Math.log(rng.next() * 0.9999999 + 0.00000005));
}

/** Pareto with minimum 1 and tail index `alpha` (smaller → heavier tail); capped at `max`. */
export function pareto(rng: Rng, alpha: number, max = Infinity): number {
  return Math.min(max, Math.pow(1 - rng.next(), -1 / alpha));
}

/** Fisher–Yates shuffle in place. */
export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}
