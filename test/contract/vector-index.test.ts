/**
 * @module test/contract/vector-index.test
 * Runs the VectorIndex contract against every adapter: exact brute force, hnswlib-node (the
 * default ANN adapter) and usearch (reopened memory-mapped and loaded into memory).
 */
import { BruteForceIndex, openBruteForceIndex } from '../../src/adapters/ann/brute-force-index.ts';
import { HnswlibIndex, openHnswlibIndex } from '../../src/adapters/ann/hnswlib-index.ts';
import { UsearchIndex, openUsearchIndex } from '../../src/adapters/ann/usearch-index.ts';
import { vectorIndexContract } from './vector-index.contract.ts';

const EXACT = { at10: 1, at100: 1 };
// Floors sit a little under what these settings measure on the contract's dataset (≈ 0.99+),
// so that a real regression fails and a different build order does not.
const ANN = { at10: 0.95, at100: 0.95 };

vectorIndexContract('BruteForceIndex', { create: (dim) => new BruteForceIndex({ dim }), open: openBruteForceIndex, minRecall: EXACT });
vectorIndexContract('HnswlibIndex', { create: (dim) => new HnswlibIndex({ dim, efSearch: 128 }), open: (dir) => openHnswlibIndex(dir), minRecall: ANN });
vectorIndexContract('UsearchIndex (reopened with mmap)', {
  create: (dim) => new UsearchIndex({ dim, efSearch: 128 }), open: (dir) => openUsearchIndex(dir, { mmap: true }), minRecall: ANN,
});
vectorIndexContract('UsearchIndex (reopened into memory)', {
  create: (dim) => new UsearchIndex({ dim, efSearch: 128 }), open: (dir) => openUsearchIndex(dir, { mmap: false }), minRecall: ANN,
});
