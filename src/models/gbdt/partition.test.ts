import { describe, expect, it } from 'vitest';
import { createRng } from '../../util/rng.ts';
import { createHistogramBuilder, PARALLEL_MIN_PARTITION_ROWS } from './histogram-pool.ts';
import type { BinTest, RowArrays } from './partition.ts';
import { copyBack, halfJobs, partitionRows, partitionWhole } from './partition.ts';
import { allocFloat64, allocRowArrays, allocUint8 } from './shared-arrays.ts';

const N = 1000;

/** Random bins for 2 features (bin 9 of feature 1 = missing), rows permuted, gradient = row, hessian = −row. */
function fixture(seed: number): { bins: Uint8Array; a: RowArrays } {
  const rng = createRng(seed);
  const bins = Uint8Array.from({ length: 2 * N }, () => rng.int(10));
  const a = allocRowArrays(N, false);
  for (let i = 0; i < N; i++) {
    const r = (7 * i) % N; // a permutation of the rows, not ascending
    a.rows[i] = r;
    a.grad[i] = r;
    a.hess[i] = -r;
  }
  return { bins, a };
}

function goesLeft(bins: Uint8Array, test: BinTest, r: number, numRows = N): boolean {
  const bin = bins[test.feature * numRows + r]!;
  return bin === test.missingBin ? test.defaultLeft : bin <= test.thresholdBin;
}

/** The reference: left rows then right rows, each in their order. */
function expected(bins: Uint8Array, test: BinTest, rows: readonly number[]): number[] {
  return [...rows.filter((r) => goesLeft(bins, test, r)), ...rows.filter((r) => !goesLeft(bins, test, r))];
}

const tests: BinTest[] = [
  { feature: 0, thresholdBin: 4, missingBin: -1, defaultLeft: true },
  { feature: 1, thresholdBin: 2, missingBin: 9, defaultLeft: true },
  { feature: 1, thresholdBin: 2, missingBin: 9, defaultLeft: false },
  { feature: 0, thresholdBin: 9, missingBin: -1, defaultLeft: true }, // everything left
  { feature: 0, thresholdBin: -1, missingBin: -1, defaultLeft: true }, // everything right
];

describe('partition', () => {
  it('whole and two-half partitions both equal a stable single pass, gradients moved along', () => {
    for (const [seed, test] of [1, 2, 3].flatMap((sd) => tests.map((t) => [sd, t] as const))) {
      for (const [begin, end] of [[0, N], [17, 530], [400, 401], [3, 4], [10, 10]] as const) {
        const { bins, a: before } = fixture(seed);
        const rows = Array.from(before.rows.subarray(begin, end));
        const want = expected(bins, test, rows);
        const numLeft = rows.filter((r) => goesLeft(bins, test, r)).length;
        const whole = fixture(seed);
        expect(partitionWhole(whole.bins, N, test, whole.a, begin, end, numLeft)).toBe(numLeft);
        const halves = fixture(seed);
        const mid = begin + ((end - begin) >> 1);
        const [first, second] = halfJobs(N, begin, mid, end, numLeft);
        const leftA = partitionRows(halves.bins, N, test, halves.a, first);
        const leftB = partitionRows(halves.bins, N, test, halves.a, second);
        copyBack(halves.a, N, begin, numLeft, leftB, mid - begin - leftA);
        expect(leftA + leftB).toBe(numLeft);
        for (const { a } of [whole, halves]) {
          expect(Array.from(a.rows.subarray(begin, end))).toEqual(want);
          expect(Array.from(a.grad.subarray(begin, end))).toEqual(want);
          expect(Array.from(a.hess.subarray(begin, end))).toEqual(want.map((r) => -r));
          expect(Array.from(a.rows.subarray(0, begin))).toEqual(Array.from(before.rows.subarray(0, begin)));
          expect(Array.from(a.rows.subarray(end, N))).toEqual(Array.from(before.rows.subarray(end, N)));
        }
      }
    }
  });

  it('partitions on two threads (worker walking the second half) exactly as on one', () => {
    const n = PARALLEL_MIN_PARTITION_ROWS + 1001;
    const rng = createRng(5);
    const bins = new Uint8Array(new SharedArrayBuffer(2 * n));
    for (let i = 0; i < 2 * n; i++) bins[i] = rng.int(10);
    const make = (threads: 1 | 2) => {
      const b = { ...allocRowArrays(n, true), bins, numRows: n, hist: allocFloat64(3, true), offsets: Int32Array.from([0, 3, 3]), used: allocUint8(2, true) };
      for (let i = 0; i < n; i++) b.rows[i] = 3 * i % n; // a permutation (3 ∤ n), not ascending
      b.grad.set(b.rows.subarray(0, n));
      return { b, builder: createHistogramBuilder(b, threads) };
    };
    const one = make(1);
    const two = make(2);
    try {
      const test: BinTest = { feature: 1, thresholdBin: 4, missingBin: 9, defaultLeft: false };
      let numLeft = 0;
      for (let r = 0; r < n; r++) if (goesLeft(bins, test, r, n)) numLeft++;
      expect(one.builder.partition(0, n, test, numLeft)).toBe(numLeft);
      expect(two.builder.partition(0, n, test, numLeft)).toBe(numLeft);
      expect(two.builder.threads).toBe(2);
      expect(Array.from(two.b.rows.subarray(0, n))).toEqual(Array.from(one.b.rows.subarray(0, n)));
      expect(Array.from(two.b.grad.subarray(0, n))).toEqual(Array.from(one.b.rows.subarray(0, n)));
    } finally {
      one.builder.close();
      two.builder.close();
    }
  });
});
