/**
 * @module data/synthetic/latent
 * Latent taste factors shared by users and hotels: one direction per destination type. Entries are
 * scaled by dim^-1/4 so that the dot product of two independent vectors has unit variance.
 */
import type { Rng } from '../../util/rng.ts';
import { DEST_TYPES } from './geo.ts';

/** Per-entry scale that gives dot products of independent vectors a standard deviation of 1. */
export function latentScale(dim: number): number {
  return Math.pow(dim, -0.25);
}

/** Destination-type factors, row-major `DEST_TYPES.length × dim`. */
export function createTypeFactors(rng: Rng, dim: number): Float32Array {
  return randomVectors(rng, DEST_TYPES.length, dim);
}

/** `count × dim` independent N(0, latentScale²) entries. */
export function randomVectors(rng: Rng, count: number, dim: number): Float32Array {
  const s = latentScale(dim);
  const out = new Float32Array(count * dim);
  for (let i = 0; i < out.length; i++) out[i] = s * rng.normal();
  return out;
}

/** out[row] = Σ terms (weight × source[srcRow]) + noise × N(0, scale²), written in place. */
export function mixVector(
  rng: Rng,
  out: Float32Array,
  row: number,
  dim: number,
  terms: readonly { source: Float32Array; row: number; weight: number }[],
  noise: number,
): void {
  const s = latentScale(dim) * noise;
  const base = row * dim;
  for (let k = 0; k < dim; k++) {
    let v = s * rng.normal();
    for (const t of terms) v += t.weight * t.source[t.row * dim + k]!;
    out[base + k] = v;
  }
}
