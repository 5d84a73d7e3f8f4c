/**
 * @module models/gbdt/packed-ensemble
 * Scoring layout of an ensemble: every tree's nodes concatenated into one set of typed arrays, with
 * each node's missing-value rule precomputed. Single rows walk the trees one after another. Batches of
 * 4 rows or more go to the WebAssembly row-partition scorer (wasm-scorer.ts); where it is unavailable
 * (no WebAssembly, e.g. `node --jitless`, or a model it declines: non-finite thresholds) batches walk
 * row by row too. Both paths add tree outputs in tree order starting from 0, so they give
 * bit-identical scores.
 */
import type { GbdtTree } from './model.ts';
import { createWasmScorer } from './wasm-scorer.ts';

/** NaN goes left at this node. */
const NAN_LEFT = 1;
/** Missing type Zero: |x| ≤ kZeroThreshold goes to the default side... */
const ZERO_MISSING = 2;
/** ...which is the left one. */
const ZERO_LEFT = 4;
const KZ = Math.fround(1e-35);
/**
 * Smaller batches walk row by row: fresh rows, 300 trees × 63 leaves, 1 / 2 / 4 rows took 9 / 18 / 37 µs
 * row by row and 13 / 23 / 40 µs in WebAssembly; 8 rows 73 against 68 µs.
 */
const WASM_MIN_ROWS = 4;

/** Flat arrays of all trees plus scorers over them. */
export interface PackedEnsemble {
  readonly numTrees: number;
  /** Raw score of one row. */
  score(x: ArrayLike<number>, offset: number): number;
  /** Raw scores of `numRows` row-major rows with `stride` values per row into `out`. */
  scoreBatch(x: ArrayLike<number>, numRows: number, stride: number, out: Float64Array): void;
}

interface Arrays {
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  flags: Uint8Array;
  /** child[2k] = left, child[2k + 1] = right; ≥ 0 internal node, < 0 ~leaf. */
  child: Int32Array;
  leafValue: Float64Array;
}

function nodeFlags(dt: number, threshold: number): number {
  const missing = (dt >> 2) & 3;
  const defaultLeft = (dt & 2) !== 0;
  if (missing === 2) return defaultLeft ? NAN_LEFT : 0;
  if (missing === 1) return ZERO_MISSING | (defaultLeft ? NAN_LEFT | ZERO_LEFT : 0);
  // Missing type None: NaN is scored as 0.
  return 0 <= threshold ? NAN_LEFT : 0;
}

function allocate(trees: readonly GbdtTree[]): Arrays {
  let nodes = 0;
  let leaves = 0;
  for (const t of trees) {
    nodes += t.numLeaves - 1;
    leaves += t.numLeaves;
  }
  return {
    roots: new Int32Array(trees.length),
    feature: new Int32Array(nodes),
    threshold: new Float64Array(nodes),
    flags: new Uint8Array(nodes),
    child: new Int32Array(2 * nodes),
    leafValue: new Float64Array(leaves),
  };
}

function pack(trees: readonly GbdtTree[]): Arrays {
  const a = allocate(trees);
  let n0 = 0;
  let l0 = 0;
  const child = (c: number): number => (c >= 0 ? n0 + c : ~(l0 + ~c));
  trees.forEach((t, ti) => {
    a.roots[ti] = t.numLeaves <= 1 ? ~l0 : n0;
    for (let i = 0; i < t.numLeaves - 1; i++) {
      const k = n0 + i;
      a.feature[k] = t.splitFeature[i]!;
      a.threshold[k] = t.threshold[i]!;
      a.flags[k] = nodeFlags(t.decisionType[i]!, t.threshold[i]!);
      a.child[2 * k] = child(t.leftChild[i]!);
      a.child[2 * k + 1] = child(t.rightChild[i]!);
    }
    a.leafValue.set(t.leafValue.subarray(0, t.numLeaves), l0);
    n0 += t.numLeaves - 1;
    l0 += t.numLeaves;
  });
  return a;
}

function scoreRow(a: Arrays, x: ArrayLike<number>, off: number): number {
  const { roots, feature, threshold, flags, child, leafValue } = a;
  let sum = 0;
  for (let t = 0; t < roots.length; t++) {
    let n = roots[t]!;
    while (n >= 0) {
      const v = x[off + feature[n]!]!;
      let goLeft = v <= threshold[n]!;
      const fl = flags[n]!;
      if (fl !== 0) {
        if (v !== v) goLeft = (fl & NAN_LEFT) !== 0;
        else if ((fl & ZERO_MISSING) !== 0 && v > -KZ && v <= KZ) goLeft = (fl & ZERO_LEFT) !== 0;
      }
      n = child[goLeft ? 2 * n : 2 * n + 1]!;
    }
    sum += leafValue[~n]!;
  }
  return sum;
}

/** Packs trees for scoring (done once per model; see model.ts for the cache). */
export function packEnsemble(trees: readonly GbdtTree[]): PackedEnsemble {
  const a = pack(trees);
  const rowByRow: PackedEnsemble['scoreBatch'] = (x, numRows, stride, out) => {
    for (let i = 0, off = 0; i < numRows; i++, off += stride) out[i] = scoreRow(a, x, off);
  };
  const wasm = createWasmScorer(trees);
  return {
    numTrees: trees.length,
    score: (x, offset) => scoreRow(a, x, offset),
    scoreBatch: wasm === null ? rowByRow : (x, numRows, stride, out) => (numRows < WASM_MIN_ROWS ? rowByRow : wasm)(x, numRows, stride, out),
  };
}
