/**
 * @module models/gbdt/booster
 * One boosting iteration: gradients of the current scores, the bag and feature sample of this tree
 * (seeded streams), the tree itself, shrinkage, the score update (in-bag rows through the leaf
 * partition, out-of-bag rows through the tree in bin space) and LightGBM's init-score bias on tree 0.
 */
import { createRng, deriveSeed } from '../../util/rng.ts';
import type { Rng } from '../../util/rng.ts';
import type { BinnedData } from './binning.ts';
import type { GbdtDataset } from './dataset.ts';
import type { GbdtTree } from './model.ts';
import type { Objective } from './objectives/index.ts';
import type { GbdtParams } from './params.ts';
import type { TreeArrays } from './tree-arrays.ts';
import type { LearnerState } from './tree-learner.ts';
import { growTree } from './tree-learner.ts';

/** In-bag rows (ascending) for this iteration; all rows without bagging. */
function drawBag(p: GbdtParams, rng: Rng, inBag: Uint8Array, bag: Int32Array): number {
  const n = inBag.length;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const keep = rng.next() < p.baggingFraction;
    inBag[i] = keep ? 1 : 0;
    if (keep) bag[m++] = i;
  }
  if (m > 0) return m;
  inBag.fill(1);
  for (let i = 0; i < n; i++) bag[i] = i;
  return n;
}

/** Marks round(fraction × usable) usable features (at least one), drawn without replacement. */
function drawFeatures(p: GbdtParams, rng: Rng, binned: BinnedData, used: Uint8Array): void {
  const usable = binned.features.flatMap((fb, f) => (fb.usable ? [f] : []));
  used.fill(0);
  const k = Math.min(usable.length, p.featureFraction >= 1 ? usable.length : Math.max(1, Math.round(usable.length * p.featureFraction)));
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(usable.length - i);
    const f = usable[j]!;
    usable[j] = usable[i]!;
    usable[i] = f;
    used[f] = 1;
  }
}

/** Boosting state carried from tree to tree. */
export class Booster {
  private readonly scores: Float64Array;
  private readonly grad: Float32Array;
  private readonly hess: Float32Array;
  private readonly inBag: Uint8Array;
  private readonly bag: Int32Array;
  private bagSize: number;
  private readonly bagRng: Rng;
  private readonly featureRng: Rng;
  private readonly init: number;

  constructor(train: GbdtDataset, private readonly p: GbdtParams, private readonly s: LearnerState, private readonly objective: Objective) {
    const n = train.numRows;
    // As LightGBM: rows with their own init scores do not also boost from the average.
    this.init = train.initScores === undefined ? objective.initScore() : 0;
    this.scores = new Float64Array(n).fill(this.init);
    if (train.initScores !== undefined) for (let i = 0; i < n; i++) this.scores[i]! += train.initScores[i]!;
    this.grad = new Float32Array(n);
    this.hess = new Float32Array(n);
    this.inBag = new Uint8Array(n).fill(1);
    this.bag = Int32Array.from({ length: n }, (_, i) => i);
    this.bagSize = n;
    this.bagRng = createRng(deriveSeed(p.seed, 'gbdt-bagging'));
    this.featureRng = createRng(deriveSeed(p.seed, 'gbdt-feature-fraction'));
  }

  /** Trains tree `it` (0-based); null when no split is possible after the first tree (LightGBM stops there). */
  next(it: number): GbdtTree | null {
    const { p, s } = this;
    this.objective.gradients(this.scores, this.grad, this.hess);
    if (p.baggingFreq > 0 && p.baggingFraction < 1 && it % p.baggingFreq === 0) {
      this.bagSize = drawBag(p, this.bagRng, this.inBag, this.bag);
    }
    drawFeatures(p, this.featureRng, s.binned, s.buffers.used);
    s.buffers.rows.set(this.bag.subarray(0, this.bagSize));
    const grown = growTree(s, this.grad, this.hess, this.bagSize, this.objective.constantHessian);
    const t = grown.tree;
    if (t.numLeaves === 1) {
      if (it > 0) return null;
      t.leafValue[0] = 0; // LightGBM: a first tree without splits only carries the init score
    }
    t.shrink(p.learningRate);
    updateTrainScores(s, t, grown.leafBegin, grown.leafCount, this.inBag, this.bagSize, this.scores);
    if (it > 0) return t.toTree(p.learningRate);
    t.addBias(this.init);
    return t.toTree(1);
  }
}

function updateTrainScores(
  s: LearnerState, t: TreeArrays, leafBegin: Int32Array, leafCount: Int32Array,
  inBag: Uint8Array, bagSize: number, scores: Float64Array,
): void {
  const rows = s.buffers.rows;
  for (let l = 0; l < t.numLeaves; l++) {
    const v = t.leafValue[l]!;
    const end = leafBegin[l]! + leafCount[l]!;
    for (let i = leafBegin[l]!; i < end; i++) scores[rows[i]!]! += v;
  }
  if (bagSize === scores.length) return;
  for (let r = 0; r < scores.length; r++) {
    if (inBag[r] === 0) scores[r]! += t.leafValue[t.binnedLeaf(s.binned, r)]!;
  }
}

