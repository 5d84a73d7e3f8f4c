/**
 * @module models/two-tower/artifact
 * The saved form of a two-tower model, 'two-tower@1': a JSON document (format, config,
 * vocabularies, weight layout summary and checksum, training summary) plus a binary blob holding
 * every parameter as little-endian float32 in layout order (see params.ts). Kept apart from the
 * runtime class; `fromArtifact` validates and rebuilds a TwoTowerModel.
 */
import { ERROR_CODES, RecsysError } from '../../errors.ts';
import type { TwoTowerConfig } from './config.ts';
import { resolveTwoTowerConfig } from './config.ts';
import type { EncoderState } from './encoding.ts';
import { FeatureEncoder } from './encoding.ts';
import { TwoTowerModel, layoutFor } from './model.ts';

export const TWO_TOWER_FORMAT = 'two-tower@1';

export interface TwoTowerArtifact {
  format: typeof TWO_TOWER_FORMAT;
  config: TwoTowerConfig;
  /** Tokens of every vocabulary (index = position + 1; 0 is unknown) and the price-band edges. */
  vocabularies: EncoderState;
  weights: {
    dtype: 'float32';
    byteOrder: 'little';
    /** Number of floats in the blob. */
    length: number;
    /** FNV-1a (32-bit, hex) of the blob: catches a JSON paired with the wrong blob. */
    fnv1a: string;
    /** Embedding tables in blob order: name, rows, dim (the dense MLP block comes first). */
    tables: { name: string; rows: number; dim: number }[];
  };
  /** Free-form training summary (epochs, recall, …); not needed to load. */
  training?: Record<string, unknown>;
}

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function formatError(message: string, cause?: unknown): RecsysError {
  return new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `${TWO_TOWER_FORMAT} artifact: ${message}`, cause });
}

/** Serialise a model: JSON text plus the weight blob (a copy of the parameters). */
export function toArtifact(model: TwoTowerModel, training?: Record<string, unknown>): { json: string; weights: Uint8Array } {
  const weights = new Uint8Array(model.params.byteLength);
  weights.set(new Uint8Array(model.params.buffer, model.params.byteOffset, model.params.byteLength));
  const l = model.layout;
  const artifact: TwoTowerArtifact = {
    format: TWO_TOWER_FORMAT, config: model.config, vocabularies: model.encoder.state,
    weights: {
      dtype: 'float32', byteOrder: 'little', length: model.params.length, fnv1a: fnv1a(weights),
      tables: [...l.userTables, l.recentTable, ...l.itemTables].map((t) => ({ name: t.name, rows: t.rows, dim: t.dim })),
    },
    ...(training === undefined ? {} : { training }),
  };
  return { json: JSON.stringify(artifact), weights };
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function parse(json: string): TwoTowerArtifact {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw formatError('not valid JSON', err);
  }
  if (typeof raw !== 'object' || raw === null) throw formatError('not an object');
  const a = raw as Record<string, unknown>;
  if (a['format'] !== TWO_TOWER_FORMAT) throw formatError(`expected format '${TWO_TOWER_FORMAT}', got ${JSON.stringify(a['format'])}`);
  const v = a['vocabularies'] as Record<string, unknown> | undefined;
  for (const k of ['users', 'items', 'cities', 'countries', 'devices', 'chains'] as const) {
    if (!isStringArray(v?.[k])) throw formatError(`vocabularies.${k} must be an array of strings`);
  }
  if (!Array.isArray(v?.['priceEdges']) || !v['priceEdges'].every((x) => typeof x === 'number')) throw formatError('vocabularies.priceEdges must be numbers');
  const w = a['weights'] as Record<string, unknown> | undefined;
  if (w?.['dtype'] !== 'float32' || w['byteOrder'] !== 'little' || typeof w['length'] !== 'number' || typeof w['fnv1a'] !== 'string') {
    throw formatError('weights must describe a little-endian float32 blob (dtype, byteOrder, length, fnv1a)');
  }
  return raw as TwoTowerArtifact;
}

/**
 * Rebuild a model from `toArtifact` output. Throws RecsysError(REC_ERR_MODEL_FORMAT) on another
 * format, a bad config or vocabulary, or a blob whose size or checksum does not match.
 */
export function fromArtifact(json: string, weights: Uint8Array): TwoTowerModel {
  const a = parse(json);
  let config: TwoTowerConfig;
  try {
    config = resolveTwoTowerConfig(a.config);
  } catch (err) {
    throw formatError('bad config', err);
  }
  const encoder = new FeatureEncoder(a.vocabularies, config.recentItems);
  const layout = layoutFor(config, encoder);
  if (a.weights.length !== layout.total || weights.byteLength !== layout.total * 4) {
    throw formatError(`weights hold ${weights.byteLength / 4} floats (JSON says ${a.weights.length}), the layout needs ${layout.total}`);
  }
  if (fnv1a(weights) !== a.weights.fnv1a) throw formatError('weights checksum mismatch: the blob does not belong to this JSON');
  const params = new Float32Array(layout.total);
  // Copy byte-wise: the blob may sit at an offset that is not a multiple of 4.
  new Uint8Array(params.buffer).set(weights);
  return new TwoTowerModel(config, encoder, layout, params);
}
