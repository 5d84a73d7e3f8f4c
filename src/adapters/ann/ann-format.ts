/**
 * @module adapters/ann/ann-format
 * The on-disk 'ann@1' layout shared by every VectorIndex adapter: `header.json`, `ids.json` (the
 * key → item id mapping) and one library file, written atomically with the header last.
 */
import { mkdirSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ItemId } from '../../domain/types.ts';
import { ERROR_CODES, RecsysError } from '../../errors.ts';

export const ANN_FORMAT = 'ann@1';
export const HEADER_FILE = 'header.json';
export const IDS_FILE = 'ids.json';

/** Libraries behind the adapters; the header names the one that wrote the directory. */
export type AnnLibrary = 'brute-force' | 'usearch' | 'hnswlib';

/** Small JSON header that identifies a saved index; read first, written last. */
export interface AnnHeader {
  format: typeof ANN_FORMAT;
  library: AnnLibrary;
  /** Vector dimensions. */
  dim: number;
  /** Always inner product: scores are dot products (cosines for unit vectors). */
  metric: 'ip';
  /** Live items at save time. */
  size: number;
  /** Library-specific build and search parameters (connectivity, ef…). */
  params: Record<string, number | string | boolean>;
}

/** REC_ERR_MODEL_FORMAT naming the directory and what is wrong with it. */
export function formatError(dir: string, message: string, cause?: unknown): RecsysError {
  return new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `vector index in ${dir}: ${message}`, cause });
}

/**
 * A file to write into the index directory; `write` receives the temporary path to fill. It must
 * read the index state it saves synchronously, before its first await (see writeIndexDir).
 */
export interface IndexFile {
  name: string;
  write(tmpPath: string): Promise<void> | void;
}

/**
 * Writes `files` then the header into `dir`. Every writer is started synchronously, in this call,
 * so header, native file and ids are one snapshot even if the index changes while bytes reach the
 * disk. Each file goes to a temporary name and is renamed into place after the old header is
 * removed, so a reader never pairs a new header with old files. Renaming over a file that is
 * memory-mapped elsewhere is safe on POSIX (the mapping keeps the old inode).
 */
export async function writeIndexDir(dir: string, header: AnnHeader, files: readonly IndexFile[]): Promise<void> {
  const suffix = `.tmp-${process.pid}-${Date.now()}`;
  const staged = files.map((f) => ({ tmp: path.join(dir, f.name + suffix), final: path.join(dir, f.name) }));
  try {
    mkdirSync(dir, { recursive: true });
    const pending = files.map(async (f, i) => f.write((staged[i] as { tmp: string }).tmp));
    // Wait for every writer, so that none is still writing a temporary file when cleanup runs.
    const failed = (await Promise.allSettled(pending)).find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    await rm(path.join(dir, HEADER_FILE), { force: true });
    for (const s of staged) await rename(s.tmp, s.final);
    const headerTmp = path.join(dir, HEADER_FILE + suffix);
    await writeFile(headerTmp, JSON.stringify(header, null, 2));
    await rename(headerTmp, path.join(dir, HEADER_FILE));
  } catch (err) {
    await Promise.all(staged.map((s) => rm(s.tmp, { force: true })));
    throw new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `saving vector index to ${dir} failed`, cause: err });
  }
}

/**
 * Reads and validates `dir/header.json` for `library`. Throws REC_ERR_MODEL_MISSING when there is
 * no header, REC_ERR_MODEL_FORMAT when it is not an 'ann@1' header written by that library.
 */
export async function readHeader(dir: string, library: AnnLibrary): Promise<AnnHeader> {
  let text: string;
  try {
    text = await readFile(path.join(dir, HEADER_FILE), 'utf8');
  } catch (err) {
    throw new RecsysError({ code: ERROR_CODES.MODEL_MISSING, message: `no vector index in ${dir} (missing ${HEADER_FILE})`, cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw formatError(dir, `${HEADER_FILE} is not JSON`, err);
  }
  const h = raw as Partial<AnnHeader> | null;
  if (h === null || typeof h !== 'object' || h.format !== ANN_FORMAT) {
    throw formatError(dir, `expected format '${ANN_FORMAT}', got '${String(h?.format)}'`);
  }
  if (h.library !== library) throw formatError(dir, `written by '${String(h.library)}', cannot be opened as '${library}'`);
  if (!Number.isInteger(h.dim) || (h.dim as number) <= 0) throw formatError(dir, `bad dim ${String(h.dim)}`);
  if (h.metric !== 'ip') throw formatError(dir, `unsupported metric '${String(h.metric)}'`);
  if (!Number.isInteger(h.size) || (h.size as number) < 0) throw formatError(dir, `bad size ${String(h.size)}`);
  if (h.params === null || typeof h.params !== 'object') throw formatError(dir, 'missing params');
  return h as AnnHeader;
}

/** Writes the key → id table as a JSON array; free keys are null. */
export async function writeIds(file: string, ids: readonly (ItemId | undefined)[]): Promise<void> {
  await writeFile(file, JSON.stringify(ids.map((id) => id ?? null)));
}

/** Reads what writeIds wrote; free keys come back as undefined. */
export async function readIds(dir: string): Promise<(ItemId | undefined)[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path.join(dir, IDS_FILE), 'utf8'));
  } catch (err) {
    throw formatError(dir, `cannot read ${IDS_FILE}`, err);
  }
  if (!Array.isArray(raw)) throw formatError(dir, `${IDS_FILE} is not an array`);
  return raw.map((id: unknown, key) => {
    if (id === null) return undefined;
    if (typeof id !== 'string') throw formatError(dir, `${IDS_FILE}: key ${key} maps to a non-string id`);
    return id;
  });
}
