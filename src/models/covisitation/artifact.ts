/**
 * @module models/covisitation/artifact
 * The saved form of a co-visitation model, 'covisitation@1': JSON whose neighbour lists are
 * compressed-sparse-row typed arrays in base64 (little-endian), weights decayed to `now`.
 */
import { ERROR_CODES, RecsysError } from '../../errors.ts';
import type { CovisitationConfig } from './options.ts';
import { resolveCovisitationOptions } from './options.ts';
import type { NeighbourCsr } from './pair-table.ts';

export const COVISITATION_FORMAT = 'covisitation@1';

export interface CovisitationArtifact {
  format: typeof COVISITATION_FORMAT;
  config: CovisitationConfig;
  /** Instant (UTC ms) the weights are decayed to. */
  now: number;
  /** Every item the model knows, in dense-index order. */
  items: string[];
  /** base64 of Int32Array(items.length + 1): row i of `neighbours` is [offsets[i], offsets[i+1]). */
  offsets: string;
  /** base64 of Int32Array: neighbour indices into `items`, each row best first. */
  neighbours: string;
  /** base64 of Float32Array aligned with `neighbours`: decayed pair weight at `now`. */
  weights: string;
  /** Training figures: weighted events, distinct pairs held at the end, prunes performed. */
  stats: { events: number; pairs: number; prunes: number };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function encode(a: Int32Array | Float32Array): string {
  const buf = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  // Copy before swapping so that the caller's array is untouched on big-endian hosts.
  return LITTLE_ENDIAN ? buf.toString('base64') : Buffer.from(buf).swap32().toString('base64');
}

function decodeBytes(s: string, what: string): Uint8Array {
  const buf = Buffer.from(s, 'base64');
  if (buf.byteLength % 4 !== 0) throw formatError(`${what} is not a whole number of 4-byte values`);
  const copy = new Uint8Array(buf.byteLength); // aligned copy: Buffer slices may be unaligned
  copy.set(buf);
  if (!LITTLE_ENDIAN) Buffer.from(copy.buffer).swap32();
  return copy;
}

function formatError(message: string, cause?: unknown): RecsysError {
  return new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `${COVISITATION_FORMAT} artifact: ${message}`, cause });
}

/** Serialise neighbour lists already decayed to `now`. */
export function covisitationToArtifact(
  config: CovisitationConfig, now: number, items: readonly string[], csr: NeighbourCsr, stats: CovisitationArtifact['stats'],
): CovisitationArtifact {
  return {
    // JSON has no Infinity: a no-decay half-life is saved as Number.MAX_VALUE, which decays nothing either.
    format: COVISITATION_FORMAT, config: { ...config, halfLifeMs: Math.min(config.halfLifeMs, Number.MAX_VALUE) }, now, items: [...items],
    offsets: encode(csr.offsets), neighbours: encode(csr.neighbours), weights: encode(Float32Array.from(csr.weights)), stats,
  };
}

/** Validate a parsed artifact and decode its arrays; throws RecsysError(REC_ERR_MODEL_FORMAT) naming the problem. */
export function covisitationFromArtifact(raw: unknown): { artifact: CovisitationArtifact; config: CovisitationConfig; csr: NeighbourCsr } {
  if (typeof raw !== 'object' || raw === null) throw formatError('not an object');
  const a = raw as Record<string, unknown>;
  if (a['format'] !== COVISITATION_FORMAT) throw formatError(`expected format '${COVISITATION_FORMAT}', got ${JSON.stringify(a['format'])}`);
  const items = a['items'];
  if (!Array.isArray(items) || !items.every((x) => typeof x === 'string')) throw formatError('items must be an array of strings');
  if (typeof a['now'] !== 'number') throw formatError('now must be a number');
  for (const k of ['offsets', 'neighbours', 'weights']) if (typeof a[k] !== 'string') throw formatError(`${k} must be a base64 string`);
  let config: CovisitationConfig;
  try {
    config = resolveCovisitationOptions(a['config'] as Partial<CovisitationConfig>);
  } catch (err) {
    throw formatError('bad config', err);
  }
  const offsets = new Int32Array(decodeBytes(a['offsets'] as string, 'offsets').buffer);
  const neighbours = new Int32Array(decodeBytes(a['neighbours'] as string, 'neighbours').buffer);
  const weights = new Float64Array(new Float32Array(decodeBytes(a['weights'] as string, 'weights').buffer));
  checkCsr(offsets, neighbours, weights, items.length);
  return { artifact: raw as CovisitationArtifact, config, csr: { offsets, neighbours, weights } };
}

function checkCsr(offsets: Int32Array, neighbours: Int32Array, weights: Float64Array, n: number): void {
  if (offsets.length !== n + 1) throw formatError(`offsets has ${offsets.length} entries, expected items + 1 = ${n + 1}`);
  if (neighbours.length !== weights.length) throw formatError('neighbours and weights differ in length');
  if (offsets[0] !== 0 || offsets[n] !== neighbours.length) throw formatError('offsets do not span neighbours');
  for (let i = 0; i < n; i++) if ((offsets[i + 1] as number) < (offsets[i] as number)) throw formatError(`offsets decrease at row ${i}`);
  for (const j of neighbours) if (j < 0 || j >= n) throw formatError(`neighbour index ${j} out of range`);
}
