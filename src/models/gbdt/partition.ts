/**
 * @module models/gbdt/partition
 * Stable partition of a leaf's rows by a split, moving each row's gradient and hessian along so a
 * child's gradients are contiguous and in row order (no gather before its histogram). Row arrays are
 * 2 × numRows long: [0, numRows) holds the rows, [numRows, 2 × numRows) is scratch. The left child's
 * length is known beforehand (histogram counts are exact), so every row's final position is known:
 * a range can be cut in two halves partitioned on two threads at once, the first walking forward
 * (left rows in place, right rows to scratch), the second backward (right rows in place, left rows to
 * scratch). The two scratch blocks meet, and one copy back finishes the partition.
 * The walks are self-contained on purpose: histogram-pool.ts ships their source to a worker thread.
 */

/**
 * Row indices with their gradients and hessians at the same positions; each array is 2 × numRows
 * long, the second half being partition scratch.
 */
export interface RowArrays {
  readonly rows: Int32Array;
  readonly grad: Float32Array;
  readonly hess: Float32Array;
}

/** A split in bin space: rows with bin <= thresholdBin go left, the missing bin follows defaultLeft. */
export interface BinTest {
  readonly feature: number;
  readonly thresholdBin: number;
  /** Bin of missing values, -1 when the feature has none. */
  readonly missingBin: number;
  readonly defaultLeft: boolean;
}

/** One walk over part of a range (see {@link partitionRows}); positions index the 2 × numRows arrays. */
export interface PartitionJob {
  readonly from: number;
  /** Exclusive end of the walk. */
  readonly to: number;
  readonly step: 1 | -1;
  /** Position of the first left / right row met; later ones follow at +step. */
  readonly leftAt: number;
  readonly rightAt: number;
}

/**
 * Runs a partition job: walks positions job.from, job.from + step, … (excluding job.to) and writes
 * each row with its gradient and hessian to the next left position when it goes left by `test` (bins
 * feature-major, `numRows` per feature), else to the next right position. Writes in the walked range
 * never overtake the walk (left rows of a forward walk, right rows of a backward one); the other side
 * goes to scratch. Returns the number of left rows.
 */
export function partitionRows(bins: Uint8Array, numRows: number, test: BinTest, a: RowArrays, job: PartitionJob): number {
  if (job.step === 1) return partitionForward(bins, numRows, test, a, job.from, job.to, job.leftAt, job.rightAt);
  return partitionBackward(bins, numRows, test, a, job.from, job.to, job.leftAt, job.rightAt);
}

// The two walks below differ only in direction. A constant step keeps the loop ~25% faster than one
// loop with a variable step. The position is chosen branch-free (balanced splits are unpredictable:
// ~5 ms per million rows where a branch took 6–14 ms), and each row is written once, so two threads
// never write the same cache line over and over (writing both sides and moving one cursor did: 10×
// slower). Both must not reference anything outside their parameters: histogram-pool.ts ships them.

/** Forward walk of {@link partitionRows}: left rows in place, right rows to scratch. */
export function partitionForward(
  bins: Uint8Array, numRows: number, test: BinTest, a: RowArrays, from: number, to: number, leftAt: number, rightAt: number,
): number {
  const { rows, grad, hess } = a;
  const base = test.feature * numRows;
  const t = test.thresholdBin;
  const missing = test.missingBin;
  const missingLeft = test.defaultLeft ? 1 : 0;
  let nl = leftAt;
  let nr = rightAt;
  for (let i = from; i < to; i++) {
    const r = rows[i]!;
    const bin = bins[base + r]!;
    const goLeft = bin === missing ? missingLeft : +(bin <= t);
    const at = nr + (nl - nr) * goLeft;
    rows[at] = r;
    grad[at] = grad[i]!;
    hess[at] = hess[i]!;
    nl += goLeft;
    nr += 1 - goLeft;
  }
  return nl - leftAt;
}

/** Backward walk of {@link partitionRows}: right rows in place, left rows to scratch. */
export function partitionBackward(
  bins: Uint8Array, numRows: number, test: BinTest, a: RowArrays, from: number, to: number, leftAt: number, rightAt: number,
): number {
  const { rows, grad, hess } = a;
  const base = test.feature * numRows;
  const t = test.thresholdBin;
  const missing = test.missingBin;
  const missingLeft = test.defaultLeft ? 1 : 0;
  let nl = leftAt;
  let nr = rightAt;
  for (let i = from; i > to; i--) {
    const r = rows[i]!;
    const bin = bins[base + r]!;
    const goLeft = bin === missing ? missingLeft : +(bin <= t);
    const at = nr + (nl - nr) * goLeft;
    rows[at] = r;
    grad[at] = grad[i]!;
    hess[at] = hess[i]!;
    nl -= goLeft;
    nr -= 1 - goLeft;
  }
  return leftAt - nl;
}

/**
 * The halves of a partition of [begin, end) with `numLeft` left rows: [begin, mid) walked forward
 * from the start of each child (right rows to scratch), [mid, end) walked backward from the end of
 * each child (left rows to scratch). Run alone, the first job with mid = end is a whole partition.
 */
export function halfJobs(numRows: number, begin: number, mid: number, end: number, numLeft: number): readonly [PartitionJob, PartitionJob] {
  const split = begin + numLeft;
  return [
    { from: begin, to: mid, step: 1, leftAt: begin, rightAt: numRows + split },
    { from: end - 1, to: mid - 1, step: -1, leftAt: numRows + split - 1, rightAt: end - 1 },
  ];
}

/**
 * Copies the scratch block back after the halves ran: the second half's `leftB` left rows (ending at
 * begin + numLeft) and the first half's `rightA` right rows (starting there).
 */
export function copyBack(a: RowArrays, numRows: number, begin: number, numLeft: number, leftB: number, rightA: number): void {
  const from = begin + numLeft - leftB;
  const to = begin + numLeft + rightA;
  if (to <= from) return;
  a.rows.copyWithin(from, numRows + from, numRows + to);
  a.grad.copyWithin(from, numRows + from, numRows + to);
  a.hess.copyWithin(from, numRows + from, numRows + to);
}

/** Single-threaded stable partition of [begin, end) with `numLeft` left rows; returns the left rows found. */
export function partitionWhole(bins: Uint8Array, numRows: number, test: BinTest, a: RowArrays, begin: number, end: number, numLeft: number): number {
  const [whole] = halfJobs(numRows, begin, end, end, numLeft);
  const found = partitionRows(bins, numRows, test, a, whole);
  copyBack(a, numRows, begin, numLeft, 0, end - begin - numLeft);
  return found;
}
