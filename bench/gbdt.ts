/**
 * bench/gbdt — histogram GBDT training and scoring cost: binary objective on synthetic rows
 * (default 500k × 30, 100 trees, 31 leaves), once per thread count; then scoring throughput
 * (rows/s) and the rank-stage figure: µs to score a request's candidates (default 500) with the model.
 * Issue #5's figures: --rows 1000000 --features 40 --trees 300 --leaves 63.
 * Usage: node --import tsx bench/gbdt.ts [--rows 500000] [--features 30] [--trees 100] [--leaves 31] [--threads 1,2] [--candidates 500]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { binDataset } from '../src/models/gbdt/binning.ts';
import { binaryData } from '../src/models/gbdt/fixtures/synthetic.ts';
import { histogramLayout } from '../src/models/gbdt/histogram.ts';
import { createHistogramBuilder } from '../src/models/gbdt/histogram-pool.ts';
import { readLightGbmModel, writeLightGbmModel } from '../src/models/gbdt/lightgbm-format.ts';
import { auc } from '../src/models/gbdt/metrics.ts';
import type { GbdtModel } from '../src/models/gbdt/model.ts';
import { predictBatch, predictRaw } from '../src/models/gbdt/model.ts';
import { allocFloat64, allocRowArrays, allocUint8 } from '../src/models/gbdt/shared-arrays.ts';
import { trainGbdt } from '../src/models/gbdt/train.ts';

const { values } = parseArgs({ options: {
  rows: { type: 'string', default: '500000' }, features: { type: 'string', default: '30' },
  trees: { type: 'string', default: '100' }, leaves: { type: 'string', default: '31' }, threads: { type: 'string', default: '1,2' },
  candidates: { type: 'string', default: '500' },
} });
const CANDIDATES = Number(values.candidates);
const ROWS = Number(values.rows);
const NF = Number(values.features);
const TREES = Number(values.trees);
const LEAVES = Number(values.leaves);
const THREADS = values.threads.split(',').map(Number);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function benchTraining(): GbdtModel {
  const t0 = performance.now();
  const train = binaryData(ROWS, NF, 1);
  const test = binaryData(20_000, NF, 2);
  console.log(`data: ${ROWS} rows × ${NF} features generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let model: GbdtModel | null = null;
  for (const threads of THREADS) {
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    const res = trainGbdt(train, { objective: 'binary', numIterations: TREES, numLeaves: LEAVES, numThreads: threads, seed: 7 });
    const cpu = process.cpuUsage(cpu0);
    const sec = (performance.now() - start) / 1000;
    const a = auc(predictBatch(res.model, test.features, test.numRows), test.labels);
    console.log(
      `train threads=${res.threads}: ${sec.toFixed(2)} s, ${((ROWS * res.model.trees.length) / sec / 1e6).toFixed(2)} M rows·trees/s, `
      + `${res.model.trees.length} trees, test AUC ${a.toFixed(4)} (CPU time ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, load ${loadavg()[0]!.toFixed(1)})`,
    );
    model = res.model;
  }
  return model!;
}

function benchScoring(model: GbdtModel): void {
  const C = CANDIDATES;
  const cand = binaryData(C, NF, 3);
  const out = new Float64Array(C);
  for (let i = 0; i < 200; i++) predictBatch(model, cand.features, C, { raw: true, out });
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < 2000; i++) {
    const t = performance.now();
    predictBatch(model, cand.features, C, { raw: true, out });
    times.push((performance.now() - t) * 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(
    `score ${C.toLocaleString('en-US')} candidates × ${NF} features, ${model.trees.length} trees: p50 ${quantile(times, 0.5).toFixed(0)} µs, `
    + `p99 ${quantile(times, 0.99).toFixed(0)} µs, mean ${mean.toFixed(0)} µs → ${(C / mean).toFixed(2)} M rows/s; `
    + `CPU time ${((cpu.user + cpu.system) / 2000).toFixed(0)} µs per request (load ${loadavg()[0]!.toFixed(1)})`,
  );
  const t = performance.now();
  let sink = 0;
  for (let r = 0; r < 100; r++) for (let i = 0; i < C; i++) sink += predictRaw(model, cand.features, i * NF);
  const us = ((performance.now() - t) * 1000) / (100 * C);
  console.log(`single-row predictRaw: ${us.toFixed(2)} µs/row (checksum ${sink.toFixed(3)})`);
}

function benchFormat(model: GbdtModel): void {
  let t = performance.now();
  const text = writeLightGbmModel(model);
  const writeMs = performance.now() - t;
  t = performance.now();
  readLightGbmModel(text);
  console.log(`LightGBM text: ${(text.length / 1024).toFixed(0)} KiB, write ${writeMs.toFixed(1)} ms, read ${(performance.now() - t).toFixed(1)} ms`);
}

/** min and median of 15 alternating runs of each of `jobs` (ms). */
function timeAlternating(jobs: readonly (() => void)[]): string[] {
  const times: number[][] = jobs.map(() => []);
  for (let r = 0; r < 15; r++) {
    jobs.forEach((job, j) => {
      const t = performance.now();
      job();
      times[j]!.push(performance.now() - t);
    });
  }
  return times.map((ts) => ts.sort((a, b) => a - b)).map((ts) => `min ${ts[0]!.toFixed(1)} / median ${quantile(ts, 0.5).toFixed(1)} ms`);
}

/**
 * Root-histogram build (all rows × all features) and root partition (all rows by feature 0 at its
 * middle bin) on 1 and 2 threads, alternating.
 */
function benchHistogramThreads(): void {
  const data = binaryData(ROWS, NF, 5);
  const binned = binDataset(data, { maxBin: 255, minDataInBin: 3, sampleCount: 200_000, seed: 1, shared: true });
  const layout = histogramLayout(binned);
  const buffers = {
    ...allocRowArrays(ROWS, true), bins: binned.bins, numRows: ROWS, offsets: layout.offsets,
    hist: allocFloat64(layout.size, true), used: allocUint8(NF, true).fill(1),
  };
  buffers.grad.fill(0.25);
  buffers.hess.fill(0.5);
  const builders = [createHistogramBuilder(buffers, 1), createHistogramBuilder(buffers, 2)];
  for (let i = 0; i < ROWS; i++) buffers.rows[i] = i;
  const hist = timeAlternating(builders.map((b) => () => b.build(0, ROWS, 0, 0)));
  const fb = binned.features[0]!;
  const test = { feature: 0, thresholdBin: fb.upperBounds.length >> 1, missingBin: fb.hasMissing ? fb.upperBounds.length : -1, defaultLeft: true };
  let numLeft = 0;
  for (let i = 0; i < ROWS; i++) numLeft += binned.bins[i]! <= test.thresholdBin ? 1 : 0;
  // Each run partitions the already partitioned rows again: same cost, same split of rows.
  const part = timeAlternating(builders.map((b) => () => b.partition(0, ROWS, test, numLeft)));
  builders.forEach((b) => b.close());
  console.log(`root histogram ${ROWS} × ${NF}: 1 thread ${hist[0]}, 2 threads ${hist[1]}`);
  console.log(`root partition ${ROWS} rows: 1 thread ${part[0]}, 2 threads ${part[1]}`);
}

benchHistogramThreads();
const model = benchTraining();
benchScoring(model);
benchFormat(model);
