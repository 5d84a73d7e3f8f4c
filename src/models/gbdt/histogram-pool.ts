/**
 * @module models/gbdt/histogram-pool
 * Histogram building and row partitioning on one or two threads. The two-thread pool runs the same
 * kernels (histogram.ts, partition.ts, shipped as source) in one worker over SharedArrayBuffers,
 * synchronised with Atomics.wait/notify, so training stays a synchronous call: for a histogram the
 * worker fills the upper half of the used features while the main thread fills the lower half; for a
 * partition each thread moves one half of the leaf's rows (partition.ts halfJobs). Small
 * leaves stay on the main thread, where the hand-off would cost more than it saves. Each histogram
 * bin is summed by exactly one thread in row order and a partition's output does not depend on who
 * moved which row: one and two threads give bit-identical models. Opt-in (numThreads: 2): on this
 * project's shared 2-vCPU machine the worker often waits for a core; figures in README.md.
 */
import { Worker } from 'node:worker_threads';
import type { HistogramBuffers } from './histogram.ts';
import { accumulateHistogram, HISTOGRAM_KERNELS } from './histogram.ts';
import type { BinTest, PartitionJob } from './partition.ts';
import { copyBack, halfJobs, partitionBackward, partitionRows, partitionWhole } from './partition.ts';

/**
 * Leaves smaller than this are built on the main thread only. Small leaves are the slowest per row
 * (their rows are scattered: a cache miss per row and feature), so splitting them pays down to ~1k
 * rows: 1M × 40, 100 trees, 63 leaves: 131 ms of histograms per tree against 146–154 ms with 8192.
 */
export const PARALLEL_MIN_ROWS = 1024;
/** Leaves smaller than this are partitioned on the main thread only (~5 ns per row alone). */
export const PARALLEL_MIN_PARTITION_ROWS = 32_768;
/** A worker silent this long is considered dead (training fails rather than race with it). */
const WORKER_TIMEOUT_MS = 60_000;

/** Builds leaf histograms and partitions leaf rows. */
export interface HistogramBuilder {
  /** Threads in use (a two-thread builder whose worker failed reports 1). */
  readonly threads: number;
  /** Histogram of positions [begin, begin + count) into hist[histBase …]; constHess > 0 when all hessians equal it. */
  build(begin: number, count: number, histBase: number, constHess: number): void;
  /**
   * Stable partition of positions [begin, begin + count) of rows/grad/hess by `test`: the `numLeft`
   * left rows first, then the right rows, each in their original order. Returns the number of left
   * rows actually found (≠ numLeft only through a bug; the range is then garbage).
   */
  partition(begin: number, count: number, test: BinTest, numLeft: number): number;
  close(): void;
}

// Control words of the shared Int32Array: hand-off, then the job (histogram or worker's half of a partition).
const SEQ = 0;
const DONE = 1;
const READY = 2;
const STOP = 3;
const FAILED = 4;
const JOB = 5;
const BEGIN = 6;
const COUNT = 7;
const BASE = 8;
const F_FROM = 9;
const F_TO = 10;
const FROM = 11;
const TO = 12;
const LEFT_AT = 13;
const RIGHT_AT = 14;
const FEATURE = 15;
const THRESHOLD = 16;
const MISSING_BIN = 17;
const DEFAULT_LEFT = 18;
const RESULT = 19;
const CTRL_WORDS = 20;
const JOB_HISTOGRAM = 0;
const JOB_PARTITION = 1;

function singleThread(b: HistogramBuffers): HistogramBuilder {
  const nf = b.offsets.length - 1;
  return {
    threads: 1,
    build(begin, count, histBase, constHess) {
      accumulateHistogram(b, begin, count, histBase, 0, nf, constHess);
    },
    partition(begin, count, test, numLeft) {
      return partitionWhole(b.bins, b.numRows, test, b, begin, begin + count, numLeft);
    },
    close() {},
  };
}

function workerSource(): string {
  return `'use strict';
const { workerData } = require('node:worker_threads');
${HISTOGRAM_KERNELS.map((k) => k.toString()).join('\n')}
${partitionBackward.toString()}
const { buffers: b, ctrl, constHess } = workerData;
let seen = 0;
function run() {
  if (ctrl[${JOB}] === ${JOB_HISTOGRAM}) {
    accumulateHistogram(b, ctrl[${BEGIN}], ctrl[${COUNT}], ctrl[${BASE}], ctrl[${F_FROM}], ctrl[${F_TO}], constHess[0]);
    return;
  }
  const test = { feature: ctrl[${FEATURE}], thresholdBin: ctrl[${THRESHOLD}], missingBin: ctrl[${MISSING_BIN}], defaultLeft: ctrl[${DEFAULT_LEFT}] === 1 };
  const left = partitionBackward(b.bins, b.numRows, test, b, ctrl[${FROM}], ctrl[${TO}], ctrl[${LEFT_AT}], ctrl[${RIGHT_AT}]);
  Atomics.store(ctrl, ${RESULT}, left);
}
Atomics.store(ctrl, ${READY}, 1);
Atomics.notify(ctrl, ${READY});
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen);
  const seq = Atomics.load(ctrl, ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  if (Atomics.load(ctrl, ${STOP}) === 1) break;
  try {
    run();
  } catch (err) {
    Atomics.store(ctrl, ${FAILED}, 1);
  }
  Atomics.store(ctrl, ${DONE}, seen);
  Atomics.notify(ctrl, ${DONE});
}`;
}

/** First feature of the worker's half: splits the used features into two equal counts. */
function midFeature(used: Uint8Array, nf: number): number {
  let total = 0;
  for (let f = 0; f < nf; f++) total += used[f]!;
  let seen = 0;
  for (let f = 0; f < nf; f++) {
    seen += used[f]!;
    if (seen * 2 >= total) return f + 1;
  }
  return nf;
}

/**
 * Cheap consistency check of the worker's half: every used feature in [from, to) must count
 * exactly `count` rows (counts are integers, so the sum is exact).
 */
function countsAddUp(b: HistogramBuffers, histBase: number, count: number, from: number, to: number): boolean {
  for (let f = from; f < to; f++) {
    if (b.used[f] !== 1) continue;
    let c = 0;
    for (let k = histBase + b.offsets[f]! + 2; k < histBase + b.offsets[f + 1]!; k += 3) c += b.hist[k]!;
    if (c !== count) return false;
  }
  return true;
}

/** Blocks until the worker has finished job `seq`; false if it stopped answering. */
function awaitDone(ctrl: Int32Array, seq: number): boolean {
  const deadline = Date.now() + WORKER_TIMEOUT_MS;
  for (let cur = Atomics.load(ctrl, DONE); cur !== seq; cur = Atomics.load(ctrl, DONE)) {
    if (Date.now() > deadline) return false;
    Atomics.wait(ctrl, DONE, cur, 1000);
  }
  return true;
}

/** The worker thread and its control words; `post` starts the job written into `ctrl`. */
interface WorkerLink {
  readonly ctrl: Int32Array;
  readonly constHess: Float64Array;
  /** Starts the job described by the control words (written before the call). */
  post(): void;
  /** Waits for the posted job; false when the worker threw (its output must be redone). */
  finish(): boolean;
  stop(): void;
}

function startWorker(b: HistogramBuffers): WorkerLink | null {
  const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_WORDS * 4));
  const constHess = new Float64Array(new SharedArrayBuffer(8));
  const worker = new Worker(workerSource(), { eval: true, workerData: { buffers: b, ctrl, constHess } });
  worker.unref();
  // Errors surface as events only after training returns; failures are detected through `ctrl`.
  worker.on('error', () => {});
  if (Atomics.wait(ctrl, READY, 0, 10_000) === 'timed-out' && Atomics.load(ctrl, READY) !== 1) {
    void worker.terminate();
    return null;
  }
  let seq = 0;
  return {
    ctrl,
    constHess,
    post() {
      Atomics.store(ctrl, SEQ, ++seq);
      Atomics.notify(ctrl, SEQ);
    },
    finish() {
      if (!awaitDone(ctrl, seq)) throw new Error(`gbdt: histogram worker silent for ${WORKER_TIMEOUT_MS} ms`);
      return Atomics.load(ctrl, FAILED) !== 1;
    },
    stop() {
      Atomics.store(ctrl, STOP, 1);
      Atomics.store(ctrl, SEQ, ++seq);
      Atomics.notify(ctrl, SEQ);
      void worker.terminate();
    },
  };
}

/** A worker link plus whether it has failed (the pool then stays on the main thread). */
interface Pool {
  readonly b: HistogramBuffers;
  readonly link: WorkerLink;
  broken: boolean;
}

/** Histogram with the worker filling the upper half of the used features. */
function buildOnTwo(pool: Pool, begin: number, count: number, histBase: number, constHess: number): void {
  const { b, link } = pool;
  const { ctrl } = link;
  const nf = b.offsets.length - 1;
  const mid = midFeature(b.used, nf);
  ctrl[JOB] = JOB_HISTOGRAM;
  ctrl[BEGIN] = begin;
  ctrl[COUNT] = count;
  ctrl[BASE] = histBase;
  ctrl[F_FROM] = mid;
  ctrl[F_TO] = nf;
  link.constHess[0] = constHess;
  link.post();
  accumulateHistogram(b, begin, count, histBase, 0, mid, constHess);
  if (!link.finish() || !countsAddUp(b, histBase, count, mid, nf)) {
    // The kernel threw in the worker (e.g. a coverage tool instrumented its source) or its half does
    // not add up: redo that half here and stay single-threaded.
    pool.broken = true;
    accumulateHistogram(b, begin, count, histBase, mid, nf, constHess);
  }
}

/** Partition with the worker walking the second half of the range backward. */
function partitionOnTwo(pool: Pool, begin: number, count: number, test: BinTest, numLeft: number): number {
  const { b, link } = pool;
  const mid = begin + (count >> 1);
  const [mine, theirs] = halfJobs(b.numRows, begin, mid, begin + count, numLeft);
  // The worker reads and writes only positions ≥ mid and the scratch below begin + numLeft, the main
  // thread only positions < mid and the scratch from begin + numLeft on.
  postPartition(link.ctrl, test, theirs);
  link.post();
  const leftA = partitionRows(b.bins, b.numRows, test, b, mine);
  let leftB = 0;
  if (link.finish()) leftB = Atomics.load(link.ctrl, RESULT);
  else {
    // The kernel threw in the worker. Nothing in its loop can throw, so it failed on entry (e.g. a
    // coverage tool instrumented its source) before writing: redo that half here, single-threaded.
    pool.broken = true;
    leftB = partitionRows(b.bins, b.numRows, test, b, theirs);
  }
  copyBack(b, b.numRows, begin, numLeft, leftB, mid - begin - leftA);
  return leftA + leftB;
}

/** Runs large jobs on the worker and the main thread together, small ones on the main thread. */
function twoThreads(b: HistogramBuffers): HistogramBuilder | null {
  const link = startWorker(b);
  if (link === null) return null;
  const pool: Pool = { b, link, broken: false };
  const local = singleThread(b);
  let closed = false;
  return {
    get threads() {
      return pool.broken ? 1 : 2;
    },
    build(begin, count, histBase, constHess) {
      if (count < PARALLEL_MIN_ROWS || pool.broken) local.build(begin, count, histBase, constHess);
      else buildOnTwo(pool, begin, count, histBase, constHess);
    },
    partition(begin, count, test, numLeft) {
      if (count < PARALLEL_MIN_PARTITION_ROWS || pool.broken) return local.partition(begin, count, test, numLeft);
      return partitionOnTwo(pool, begin, count, test, numLeft);
    },
    close() {
      if (closed) return;
      closed = true;
      link.stop();
    },
  };
}

/** Writes the worker's half of a partition (a backward walk) into the control words. */
function postPartition(ctrl: Int32Array, test: BinTest, job: PartitionJob): void {
  ctrl[JOB] = JOB_PARTITION;
  ctrl[FEATURE] = test.feature;
  ctrl[THRESHOLD] = test.thresholdBin;
  ctrl[MISSING_BIN] = test.missingBin;
  ctrl[DEFAULT_LEFT] = test.defaultLeft ? 1 : 0;
  ctrl[FROM] = job.from;
  ctrl[TO] = job.to;
  ctrl[LEFT_AT] = job.leftAt;
  ctrl[RIGHT_AT] = job.rightAt;
}

/**
 * A builder on `threads` threads. Two threads need SharedArrayBuffer-backed buffers; if the worker
 * cannot start the builder falls back to one thread.
 */
export function createHistogramBuilder(b: HistogramBuffers, threads: 1 | 2): HistogramBuilder {
  if (threads === 2) {
    const pool = twoThreads(b);
    if (pool !== null) return pool;
  }
  return singleThread(b);
}
