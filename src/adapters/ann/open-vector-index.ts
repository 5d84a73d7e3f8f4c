/**
 * @module adapters/ann/open-vector-index
 * Opens any saved 'ann@1' directory with the adapter named in its header, so the composition root
 * loads a model version's index without knowing which library built it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { VectorIndex } from '../../ports/vector-index.ts';
import { HEADER_FILE, formatError } from './ann-format.ts';
import { openBruteForceIndex } from './brute-force-index.ts';
import { openHnswlibIndex } from './hnswlib-index.ts';
import { openUsearchIndex } from './usearch-index.ts';

/** Options passed to the matching loader; ignored by adapters they do not apply to. */
export interface OpenVectorIndexOptions {
  /** Override the saved search beam width (ANN adapters). */
  efSearch?: number;
  /** usearch only: memory-map the index (default true) or load it into memory. */
  mmap?: boolean;
}

/**
 * Reads `dir/header.json` and opens the directory with the loader of its `library`. Throws
 * REC_ERR_MODEL_MISSING when there is no header and REC_ERR_MODEL_FORMAT for an unknown library.
 */
export async function openVectorIndex(dir: string, opts: OpenVectorIndexOptions = {}): Promise<VectorIndex> {
  let library: unknown;
  try {
    library = (JSON.parse(await readFile(path.join(dir, HEADER_FILE), 'utf8')) as { library?: unknown }).library;
  } catch {
    library = undefined; // the loader below reports the missing or malformed header precisely
  }
  const ef = opts.efSearch === undefined ? {} : { efSearch: opts.efSearch };
  switch (library) {
    case 'usearch':
      return openUsearchIndex(dir, { ...ef, ...(opts.mmap === undefined ? {} : { mmap: opts.mmap }) });
    case 'hnswlib':
      return openHnswlibIndex(dir, ef);
    case 'brute-force':
    case undefined:
      return openBruteForceIndex(dir);
    default:
      throw formatError(dir, `unknown library '${String(library)}'`);
  }
}
