/**
 * @module models/gbdt/wasm-scorer
 * Batch scoring in WebAssembly by row partitioning: rows are copied column-major into the kernel's
 * memory with their missing values replaced, then wasm-scorer-kernel.ts splits each tree's row list
 * node by node (each row visits only its path, with no data-dependent branch per row). Every
 * comparison becomes `value > threshold` with no missing-value branch: each (feature, missing rule) pair
 * used by the model gets its own column, where NaN — and for missing type Zero, x in (−kZero, kZero] —
 * is replaced by the value that takes the same side at every node using that column: 0 (type None,
 * LightGBM scores NaN as 0), −∞ (default left) or +∞ (default right). Thresholds must be finite.
 * 500 candidates × 300 trees × 63 leaves: ~0.75 ms against ~1.6 ms for trees compiled to JS
 * conditionals and ~2.9–4.5 ms for an 8-row lockstep array walk (both tried before, removed; bench/gbdt.ts).
 * Sums are bit-identical to the row-by-row walk (see wasm-scorer-kernel.ts).
 */
import type { GbdtTree } from './model.ts';
import { createScoreKernel, NODE_BYTES, STACK_ENTRY_BYTES, WASM_PAGE_BYTES } from './wasm-scorer-kernel.ts';
import type { KernelMemory, ScoreKernel } from './wasm-scorer-kernel.ts';

/** Writes the raw score of rows [0, numRows) (row i at x[i * stride + feature]) into out[0..numRows). */
export type BatchScorer = (x: ArrayLike<number>, numRows: number, stride: number, out: Float64Array) => void;

/** Options for tests; the defaults are what scoring uses. */
export interface WasmScorerOptions {
  /** Rows per kernel call (default 2048, fewer when the model uses many columns). */
  readonly chunkRows?: number;
}

/** LightGBM's kZeroThreshold (model.ts ZERO_THRESHOLD, not imported to avoid an import cycle). */
const KZ = Math.fround(1e-35);
/** Rows per kernel call: large enough to amortise each node's setup, small enough to stay in cache. */
const CHUNK_ROWS = 2048;
/** Upper bound on the column block of one chunk; models with many columns get smaller chunks. */
const MAX_COLUMN_BLOCK_BYTES = 8 << 20;

/** Replacement rule of a column: NaN → 0 | −∞ | +∞, or (missing type Zero) NaN and ±0-ish → −∞ | +∞. */
const enum Fill { NanZero, NanLeft, NanRight, ZeroLeft, ZeroRight }

function fillOf(decisionType: number): Fill {
  const missing = (decisionType >> 2) & 3;
  const left = (decisionType & 2) !== 0;
  if (missing === 2) return left ? Fill.NanLeft : Fill.NanRight;
  if (missing === 1) return left ? Fill.ZeroLeft : Fill.ZeroRight;
  return Fill.NanZero; // None (and the undefined type 3, which the row walk also treats as None)
}

/** Whether every split is numerical with a finite threshold on a valid feature index. */
export function wasmScorerSupports(trees: readonly GbdtTree[]): boolean {
  return trees.every((t) => {
    for (let i = 0; i < t.numLeaves - 1; i++) {
      if ((t.decisionType[i]! & 1) !== 0 || !Number.isFinite(t.threshold[i]!)) return false;
      if (!Number.isInteger(t.splitFeature[i]) || t.splitFeature[i]! < 0) return false;
    }
    return true;
  });
}

interface Columns {
  /** Source feature of each column. */
  readonly feature: number[];
  readonly fill: Fill[];
  /** Column of a node: index.get(feature * 8 + fill). */
  readonly index: Map<number, number>;
}

function columnsOf(trees: readonly GbdtTree[]): Columns {
  const cols: Columns = { feature: [], fill: [], index: new Map() };
  for (const t of trees) {
    for (let i = 0; i < t.numLeaves - 1; i++) {
      const f = t.splitFeature[i]!;
      const fill = fillOf(t.decisionType[i]!);
      if (cols.index.has(f * 8 + fill)) continue;
      cols.index.set(f * 8 + fill, cols.feature.length);
      cols.feature.push(f);
      cols.fill.push(fill);
    }
  }
  return cols;
}

/** Byte offsets of the model part of the memory (records, single-leaf values, roots, stack). */
interface ModelLayout { nodes: number; leaves: number; roots: number; stack: number; end: number }

function modelLayout(trees: readonly GbdtTree[]): ModelLayout {
  let records = 0;
  let singleLeaves = 0;
  let maxLeaves = 1;
  for (const t of trees) {
    if (t.numLeaves <= 1) singleLeaves++;
    else records += t.numLeaves - 1;
    maxLeaves = Math.max(maxLeaves, t.numLeaves);
  }
  const leaves = records * NODE_BYTES;
  const roots = leaves + singleLeaves * 8;
  const stack = roots + Math.ceil(trees.length / 2) * 8;
  return { nodes: 0, leaves, roots, stack, end: stack + maxLeaves * STACK_ENTRY_BYTES };
}

/** Record order of one tree's internal nodes: breadth first, so sibling internal nodes are adjacent. */
function breadthFirstIds(t: GbdtTree): Int32Array {
  const id = new Int32Array(t.numLeaves - 1).fill(-1);
  const queue = [0];
  id[0] = 0;
  let next = 1;
  for (let h = 0; h < queue.length; h++) {
    for (const c of [t.leftChild[queue[h]!]!, t.rightChild[queue[h]!]!]) {
      if (c < 0) continue;
      id[c] = next++;
      queue.push(c);
    }
  }
  return id;
}

function writeModel(trees: readonly GbdtTree[], cols: Columns, lay: ModelLayout, buffer: ArrayBuffer): void {
  const dv = new DataView(buffer);
  let record = 0;
  let single = 0;
  trees.forEach((t, ti) => {
    if (t.numLeaves <= 1) {
      dv.setInt32(lay.roots + ti * 4, ~single, true);
      dv.setFloat64(lay.leaves + single++ * 8, t.leafValue[0]!, true);
      return;
    }
    const id = breadthFirstIds(t);
    dv.setInt32(lay.roots + ti * 4, record, true);
    for (let i = 0; i < t.numLeaves - 1; i++) {
      if (id[i]! < 0) continue; // unreachable node
      const at = lay.nodes + (record + id[i]!) * NODE_BYTES;
      const l = t.leftChild[i]!;
      const r = t.rightChild[i]!;
      const column = cols.index.get(t.splitFeature[i]! * 8 + fillOf(t.decisionType[i]!))!;
      dv.setFloat64(at, t.threshold[i]!, true);
      dv.setFloat64(at + 8, l < 0 ? t.leafValue[~l]! : -0, true);
      dv.setFloat64(at + 16, r < 0 ? t.leafValue[~r]! : -0, true);
      dv.setInt32(at + 24, (column << 2) | (l < 0 ? 1 : 0) | (r < 0 ? 2 : 0), true);
      dv.setInt32(at + 28, l >= 0 ? record + id[l]! : r >= 0 ? record + id[r]! : 0, true);
    }
    record += t.numLeaves - 1;
  });
}

/** Byte offsets of one chunk's buffers for up to `capacity` rows. */
interface ChunkLayout { capacity: number; columns: number; out: number; rows: number; bufA: number; bufB: number; end: number }

function chunkLayout(base: number, numColumns: number, capacity: number): ChunkLayout {
  const columns = base;
  const out = columns + numColumns * capacity * 8;
  const rows = out + capacity * 8;
  const bufA = rows + capacity * 4;
  const bufB = bufA + capacity * 4;
  return { capacity, columns, out, rows, bufA, bufB, end: bufB + capacity * 4 };
}

/** Copies rows column-major into `dst` from index `at`, replacing missing values per column. */
function fillColumns(cols: Columns, x: ArrayLike<number>, first: number, n: number, stride: number, dst: Float64Array, at: number): void {
  for (let c = 0; c < cols.feature.length; c++) {
    const fill = cols.fill[c]!;
    const base = at + c * n;
    let o = first * stride + cols.feature[c]!;
    if (fill === Fill.NanZero || fill === Fill.NanLeft || fill === Fill.NanRight) {
      const nan = fill === Fill.NanZero ? 0 : fill === Fill.NanLeft ? -Infinity : Infinity;
      for (let i = 0; i < n; i++, o += stride) {
        const v = x[o]!;
        dst[base + i] = v === v ? v : nan;
      }
    } else {
      const zero = fill === Fill.ZeroLeft ? -Infinity : Infinity;
      for (let i = 0; i < n; i++, o += stride) {
        const v = x[o]!;
        dst[base + i] = v === v && (v <= -KZ || v > KZ) ? v : zero;
      }
    }
  }
}

/** The WebAssembly batch scorer of an ensemble, or null when unsupported (wasmScorerSupports) or no WebAssembly. */
export function createWasmScorer(trees: readonly GbdtTree[], opts: WasmScorerOptions = {}): BatchScorer | null {
  if (!wasmScorerSupports(trees)) return null;
  const cols = columnsOf(trees);
  const lay = modelLayout(trees);
  const created = createScoreKernel(lay.end);
  if (created === null) return null;
  writeModel(trees, cols, lay, created.memory.buffer);
  const maxChunk = Math.max(64, Math.floor(MAX_COLUMN_BLOCK_BYTES / (8 * Math.max(1, cols.feature.length))));
  return chunkedScorer(created.kernel, created.memory, trees.length, cols, lay, Math.min(opts.chunkRows ?? CHUNK_ROWS, maxChunk));
}

function chunkedScorer(
  kernel: ScoreKernel, memory: KernelMemory, numTrees: number, cols: Columns, lay: ModelLayout, chunkRows: number,
): BatchScorer {
  let chunk = chunkLayout(lay.end, cols.feature.length, 0);
  let f64 = new Float64Array(memory.buffer);
  const reserve = (rows: number): void => {
    if (rows > chunk.capacity) {
      chunk = chunkLayout(lay.end, cols.feature.length, rows);
      if (chunk.end > memory.buffer.byteLength) memory.grow(Math.ceil((chunk.end - memory.buffer.byteLength) / WASM_PAGE_BYTES));
      const i32 = new Int32Array(memory.buffer, chunk.rows, rows);
      for (let i = 0; i < rows; i++) i32[i] = i * 8;
    }
    if (f64.buffer !== memory.buffer) f64 = new Float64Array(memory.buffer);
  };
  return (x, numRows, stride, out) => {
    for (let first = 0; first < numRows; first += chunkRows) {
      const n = Math.min(chunkRows, numRows - first);
      reserve(n);
      fillColumns(cols, x, first, n, stride, f64, chunk.columns / 8);
      f64.fill(0, chunk.out / 8, chunk.out / 8 + n);
      kernel(lay.roots, numTrees, lay.nodes, lay.leaves, chunk.columns, n * 8, chunk.rows, chunk.bufA, chunk.bufB, lay.stack, chunk.out, n * 4);
      out.set(f64.subarray(chunk.out / 8, chunk.out / 8 + n), first);
    }
  };
}
