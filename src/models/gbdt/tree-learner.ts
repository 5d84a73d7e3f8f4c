/**
 * @module models/gbdt/tree-learner
 * Grows one tree leaf-wise (best-first): rows of each leaf are a contiguous, ordered segment of a
 * partition array, their gradients at the same positions (partition.ts moves them along); only the
 * smaller child's histogram is built, the larger one is parent − smaller.
 * Node numbering follows LightGBM's Tree::Split so written models look like LightGBM's.
 */
import type { BinnedData } from './binning.ts';
import type { HistogramBuffers, HistogramLayout } from './histogram.ts';
import { subtractHistogram } from './histogram.ts';
import type { HistogramBuilder } from './histogram-pool.ts';
import type { GbdtParams } from './params.ts';
import type { SplitInfo } from './split.ts';
import { emptySplit, findBestSplit, leafOutput } from './split.ts';
import { TreeArrays } from './tree-arrays.ts';

/** Everything the learner reuses from tree to tree. */
export interface LearnerState {
  readonly binned: BinnedData;
  readonly layout: HistogramLayout;
  readonly params: GbdtParams;
  /** rows[0, bagSize) must hold the in-bag rows in ascending order before each tree. */
  readonly buffers: HistogramBuffers;
  readonly builder: HistogramBuilder;
}

/** A grown tree (unshrunk outputs) plus where each leaf's rows are in `buffers.rows`. */
export interface GrownTree {
  readonly tree: TreeArrays;
  readonly leafBegin: Int32Array;
  readonly leafCount: Int32Array;
}

class Grower {
  private readonly L: number;
  private readonly begin: Int32Array;
  private readonly count: Int32Array;
  private readonly sumG: Float64Array;
  private readonly sumH: Float64Array;
  private readonly depth: Int32Array;
  private readonly slot: Int32Array;
  private readonly best: SplitInfo[];
  readonly tree: TreeArrays;

  constructor(
    private readonly s: LearnerState,
    private readonly grad: Float32Array,
    private readonly hess: Float32Array,
    private readonly constHess: number,
  ) {
    this.L = s.params.numLeaves;
    this.begin = new Int32Array(this.L);
    this.count = new Int32Array(this.L);
    this.sumG = new Float64Array(this.L);
    this.sumH = new Float64Array(this.L);
    this.depth = new Int32Array(this.L);
    this.slot = new Int32Array(this.L);
    this.best = Array.from({ length: this.L }, emptySplit);
    this.tree = new TreeArrays(this.L);
  }

  /** Copies the in-bag rows' gradients next to them (positions [0, n)); returns their sums in row order. */
  private gather(n: number): [number, number] {
    const { rows, grad: og, hess: oh } = this.s.buffers;
    let g = 0;
    let h = 0;
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      const gi = this.grad[r]!;
      const hi = this.hess[r]!;
      og[i] = gi;
      oh[i] = hi;
      g += gi;
      h += hi;
    }
    return [g, h];
  }

  private canSplit(leaf: number): boolean {
    const p = this.s.params;
    return (p.maxDepth < 0 || this.depth[leaf]! < p.maxDepth)
      && this.count[leaf]! >= 2 * p.minDataInLeaf && this.sumH[leaf]! >= 2 * p.minSumHessianInLeaf;
  }

  private evaluate(leaf: number): void {
    const { s } = this;
    const sums = { g: this.sumG[leaf]!, h: this.sumH[leaf]!, c: this.count[leaf]! };
    const base = this.slot[leaf]! * s.layout.size;
    findBestSplit(s.buffers.hist, base, s.layout, s.binned.features, s.buffers.used, sums, s.params, this.best[leaf]!);
  }

  /** Root leaf over rows[0, bagSize). */
  initRoot(bagSize: number): void {
    const [g, h] = this.gather(bagSize);
    this.count[0] = bagSize;
    this.sumG[0] = g;
    this.sumH[0] = h;
    this.tree.setRoot(leafOutput(g, h, this.s.params.lambdaL2), h, bagSize);
    if (!this.canSplit(0) || this.L < 2) return;
    this.s.builder.build(0, bagSize, 0, this.constHess);
    this.evaluate(0);
  }

  /** Leaf with the highest positive gain, or -1. */
  pickLeaf(): number {
    let leaf = -1;
    let gain = 0;
    for (let l = 0; l < this.tree.numLeaves; l++) {
      const b = this.best[l]!;
      if (b.feature >= 0 && b.gain > gain) {
        gain = b.gain;
        leaf = l;
      }
    }
    return leaf;
  }

  /** Stable partition of the leaf's rows (and gradients); returns the number going left. */
  private partition(leaf: number, sp: SplitInfo): number {
    const fb = this.s.binned.features[sp.feature]!;
    const test = { feature: sp.feature, thresholdBin: sp.thresholdBin, missingBin: fb.hasMissing ? fb.upperBounds.length : -1, defaultLeft: sp.defaultLeft };
    const nl = this.s.builder.partition(this.begin[leaf]!, this.count[leaf]!, test, sp.leftC);
    // Histogram counts are exact, so the rows must split exactly as the split's counts say.
    if (nl !== sp.leftC) throw new Error(`gbdt: partition sent ${nl} rows left, the histogram ${sp.leftC}`);
    return nl;
  }

  /** Splits `leaf` by its best split, then prepares the children's histograms and splits. */
  split(leaf: number): void {
    const sp = this.best[leaf]!;
    const l2 = this.s.params.lambdaL2;
    const fb = this.s.binned.features[sp.feature]!;
    const right = this.tree.numLeaves;
    const nl = this.partition(leaf, sp);
    this.tree.split(leaf, sp, fb, leafOutput(sp.leftG, sp.leftH, l2), leafOutput(sp.rightG, sp.rightH, l2), nl);
    this.begin[right] = this.begin[leaf]! + nl;
    this.count[right] = this.count[leaf]! - nl;
    this.count[leaf] = nl;
    this.sumG[leaf] = sp.leftG;
    this.sumH[leaf] = sp.leftH;
    this.sumG[right] = sp.rightG;
    this.sumH[right] = sp.rightH;
    this.depth[leaf]!++;
    this.depth[right] = this.depth[leaf]!;
    this.best[leaf]!.feature = -1;
    this.best[right]!.feature = -1;
    if (this.tree.numLeaves < this.L) this.prepareChildren(leaf, right);
  }

  private prepareChildren(left: number, right: number): void {
    const smaller = this.count[left]! <= this.count[right]! ? left : right;
    const larger = smaller === left ? right : left;
    const splitLarger = this.canSplit(larger);
    const splitSmaller = this.canSplit(smaller);
    if (!splitLarger && !splitSmaller) return;
    const { size } = this.s.layout;
    const parentSlot = this.slot[left]!;
    // Slots in use are exactly the leaf indices 0..numLeaves-1, so slot `right` is free here.
    this.s.builder.build(this.begin[smaller]!, this.count[smaller]!, right * size, this.constHess);
    if (splitLarger) subtractHistogram(this.s.buffers.hist, parentSlot * size, right * size, this.s.layout, this.s.buffers.used);
    this.slot[smaller] = right;
    this.slot[larger] = parentSlot;
    if (splitSmaller) this.evaluate(smaller);
    if (splitLarger) this.evaluate(larger);
  }

  result(): GrownTree {
    const n = this.tree.numLeaves;
    return { tree: this.tree, leafBegin: this.begin.slice(0, n), leafCount: this.count.slice(0, n) };
  }
}

/**
 * Grows one tree on the in-bag rows rows[0, bagSize) with per-row gradients `grad`/`hess`
 * (constHess > 0 when every hessian equals it). Leaf outputs are −G/(H + λ), not yet shrunk.
 */
export function growTree(s: LearnerState, grad: Float32Array, hess: Float32Array, bagSize: number, constHess: number): GrownTree {
  const g = new Grower(s, grad, hess, constHess);
  g.initRoot(bagSize);
  while (g.tree.numLeaves < s.params.numLeaves) {
    const leaf = g.pickLeaf();
    if (leaf < 0) break;
    g.split(leaf);
  }
  return g.result();
}
