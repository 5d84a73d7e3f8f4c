/**
 * @module data/synthetic/truth-io
 * The on-disk form of the hidden truth ('synthetic-truth@1'): `truth.json` (header: format, sizes,
 * weights, file names) next to little-endian Float32 files, one per array.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import path from 'node:path';
import { InvalidInputError } from '../../errors.ts';
import {
  createTruth, ITEM_ATTR_STRIDE, TRUTH_FORMAT, USER_PREF_STRIDE, type HiddenTruth, type TruthData, type UtilityWeights,
} from './truth.ts';

/** Name of the header file inside a truth folder. */
export const TRUTH_HEADER_FILE = 'truth.json';

const ARRAYS = {
  userLatent: 'user-latent.f32',
  userPrefs: 'user-prefs.f32',
  itemLatent: 'item-latent.f32',
  itemAttrs: 'item-attrs.f32',
} as const;
type ArrayName = keyof typeof ARRAYS;

/** Contents of `truth.json`. */
export interface TruthHeader {
  format: typeof TRUTH_FORMAT;
  seed: number;
  dim: number;
  userCount: number;
  itemCount: number;
  userPrefStride: number;
  itemAttrStride: number;
  weights: UtilityWeights;
  byteOrder: 'little-endian';
  /** Array name → file name (relative to the folder). */
  files: Record<ArrayName, string>;
}

function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new InvalidInputError('synthetic truth files are little-endian; this host is big-endian');
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Write `truth` into folder `dir` (created if missing); existing files are replaced. */
export async function saveTruth(truth: TruthData, dir: string): Promise<void> {
  assertLittleEndianHost();
  await mkdir(dir, { recursive: true });
  const header: TruthHeader = {
    format: TRUTH_FORMAT, seed: truth.seed, dim: truth.dim, userCount: truth.userCount, itemCount: truth.itemCount,
    userPrefStride: USER_PREF_STRIDE, itemAttrStride: ITEM_ATTR_STRIDE, weights: truth.weights,
    byteOrder: 'little-endian', files: { ...ARRAYS },
  };
  for (const name of Object.keys(ARRAYS) as ArrayName[]) {
    await writeFile(path.join(dir, ARRAYS[name]), bytesOf(truth[name]));
  }
  // The header goes last: a folder with a header is a complete one.
  await writeFile(path.join(dir, TRUTH_HEADER_FILE), JSON.stringify(header, null, 2) + '\n');
}

function parseHeader(text: string, file: string): TruthHeader {
  let h: Partial<TruthHeader>;
  try {
    h = JSON.parse(text) as Partial<TruthHeader>;
  } catch (err) {
    throw new InvalidInputError(`${file}: not JSON`, err);
  }
  if (h.format !== TRUTH_FORMAT) throw new InvalidInputError(`${file}: format must be '${TRUTH_FORMAT}', got '${String(h.format)}'`);
  if (h.userPrefStride !== USER_PREF_STRIDE || h.itemAttrStride !== ITEM_ATTR_STRIDE) {
    throw new InvalidInputError(`${file}: unexpected strides ${h.userPrefStride}/${h.itemAttrStride}`);
  }
  for (const k of ['seed', 'dim', 'userCount', 'itemCount'] as const) {
    if (!Number.isSafeInteger(h[k])) throw new InvalidInputError(`${file}: ${k} must be an integer`);
  }
  if (typeof h.weights?.price !== 'number' || typeof h.weights.quality !== 'number' || h.files === undefined) {
    throw new InvalidInputError(`${file}: missing weights or files`);
  }
  return h as TruthHeader;
}

async function readArray(dir: string, file: string, expected: number): Promise<Float32Array> {
  const full = path.join(dir, file);
  const buf = await readFile(full);
  if (buf.byteLength !== expected * 4) {
    throw new InvalidInputError(`${full}: expected ${expected * 4} bytes, got ${buf.byteLength}`);
  }
  // Float32Array views need 4-byte alignment; Buffer pools do not guarantee it.
  return buf.byteOffset % 4 === 0
    ? new Float32Array(buf.buffer, buf.byteOffset, expected)
    : new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Read a truth folder written by `saveTruth`. Throws InvalidInputError on a bad or incomplete folder. */
export async function loadTruth(dir: string): Promise<HiddenTruth> {
  assertLittleEndianHost();
  const headerFile = path.join(dir, TRUTH_HEADER_FILE);
  const h = parseHeader(await readFile(headerFile, 'utf8'), headerFile);
  const data: TruthData = {
    format: TRUTH_FORMAT, seed: h.seed, dim: h.dim, userCount: h.userCount, itemCount: h.itemCount,
    weights: { price: h.weights.price, quality: h.weights.quality },
    userLatent: await readArray(dir, h.files.userLatent, h.userCount * h.dim),
    userPrefs: await readArray(dir, h.files.userPrefs, h.userCount * USER_PREF_STRIDE),
    itemLatent: await readArray(dir, h.files.itemLatent, h.itemCount * h.dim),
    itemAttrs: await readArray(dir, h.files.itemAttrs, h.itemCount * ITEM_ATTR_STRIDE),
  };
  return createTruth(data);
}
