/**
 * @module models/gbdt/wasm-scorer-kernel
 * The WebAssembly kernel behind wasm-scorer.ts: for each tree, the batch's row list is split
 * node by node (as training splits a leaf's rows), so each row visits only the nodes on its path and
 * the per-row work has no data-dependent branch. The kernel is fixed code; a model reaches it only as
 * data in linear memory, in the layout below (addresses are byte offsets, values little-endian).
 *
 * - Node record, 32 bytes: f64 threshold @0; f64 added to a row that goes left @8 and right @16 (the
 *   leaf value when that child is a leaf, else −0); i32 `column << 2 | kind` @24 (kind bit 0: left
 *   child is a leaf, bit 1: right child is a leaf); i32 first internal child @28 (when both children are
 *   internal they are consecutive records, left first).
 * - roots: i32 per tree, the root's record index, or ~k for a single-leaf tree whose value is leaves[k].
 * - columns: f64 column-major block, `columnBytes` per column, one value per row; a row goes right when
 *   value > threshold (missing values were already replaced, see wasm-scorer.ts).
 * - Row lists hold row × 8 (a byte offset into a column or into `out`); `rows` is the identity list,
 *   `bufA` and `bufB` receive the partitions of alternate depths, `stack` holds pending right children.
 * - out: f64 per row, from +0; each tree's leaf value is added in tree order. Rows passing a node on
 *   the way to an internal child add −0, the exact additive identity (x + −0 = x for every x, −0
 *   included), so every sum equals the row-by-row walk's bit for bit.
 */
import { encodeModule, F64, FunctionBody, I32, Op } from './wasm-encoder.ts';

/** Bytes per node record: 1 << NODE_SHIFT. */
const NODE_SHIFT = 5;
export const NODE_BYTES = 1 << NODE_SHIFT;
/** Bytes per pending-child stack entry (node, lo, hi, list). */
export const STACK_ENTRY_BYTES = 16;
/** WebAssembly memory grows in pages of 64 KiB. */
export const WASM_PAGE_BYTES = 65536;

/** Kernel parameters, in call order (all i32). */
const enum P { Roots, NumTrees, Nodes, Leaves, Columns, ColumnBytes, Rows, BufA, BufB, Stack, Out, ListBytes }
/** Locals after the 12 parameters: i32s up to Threshold, then two f64s. */
const enum L { Tree = 12, Sp, Node, Lo, Hi, Src, Dst, P, End, W, Wr, R, G, Column, Rec, Kind, Child, Threshold, Value }

/** `score(roots, numTrees, nodes, leaves, columns, columnBytes, rows, bufA, bufB, stack, out, listBytes)`. */
export type ScoreKernel = (...params: number[]) => void;

/** out[r] += leaves[~Node] for every row. */
function singleLeafTree(c: FunctionBody): void {
  c.get(P.Leaves).get(L.Node).i32(-1).op(Op.i32Xor).i32(3).op(Op.i32Shl).op(Op.i32Add).mem(Op.f64Load, 3).set(L.Value);
  c.get(P.Out).set(L.P).get(P.Out).get(P.ColumnBytes).op(Op.i32Add).set(L.End);
  c.loop('rows');
  c.get(L.P).get(L.P).mem(Op.f64Load, 3).get(L.Value).op(Op.f64Add).mem(Op.f64Store, 3);
  c.get(L.P).i32(8).op(Op.i32Add).tee(L.P).get(L.End).op(Op.i32LtU).brIf('rows');
  c.end();
}

/** R = the next row of the source list; G = 1 when it goes right. */
function loadRow(c: FunctionBody): void {
  c.get(L.P).mem(Op.i32Load, 2).set(L.R);
  c.get(L.Column).get(L.R).op(Op.i32Add).mem(Op.f64Load, 3).get(L.Threshold).op(Op.f64Gt).set(L.G);
}

/** out[R] += the record's value for side G (−0 toward an internal child). */
function addLeaf(c: FunctionBody): void {
  c.get(P.Out).get(L.R).op(Op.i32Add).tee(L.R).get(L.R).mem(Op.f64Load, 3);
  c.get(L.Rec).get(L.G).i32(3).op(Op.i32Shl).op(Op.i32Add).mem(Op.f64Load, 3, 8);
  c.op(Op.f64Add).mem(Op.f64Store, 3);
}

function nextRow(c: FunctionBody, label: string): void {
  c.get(L.P).i32(4).op(Op.i32Add).tee(L.P).get(L.End).op(Op.i32LtU).brIf(label);
}

/** Both children internal: left rows fill Dst upwards from lo, right rows downwards from hi. */
function splitBoth(c: FunctionBody): void {
  c.get(L.Dst).get(L.Lo).op(Op.i32Add).set(L.W).get(L.Dst).get(L.Hi).op(Op.i32Add).i32(4).op(Op.i32Sub).set(L.Wr);
  c.loop('split');
  loadRow(c);
  c.get(L.W).get(L.R).mem(Op.i32Store, 2).get(L.Wr).get(L.R).mem(Op.i32Store, 2);
  c.get(L.G).i32(2).op(Op.i32Shl).set(L.G);
  c.get(L.W).i32(4).op(Op.i32Add).get(L.G).op(Op.i32Sub).set(L.W).get(L.Wr).get(L.G).op(Op.i32Sub).set(L.Wr);
  nextRow(c, 'split');
  c.end();
  // W − Dst is the end of the left part. Continue left (pushing right when it has rows) or right.
  c.get(L.Dst).set(L.Src).get(L.W).get(L.Dst).op(Op.i32Sub).set(L.W);
  c.get(L.Lo).get(L.W).op(Op.i32LtU).if();
  c.get(L.W).get(L.Hi).op(Op.i32LtU).if();
  c.get(P.Stack).get(L.Sp).op(Op.i32Add).tee(L.R).get(L.Child).i32(1).op(Op.i32Add).mem(Op.i32Store, 2);
  c.get(L.R).get(L.W).mem(Op.i32Store, 2, 4).get(L.R).get(L.Hi).mem(Op.i32Store, 2, 8).get(L.R).get(L.Dst).mem(Op.i32Store, 2, 12);
  c.get(L.Sp).i32(STACK_ENTRY_BYTES).op(Op.i32Add).set(L.Sp);
  c.end();
  c.get(L.Child).set(L.Node).get(L.W).set(L.Hi).br('node');
  c.end();
  c.get(L.Child).i32(1).op(Op.i32Add).set(L.Node).br('node');
}

/** One child a leaf: its rows get the leaf value, the others are compacted into Dst for the internal child. */
function splitOneLeaf(c: FunctionBody): void {
  c.get(L.Dst).get(L.Lo).op(Op.i32Add).set(L.W);
  c.get(L.Kind).i32(1).op(Op.i32Eq).if();
  c.loop('leftLeaf');
  loadRow(c);
  c.get(L.W).get(L.R).mem(Op.i32Store, 2).get(L.W).get(L.G).i32(2).op(Op.i32Shl).op(Op.i32Add).set(L.W);
  addLeaf(c);
  nextRow(c, 'leftLeaf');
  c.end();
  c.else();
  c.loop('rightLeaf');
  loadRow(c);
  c.get(L.W).get(L.R).mem(Op.i32Store, 2).get(L.W).i32(4).op(Op.i32Add).get(L.G).i32(2).op(Op.i32Shl).op(Op.i32Sub).set(L.W);
  addLeaf(c);
  nextRow(c, 'rightLeaf');
  c.end();
  c.end();
  c.get(L.W).get(L.Dst).op(Op.i32Sub).set(L.Hi).get(L.Dst).set(L.Src).get(L.Child).set(L.Node);
  c.get(L.Lo).get(L.Hi).op(Op.i32LtU).brIf('node');
}

/** Both children leaves: add one of the two values to every row. */
function bothLeaves(c: FunctionBody): void {
  c.loop('leaves');
  loadRow(c);
  addLeaf(c);
  nextRow(c, 'leaves');
  c.end();
}

/** Visits (Node, Lo, Hi, Src) — a non-empty row range of list Src — and the subtree below it. */
function visitTree(c: FunctionBody): void {
  c.i32(0).set(L.Lo).get(P.ListBytes).set(L.Hi).get(P.Rows).set(L.Src).i32(0).set(L.Sp);
  c.block('treeDone').loop('node');
  c.get(P.Nodes).get(L.Node).i32(NODE_SHIFT).op(Op.i32Shl).op(Op.i32Add).tee(L.Rec).mem(Op.f64Load, 3).set(L.Threshold);
  c.get(L.Rec).mem(Op.i32Load, 2, 24).tee(L.Kind).i32(2).op(Op.i32ShrU).get(P.ColumnBytes).op(Op.i32Mul).get(P.Columns).op(Op.i32Add).set(L.Column);
  c.get(L.Kind).i32(3).op(Op.i32And).set(L.Kind).get(L.Rec).mem(Op.i32Load, 2, 28).set(L.Child);
  // The destination list is the one of bufA / bufB that is not the source (the root reads `rows`).
  c.get(P.BufB).get(P.BufA).get(L.Src).get(P.BufA).op(Op.i32Eq).op(Op.select).set(L.Dst);
  c.get(L.Src).get(L.Lo).op(Op.i32Add).set(L.P).get(L.Src).get(L.Hi).op(Op.i32Add).set(L.End);
  c.block('pop').block('bothLeaves').block('oneLeaf').block('noLeaf');
  c.get(L.Kind).brTable(['noLeaf', 'oneLeaf', 'oneLeaf', 'bothLeaves']);
  c.end();
  splitBoth(c);
  c.end();
  splitOneLeaf(c);
  c.br('pop');
  c.end();
  bothLeaves(c);
  c.end();
  // Pop the next pending right child, if any.
  c.get(L.Sp).op(Op.i32Eqz).brIf('treeDone');
  c.get(L.Sp).i32(STACK_ENTRY_BYTES).op(Op.i32Sub).tee(L.Sp).get(P.Stack).op(Op.i32Add).tee(L.R).mem(Op.i32Load, 2).set(L.Node);
  c.get(L.R).mem(Op.i32Load, 2, 4).set(L.Lo).get(L.R).mem(Op.i32Load, 2, 8).set(L.Hi).get(L.R).mem(Op.i32Load, 2, 12).set(L.Src);
  c.br('node');
  c.end().end();
}

function kernelBody(): FunctionBody {
  const c = new FunctionBody();
  c.i32(0).set(L.Tree);
  c.block('done').loop('tree');
  c.get(L.Tree).get(P.NumTrees).op(Op.i32GeU).brIf('done');
  c.get(P.Roots).get(L.Tree).i32(2).op(Op.i32Shl).op(Op.i32Add).mem(Op.i32Load, 2).set(L.Node);
  c.get(L.Tree).i32(1).op(Op.i32Add).set(L.Tree);
  c.get(L.Node).i32(0).op(Op.i32LtS).if();
  singleLeafTree(c);
  c.else();
  visitTree(c);
  c.end();
  c.br('tree');
  c.end().end();
  return c;
}

/** The growable linear memory a kernel instance works on. */
export interface KernelMemory {
  /** Replaced (and the previous one detached) by grow. */
  readonly buffer: ArrayBuffer;
  /** Adds 64 KiB pages. */
  grow(pages: number): number;
}

/** The part of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => KernelMemory;
}

const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | undefined;

/**
 * A kernel instance over a fresh memory of `bytes` (one per model: the memory holds its records), or
 * null where WebAssembly is unavailable (e.g. node --jitless).
 */
export function createScoreKernel(bytes: number): { kernel: ScoreKernel; memory: KernelMemory } | null {
  if (wasmApi === undefined) return null;
  compiled ??= new wasmApi.Module(encodeModule([{
    name: 'score',
    params: new Array<number>(L.Tree).fill(I32),
    results: [],
    locals: [...new Array<number>(L.Threshold - L.Tree).fill(I32), F64, F64],
    body: kernelBody(),
  }]));
  const memory = new wasmApi.Memory({ initial: Math.max(1, Math.ceil(bytes / WASM_PAGE_BYTES)) });
  const instance = new wasmApi.Instance(compiled, { env: { mem: memory } });
  return { kernel: instance.exports['score'] as ScoreKernel, memory };
}
