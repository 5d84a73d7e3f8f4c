/**
 * @module models/gbdt/histogram-pool
 * Histogram building on one or two threads. The two-thread builder runs the same kernel
 * (histogram.ts, shipped as source) in one worker over SharedArrayBuffers: the worker fills the
 * histograms of the upper half of the used features while the main thread fills the lower half,
 * synchronised with Atomics.wait/notify, so training stays a synchronous call. Small leaves
 * (< PARALLEL_MIN_ROWS rows) stay on the main thread, where the hand-off would cost more than it
 * saves. Each feature is summed by exactly one thread in row order: one and two threads give
 * bit-identical models. Opt-in (numThreads: 2): on this project's shared 2-vCPU machine it halved
 * the root histogram when a core was free but made whole trainings slower as often as faster (the
 * worker waits for a core); figures in README.md.
 */
import { Worker } from 'node:worker_threads';
import { accumulateHistogram } from './histogram.ts';

/** Leaves smaller than this are built on the main thread only. */
export const PARALLEL_MIN_ROWS = 8192;
/** A worker silent this long is considered dead (training fails rather than race with it). */
const WORKER_TIMEOUT_MS = 60_000;

/** Buffers the histogram kernel reads and writes (SharedArrayBuffer-backed for two threads). */
export interface HistogramBuffers {
  readonly bins: Uint8Array;
  readonly numRows: number;
  /** Row indices partitioned by leaf. */
  readonly rows: Int32Array;
  /** Gradients and hessians ordered like the rows of the leaf being built (index 0 = first row). */
  readonly grad: Float32Array;
  readonly hess: Float32Array;
  /** All leaf histograms. */
  readonly hist: Float64Array;
  /** Histogram layout offsets (numFeatures + 1 entries). */
  readonly offsets: Int32Array;
  /** 1 = feature sampled for the current tree. */
  readonly used: Uint8Array;
}

/** Builds one leaf histogram for the used features. */
export interface HistogramBuilder {
  /** Threads in use (a two-thread builder whose worker failed reports 1). */
  readonly threads: number;
  /** Histogram of rows[begin, begin + count) into hist[histBase …]; constHess > 0 when all hessians equal it. */
  build(begin: number, count: number, histBase: number, constHess: number): void;
  close(): void;
}

// Control words of the shared Int32Array.
const SEQ = 0;
const DONE = 1;
const READY = 2;
const STOP = 3;
const BEGIN = 4;
const COUNT = 5;
const BASE = 6;
const F_FROM = 7;
const F_TO = 8;
const FAILED = 9;

function singleThread(b: HistogramBuffers): HistogramBuilder {
  const nf = b.offsets.length - 1;
  return {
    threads: 1,
    build(begin, count, histBase, constHess) {
      accumulateHistogram(b.bins, b.numRows, b.rows, begin, count, b.grad, b.hess, b.hist, histBase, b.offsets, b.used, 0, nf, constHess);
    },
    close() {},
  };
}

function workerSource(): string {
  return `'use strict';
const { workerData } = require('node:worker_threads');
const accumulate = ${accumulateHistogram.toString()};
const { bins, numRows, rows, grad, hess, hist, offsets, used, ctrl, constHess } = workerData;
let seen = 0;
Atomics.store(ctrl, ${READY}, 1);
Atomics.notify(ctrl, ${READY});
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen);
  seen = Atomics.load(ctrl, ${SEQ});
  if (Atomics.load(ctrl, ${STOP}) === 1) break;
  try {
    accumulate(bins, numRows, rows, ctrl[${BEGIN}], ctrl[${COUNT}], grad, hess, hist, ctrl[${BASE}], offsets, used,
      ctrl[${F_FROM}], ctrl[${F_TO}], constHess[0]);
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

function twoThreads(b: HistogramBuffers): HistogramBuilder | null {
  const ctrl = new Int32Array(new SharedArrayBuffer(16 * 4));
  const constHess = new Float64Array(new SharedArrayBuffer(8));
  const worker = new Worker(workerSource(), { eval: true, workerData: { ...b, ctrl, constHess } });
  worker.unref();
  // Errors surface as events only after training returns; failures are detected through `ctrl`.
  worker.on('error', () => {});
  if (Atomics.wait(ctrl, READY, 0, 10_000) === 'timed-out' && Atomics.load(ctrl, READY) !== 1) {
    void worker.terminate();
    return null;
  }
  const local = singleThread(b);
  const nf = b.offsets.length - 1;
  let seq = 0;
  let closed = false;
  let broken = false;
  return {
    get threads() {
      return broken ? 1 : 2;
    },
    build(begin, count, histBase, hessValue) {
      if (count < PARALLEL_MIN_ROWS || broken) return local.build(begin, count, histBase, hessValue);
      const mid = midFeature(b.used, nf);
      ctrl[BEGIN] = begin;
      ctrl[COUNT] = count;
      ctrl[BASE] = histBase;
      ctrl[F_FROM] = mid;
      ctrl[F_TO] = nf;
      constHess[0] = hessValue;
      seq++;
      Atomics.store(ctrl, SEQ, seq);
      Atomics.notify(ctrl, SEQ);
      accumulateHistogram(b.bins, b.numRows, b.rows, begin, count, b.grad, b.hess, b.hist, histBase, b.offsets, b.used, 0, mid, hessValue);
      if (!awaitDone(ctrl, seq)) throw new Error(`gbdt: histogram worker silent for ${WORKER_TIMEOUT_MS} ms`);
      if (Atomics.load(ctrl, FAILED) === 1 || !countsAddUp(b, histBase, count, mid, nf)) {
        // The kernel threw in the worker (e.g. a coverage tool instrumented its source) or its half does
        // not add up: redo that half here and stay single-threaded.
        broken = true;
        accumulateHistogram(b.bins, b.numRows, b.rows, begin, count, b.grad, b.hess, b.hist, histBase, b.offsets, b.used, mid, nf, hessValue);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      Atomics.store(ctrl, STOP, 1);
      Atomics.store(ctrl, SEQ, ++seq);
      Atomics.notify(ctrl, SEQ);
      void worker.terminate();
    },
  };
}

/**
 * A histogram builder on `threads` threads. Two threads need SharedArrayBuffer-backed buffers;
 * if the worker cannot start the builder falls back to one thread.
 */
export function createHistogramBuilder(b: HistogramBuffers, threads: 1 | 2): HistogramBuilder {
  if (threads === 2) {
    const pool = twoThreads(b);
    if (pool !== null) return pool;
  }
  return singleThread(b);
}

/** A Float64Array of n zeros on a SharedArrayBuffer when `shared`, else on a plain ArrayBuffer. */
export function allocFloat64(n: number, shared: boolean): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n);
}
/** A Float32Array of n zeros, shared or not (see {@link allocFloat64}). */
export function allocFloat32(n: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n);
}
/** An Int32Array of n zeros, shared or not (see {@link allocFloat64}). */
export function allocInt32(n: number, shared: boolean): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n);
}
/** A Uint8Array of n zeros, shared or not (see {@link allocFloat64}). */
export function allocUint8(n: number, shared: boolean): Uint8Array {
  return shared ? new Uint8Array(new SharedArrayBuffer(n)) : new Uint8Array(n);
}
