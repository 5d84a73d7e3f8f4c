/**
 * @module models/gbdt/tree-arrays
 * A tree under construction: LightGBM's Tree::Split bookkeeping (new internal node = numLeaves − 1,
 * left child keeps the leaf index, right child is a new leaf), the bin-space test used to route
 * out-of-bag rows, and conversion to the frozen GbdtTree with shrinkage and bias applied.
 */
import type { BinnedData, FeatureBins } from './binning.ts';
import type { GbdtTree } from './model.ts';
import { DEFAULT_LEFT_MASK, MISSING_NAN, MISSING_NONE, ZERO_THRESHOLD } from './model.ts';
import type { SplitInfo } from './split.ts';

/** LightGBM Common::AvoidInf: thresholds and gains stay finite in the text format. */
export function avoidInf(x: number): number {
  if (Number.isNaN(x)) return 0;
  if (x >= 1e300) return 1e300;
  if (x <= -1e300) return -1e300;
  return x;
}

/** LightGBM MaybeRoundToZero: |x| ≤ kZeroThreshold becomes 0. */
export function roundToZero(x: number): number {
  return x > -ZERO_THRESHOLD && x <= ZERO_THRESHOLD ? 0 : x;
}

/** Mutable arrays of one tree being grown (capacity maxLeaves), plus bin-space split data. */
export class TreeArrays {
  numLeaves = 1;
  readonly splitFeature: Int32Array;
  readonly thresholdBin: Int32Array;
  readonly missingBin: Int32Array;
  readonly threshold: Float64Array;
  readonly decisionType: Uint8Array;
  readonly splitGain: Float64Array;
  readonly leftChild: Int32Array;
  readonly rightChild: Int32Array;
  readonly internalValue: Float64Array;
  readonly internalWeight: Float64Array;
  readonly internalCount: Int32Array;
  readonly leafValue: Float64Array;
  readonly leafWeight: Float64Array;
  readonly leafCount: Int32Array;
  private readonly leafParent: Int32Array;

  constructor(maxLeaves: number) {
    const n = Math.max(1, maxLeaves - 1);
    this.splitFeature = new Int32Array(n);
    this.thresholdBin = new Int32Array(n);
    this.missingBin = new Int32Array(n);
    this.threshold = new Float64Array(n);
    this.decisionType = new Uint8Array(n);
    this.splitGain = new Float64Array(n);
    this.leftChild = new Int32Array(n);
    this.rightChild = new Int32Array(n);
    this.internalValue = new Float64Array(n);
    this.internalWeight = new Float64Array(n);
    this.internalCount = new Int32Array(n);
    this.leafValue = new Float64Array(maxLeaves);
    this.leafWeight = new Float64Array(maxLeaves);
    this.leafCount = new Int32Array(maxLeaves);
    this.leafParent = new Int32Array(maxLeaves).fill(-1);
  }

  setRoot(value: number, weight: number, count: number): void {
    this.leafValue[0] = value;
    this.leafWeight[0] = weight;
    this.leafCount[0] = count;
  }

  /** Splits `leaf`; the left child keeps index `leaf`, the right one is the new leaf numLeaves. */
  split(leaf: number, sp: SplitInfo, fb: FeatureBins, leftValue: number, rightValue: number, leftCount: number): void {
    const node = this.numLeaves - 1;
    const right = this.numLeaves;
    const parent = this.leafParent[leaf]!;
    if (parent >= 0) {
      if (this.leftChild[parent] === ~leaf) this.leftChild[parent] = node;
      else this.rightChild[parent] = node;
    }
    this.splitFeature[node] = sp.feature;
    this.thresholdBin[node] = sp.thresholdBin;
    this.missingBin[node] = fb.hasMissing ? fb.upperBounds.length : -1;
    this.threshold[node] = avoidInf(fb.upperBounds[sp.thresholdBin]!);
    this.decisionType[node] = (sp.defaultLeft ? DEFAULT_LEFT_MASK : 0) | ((fb.hasMissing ? MISSING_NAN : MISSING_NONE) << 2);
    this.splitGain[node] = avoidInf(sp.gain);
    this.leftChild[node] = ~leaf;
    this.rightChild[node] = ~right;
    this.internalValue[node] = this.leafValue[leaf]!;
    this.internalWeight[node] = sp.leftH + sp.rightH;
    this.internalCount[node] = this.leafCount[leaf]!;
    this.leafParent[leaf] = node;
    this.leafParent[right] = node;
    this.leafValue[leaf] = leftValue;
    this.leafWeight[leaf] = sp.leftH;
    this.leafCount[leaf] = leftCount;
    this.leafValue[right] = rightValue;
    this.leafWeight[right] = sp.rightH;
    this.leafCount[right] = this.internalCount[node] - leftCount;
    this.numLeaves++;
  }

  /** Leaf of training row `row` found in bin space (used for out-of-bag rows). */
  binnedLeaf(binned: BinnedData, row: number): number {
    if (this.numLeaves <= 1) return 0;
    let node = 0;
    while (node >= 0) {
      const bin = binned.bins[this.splitFeature[node]! * binned.numRows + row]!;
      const left = bin === this.missingBin[node] ? (this.decisionType[node]! & DEFAULT_LEFT_MASK) !== 0 : bin <= this.thresholdBin[node]!;
      node = left ? this.leftChild[node]! : this.rightChild[node]!;
    }
    return ~node;
  }

  /** Multiplies outputs by `rate` (LightGBM Tree::Shrinkage). */
  shrink(rate: number): void {
    for (let i = 0; i < this.numLeaves; i++) this.leafValue[i] = roundToZero(this.leafValue[i]! * rate);
    for (let i = 0; i < this.numLeaves - 1; i++) this.internalValue[i] = roundToZero(this.internalValue[i]! * rate);
  }

  /** Adds the init score to every output (LightGBM Tree::AddBias, which also resets shrinkage to 1). */
  addBias(bias: number): void {
    for (let i = 0; i < this.numLeaves; i++) this.leafValue[i] = roundToZero(this.leafValue[i]! + bias);
    for (let i = 0; i < this.numLeaves - 1; i++) this.internalValue[i] = roundToZero(this.internalValue[i]! + bias);
  }

  /** Frozen copy trimmed to numLeaves. */
  toTree(shrinkage: number): GbdtTree {
    const n = this.numLeaves;
    const m = n - 1;
    return {
      numLeaves: n,
      splitFeature: this.splitFeature.slice(0, m),
      splitGain: this.splitGain.slice(0, m),
      threshold: this.threshold.slice(0, m),
      decisionType: this.decisionType.slice(0, m),
      leftChild: this.leftChild.slice(0, m),
      rightChild: this.rightChild.slice(0, m),
      leafValue: this.leafValue.slice(0, n),
      leafWeight: this.leafWeight.slice(0, n),
      leafCount: this.leafCount.slice(0, n),
      internalValue: this.internalValue.slice(0, m),
      internalWeight: this.internalWeight.slice(0, m),
      internalCount: this.internalCount.slice(0, m),
      shrinkage,
    };
  }
}
