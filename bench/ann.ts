/**
 * bench/ann — the VectorIndex adapters at scale on seeded clustered embeddings (default 1M × 64):
 * build time, memory (RSS delta, bytes on disk), open time, queries/s on one core at recall@100 ≥
 * target against exact search (smallest efSearch that meets it), and k=200 latency p50/p99.
 * Usage: node --import tsx --expose-gc bench/ann.ts [--items 1000000] [--dim 64] [--queries 500]
 *        [--library hnswlib|usearch|both] [--m 16] [--ef-construction 256] [--latent-dim 16]
 *        [--target 0.95] [--ef 100,128,…] [--reps 3] [--out DIR] [--keep] [--reuse]
 * --keep leaves the saved indexes under --out; --reuse opens them instead of building again.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BruteForceIndex } from '../src/adapters/ann/brute-force-index.ts';
import { clusteredVectors, recallAtK } from '../src/adapters/ann/clustered-vectors.ts';
import { HnswlibIndex, openHnswlibIndex } from '../src/adapters/ann/hnswlib-index.ts';
import { UsearchIndex, openUsearchIndex } from '../src/adapters/ann/usearch-index.ts';
import type { VectorIndex } from '../src/ports/vector-index.ts';

const { values } = parseArgs({ options: {
  items: { type: 'string', default: '1000000' }, dim: { type: 'string', default: '64' }, queries: { type: 'string', default: '500' },
  library: { type: 'string', default: 'hnswlib' }, m: { type: 'string', default: '16' }, 'ef-construction': { type: 'string', default: '256' },
  'latent-dim': { type: 'string', default: '16' }, target: { type: 'string', default: '0.95' },
  ef: { type: 'string', default: '100,112,128,144,160,192,224,256,320,400,512,640,800,1024' },
  out: { type: 'string', default: path.join(os.tmpdir(), 'wayfarer-bench-ann') }, keep: { type: 'boolean', default: false },
  reuse: { type: 'boolean', default: false }, reps: { type: 'string', default: '3' },
} });
const N = Number(values.items);
const DIM = Number(values.dim);
const Q = Number(values.queries);
const M = Number(values.m);
const EF_CONSTRUCTION = Number(values['ef-construction']);
const TARGET = Number(values.target);
const EFS = values.ef.split(',').map(Number);
const LIBRARIES = values.library === 'both' ? ['usearch', 'hnswlib'] : [values.library];
const REPS = Number(values.reps);
const K = 100;
const K_LATENCY = 200;

type Annotated = VectorIndex & { efSearch: number };
const t0 = performance.now();
const log = (msg: string): void => console.log(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}`);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
/** Collects twice around a pause, so that native memory freed by finalizers is gone from RSS. */
async function settle(): Promise<void> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
}
const rssMb = (): number => process.memoryUsage().rss / 2 ** 20;
const fmt = (x: number, d = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const signed = (x: number): string => (x >= 0 ? '+' : '−') + fmt(Math.abs(x));
const row = (m: Float32Array, i: number): Float32Array => m.subarray(i * DIM, (i + 1) * DIM);

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((s, f) => s + statSync(path.join(dir, f)).size, 0);
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

// ---- 1. data and exact neighbours ----
log(`generating ${fmt(N)} × ${DIM} clustered unit vectors (latent dim ${values['latent-dim']}) and ${Q} user-like queries`);
const data = clusteredVectors({ n: N, dim: DIM, queries: Q, latentDim: Number(values['latent-dim']), seed: 'bench-ann' });
const ids = Array.from({ length: N }, (_, i) => `i${i}`);

function exactNeighbours(): string[][] {
  const exact = new BruteForceIndex({ dim: DIM, initialCapacity: N });
  exact.add(ids, data.vectors);
  const out: string[][] = [];
  const chunk = 32;
  const started = performance.now();
  let top1 = 0;
  let topK = 0;
  for (let q = 0; q < Q; q += chunk) {
    const rows = Math.min(chunk, Q - q);
    for (const r of exact.searchBatch(data.queries.subarray(q * DIM, (q + rows) * DIM), K_LATENCY)) {
      out.push(r.map((n) => n.id));
      top1 += r[0]?.score ?? 0;
      topK += r[K - 1]?.score ?? 0;
    }
    if ((q / chunk) % 4 === 0) log(`  exact: ${q + rows}/${Q} queries`);
  }
  const secs = (performance.now() - started) / 1000;
  log(`exact top-${K_LATENCY} for ${Q} queries in ${fmt(secs, 1)} s (${fmt(Q / secs, 1)} queries/s brute force, 4 queries per pass)`);
  log(`dataset: mean score of the true #1 ${fmt(top1 / Q, 3)}, of the true #${K} ${fmt(topK / Q, 3)}`);
  exact.close();
  return out;
}
/** Exact neighbours are cached per dataset under --out, so reruns (another library, M, ef) skip the scan. */
function cachedExact(): string[][] {
  const file = path.join(values.out, `exact-${N}x${DIM}-latent${values['latent-dim']}-q${Q}-k${K_LATENCY}.json`);
  if (existsSync(file)) {
    log(`exact neighbours from ${file}`);
    return JSON.parse(readFileSync(file, 'utf8')) as string[][];
  }
  const out = exactNeighbours();
  mkdirSync(values.out, { recursive: true });
  writeFileSync(file, JSON.stringify(out));
  return out;
}
const exact = cachedExact();
const exact100 = exact.map((e) => e.slice(0, K));
gc();

// ---- 2. per library: build, save, open, sweep, latency ----
function create(library: string): Annotated {
  return library === 'usearch'
    ? new UsearchIndex({ dim: DIM, connectivity: M, expansionAdd: EF_CONSTRUCTION, efSearch: 128 })
    : new HnswlibIndex({ dim: DIM, m: M, efConstruction: EF_CONSTRUCTION, efSearch: 128, initialCapacity: N });
}

async function open(library: string, dir: string, mmap: boolean): Promise<Annotated> {
  return library === 'usearch' ? openUsearchIndex(dir, { mmap }) : openHnswlibIndex(dir);
}

/**
 * Recall@100 and single-query queries/s on one thread (≥ 1 s of queries) at one efSearch: per
 * wall-clock second, and per CPU second of this process, which a busy shared machine distorts less.
 */
function measure(index: Annotated, ef: number): { recall: number; qps: number; cpuQps: number } {
  index.efSearch = ef;
  const got = Array.from({ length: Q }, (_, q) => index.search(row(data.queries, q), K).map((n) => n.id));
  const recall = recallAtK(got, exact100);
  let done = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < 1000 || done < 2 * Q) {
    index.search(row(data.queries, done % Q), K);
    done++;
  }
  const wallS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { recall, qps: done / wallS, cpuQps: done / ((used.user + used.system) / 1e6) };
}

/** Latency of `count` single searches at k, cycling through the queries (ms, sorted). */
function latencies(index: Annotated, k: number, count: number, exclude?: readonly ReadonlySet<string>[]): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    index.search(row(data.queries, i % Q), k, exclude?.[i % Q]);
    out[i] = performance.now() - t;
  }
  return out.sort();
}

interface Built { library: string; dir: string; buildS: number; buildCpuS: number; buildRssMb: number; diskMb: number }

/** Builds and saves one library's index (or, with --reuse, takes the one saved by an earlier run). */
async function build(library: string): Promise<Built> {
  const dir = path.join(values.out, `${library}-${N}x${DIM}-latent${values['latent-dim']}-m${M}-efc${EF_CONSTRUCTION}`);
  if (values.reuse && existsSync(path.join(dir, 'header.json'))) {
    log(`${library}: reusing ${dir}`);
    return { library, dir, buildS: Number.NaN, buildCpuS: Number.NaN, buildRssMb: Number.NaN, diskMb: dirBytes(dir) / 2 ** 20 };
  }
  rmSync(dir, { recursive: true, force: true });
  await settle();
  const rss = rssMb();
  const t = performance.now();
  const cpu = process.cpuUsage();
  log(`${library}: building (M=${M}, efConstruction=${EF_CONSTRUCTION}, ${library === 'usearch' ? `${os.availableParallelism()} threads` : '1 thread'})`);
  const built = create(library);
  built.add(ids, data.vectors);
  const buildS = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const buildRssMb = rssMb() - rss;
  const buildCpuS = (used.user + used.system) / 1e6;
  log(`${library}: built in ${fmt(buildS, 1)} s (${fmt(buildCpuS, 1)} CPU-s), RSS ${signed(buildRssMb)} MB`);
  const saveT = performance.now();
  await built.save(dir);
  const diskMb = dirBytes(dir) / 2 ** 20;
  log(`${library}: saved in ${fmt((performance.now() - saveT) / 1000, 1)} s, ${fmt(diskMb)} MB on disk (${dir})`);
  built.close();
  return { library, dir, buildS, buildCpuS, buildRssMb, diskMb };
}

interface Opened extends Built { index: Annotated; openMs: number; openRssMb: number }

/** Reopens a saved index as serving would: usearch memory-mapped, hnswlib read into memory. */
async function reopen(b: Built): Promise<Opened> {
  await settle();
  const rss = rssMb();
  const t = performance.now();
  const index = await open(b.library, b.dir, true);
  const openMs = performance.now() - t;
  const openRssMb = rssMb() - rss;
  log(`${b.library}: reopened ${b.library === 'usearch' ? 'memory-mapped' : 'into memory'} in ${fmt(openMs)} ms, RSS ${signed(openRssMb)} MB`);
  measure(index, EFS[0] as number); // warm-up: page in the mapping, JIT the search path
  return { ...b, index, openMs, openRssMb };
}

interface Chosen { ef: number; recall: number; qps: number; cpuQps: number }

/**
 * Sweeps efSearch upwards for every library at once: at each ef the libraries are measured in
 * turn, REPS times in alternating order (median kept), so the load of a shared machine falls on
 * all of them alike. A library drops out at the first ef that meets the recall target.
 */
function sweep(opened: readonly Opened[]): Map<string, Chosen> {
  const chosen = new Map<string, Chosen>();
  log(`sweeping efSearch at k=${K}, target recall@${K} ≥ ${TARGET}, ${REPS} interleaved runs of ≥ 1 s each (median)`);
  for (const ef of EFS) {
    const active = opened.filter((o) => !chosen.has(o.library) || (chosen.get(o.library) as Chosen).recall < TARGET);
    if (active.length === 0) break;
    const runs = new Map<string, { recall: number; qps: number; cpuQps: number }[]>();
    for (let rep = 0; rep < REPS; rep++) {
      for (const o of rep % 2 === 0 ? active : [...active].reverse()) runs.set(o.library, [...(runs.get(o.library) ?? []), measure(o.index, ef)]);
    }
    for (const o of active) {
      const rs = (runs.get(o.library) ?? []).sort((a, b) => a.qps - b.qps);
      const mid = rs[Math.floor(rs.length / 2)] as { recall: number; qps: number; cpuQps: number };
      log(`  ${o.library.padEnd(8)} ef=${String(ef).padStart(4)}  recall@${K}=${mid.recall.toFixed(4)}  ${fmt(mid.qps)} queries/s wall, ${fmt(mid.cpuQps)} per CPU-second (1 thread)`);
      chosen.set(o.library, { ef, ...mid });
    }
  }
  return chosen;
}

interface Result extends Chosen { library: string; buildS: number; buildCpuS: number; diskMb: number; openMs: number; openRssMb: number; p50: number; p99: number }

/** Latency at k=200 (plain and with exclusions) and batch throughput at the chosen ef. */
function latencyAt(o: Opened, c: Chosen): Result {
  o.index.efSearch = c.ef;
  const lat = latencies(o.index, K_LATENCY, 5000);
  const got200 = Array.from({ length: Q }, (_, q) => o.index.search(row(data.queries, q), K_LATENCY).map((n) => n.id));
  log(`${o.library}: ef=${c.ef} k=${K_LATENCY}: p50 ${fmt(percentile(lat, 0.5), 3)} ms, p99 ${fmt(percentile(lat, 0.99), 3)} ms, recall@${K_LATENCY} ${recallAtK(got200, exact).toFixed(4)}`);
  // Seen items sit near the user: excluding each query's true top 50 makes the over-fetch work.
  const seen = exact.map((e) => new Set(e.slice(0, 50)));
  const latEx = latencies(o.index, K_LATENCY, 2000, seen);
  log(`${o.library}: k=${K_LATENCY} excluding each query's true top 50: p50 ${fmt(percentile(latEx, 0.5), 3)} ms, p99 ${fmt(percentile(latEx, 0.99), 3)} ms`);
  const batchT = performance.now();
  o.index.searchBatch(data.queries, K);
  log(`${o.library}: searchBatch of ${Q} at k=${K}: ${fmt(Q / ((performance.now() - batchT) / 1000))} queries/s`);
  return { library: o.library, buildS: o.buildS, buildCpuS: o.buildCpuS, diskMb: o.diskMb, openMs: o.openMs, openRssMb: o.openRssMb, ...c, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99) };
}

const builtIndexes: Built[] = [];
for (const library of LIBRARIES) builtIndexes.push(await build(library));
const opened: Opened[] = [];
for (const b of builtIndexes) opened.push(await reopen(b));
const chosen = sweep(opened);
const results = opened.map((o) => latencyAt(o, chosen.get(o.library) as Chosen));
for (const o of opened) {
  o.index.close();
  if (!values.keep && !values.reuse) rmSync(o.dir, { recursive: true, force: true });
}

console.log(`\n${fmt(N)} × ${DIM}, M=${M}, efConstruction=${EF_CONSTRUCTION}, ${Q} queries, target recall@${K} ≥ ${TARGET}, ${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('library  build s  build CPU-s  disk MB  open ms  open RSS MB  ef    recall@100  q/s wall  q/s per CPU-s  k=200 p50 ms  p99 ms');
for (const r of results) {
  console.log([
    r.library.padEnd(8), fmt(r.buildS, 1).padStart(7), fmt(r.buildCpuS, 1).padStart(12), fmt(r.diskMb).padStart(8), fmt(r.openMs).padStart(8),
    signed(r.openRssMb).padStart(12), String(r.ef).padStart(5), r.recall.toFixed(4).padStart(11), fmt(r.qps).padStart(9), fmt(r.cpuQps).padStart(14),
    fmt(r.p50, 3).padStart(13), fmt(r.p99, 3).padStart(7),
  ].join(' '));
}
