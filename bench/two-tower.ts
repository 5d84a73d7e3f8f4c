/**
 * bench/two-tower — the two-tower retrieval model on the synthetic marketplace: training
 * examples/s (dim 64, batch 256 → 256 candidates per example), user-tower latency p50/p99,
 * item-embedding throughput (in-process and ONNX), and Recall@100 on a time-based holdout
 * (last 10 % of time, never seen in training or early stopping) vs. popularity baselines.
 * Usage: node --import tsx bench/two-tower.ts [--users 100000] [--items 50000] [--events 2000000]
 *          [--epochs 5] [--patience 5] [--threads 2] [--batch 256] [--uniform 0] [--seed 7]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Interaction, Item, User } from '../src/domain/types.ts';
import { generateMarketplace } from '../src/data/synthetic/index.ts';
import {
  OrtEvaluator, USER_FIELD_COUNT, buildDataset, buildEncoder, buildEvalQueries, exportOnnxTowers, itemEmbeddings, loadOnnxTowers,
  recallFromTopK, resolveTwoTowerConfig, sliceDataset, timeSplitIndex, trainTwoTower, userEmbedding, evaluateRecall,
  type TwoTowerDataset, type UserQuery,
} from '../src/models/two-tower/index.ts';

const { values } = parseArgs({ options: {
  users: { type: 'string', default: '100000' }, items: { type: 'string', default: '50000' }, events: { type: 'string', default: '2000000' },
  epochs: { type: 'string', default: '5' }, patience: { type: 'string', default: '5' }, threads: { type: 'string', default: '2' }, batch: { type: 'string', default: '256' },
  uniform: { type: 'string', default: '0' }, seed: { type: 'string', default: '7' }, queries: { type: 'string', default: '2000' },
} });
const K = 100;
const seconds = (t: number): string => ((performance.now() - t) / 1000).toFixed(1) + ' s';

// ---- data ----
let t = performance.now();
const market = generateMarketplace({ users: Number(values.users), items: Number(values.items), events: Number(values.events), seed: Number(values.seed) });
const users: User[] = [];
const items: Item[] = [];
const interactions: Interaction[] = [];
for (const b of market.batches) {
  users.push(...b.users);
  items.push(...b.items);
  for (const e of b.interactions) if (e.type === 'click' || e.type === 'booking' || e.type === 'rating') interactions.push(e);
}
console.log(`data: ${users.length.toLocaleString()} users, ${items.length.toLocaleString()} items, ${Number(values.events).toLocaleString()} events `
  + `(${interactions.length.toLocaleString()} clicks/bookings/ratings) generated in ${seconds(t)}`);
t = performance.now();
const config = resolveTwoTowerConfig({});
const encoder = buildEncoder(users, items, interactions, config);
const dataset = buildDataset(encoder, users, items, interactions);
const testFrom = timeSplitIndex(dataset, 0.1);
console.log(`examples: ${dataset.size.toLocaleString()} (train+validation ${testFrom.toLocaleString()}, test ${(dataset.size - testFrom).toLocaleString()}) built in ${seconds(t)}`);

// ---- training ----
const result = await trainTwoTower(encoder, sliceDataset(dataset, testFrom), config, {
  epochs: Number(values.epochs), patience: Number(values.patience), threads: Number(values.threads), batchSize: Number(values.batch), uniformNegatives: Number(values.uniform),
  seed: Number(values.seed), log: (line) => console.log('  ' + line),
});
const processed = result.epochs.reduce((s, e) => s + e.examples, 0);
const cpuSeconds = result.epochs.reduce((s, e) => s + e.cpuSeconds, 0);
console.log(`training: ${processed.toLocaleString()} examples in ${result.epochs.length} epochs → ${Math.round(result.examplesPerSecond).toLocaleString()} examples/s `
  + `(threads ${values.threads}, batch ${values.batch}, ${Number(values.batch) - 1 + Number(values.uniform)} negatives/example); best epoch ${result.bestEpoch}`);
console.log(`  ${Math.round(processed / cpuSeconds).toLocaleString()} examples per CPU-second; CPU share obtained ${(cpuSeconds / result.epochs.reduce((s, e) => s + e.seconds, 0)).toFixed(2)} cores `
  + `(load average ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores)`);
const model = result.model;

// ---- recall on the held-out test period ----
const queries = buildEvalQueries(dataset, testFrom, Number(values.queries), 99);
const evaluator = await OrtEvaluator.create(model, K);
t = performance.now();
const recall = await evaluateRecall(model, dataset, queries, K, evaluator);
console.log(`\nRecall@${K} on the test period (${queries.count} users, full corpus of ${(encoder.items.size - 1).toLocaleString()} items, ${seconds(t)}):`);
console.log(`  two-tower                 ${recall.toFixed(4)}`);
const pop = popularityRecall(dataset, testFrom, queries);
console.log(`  popularity (global)       ${pop.global.toFixed(4)}`);
console.log(`  popularity (destination)  ${pop.destination.toFixed(4)}`);
await evaluator.close();

// ---- serving ----
userLatency(model, dataset, testFrom);
t = performance.now();
const hotels = items.filter((i) => i.kind === 'hotel');
itemEmbeddings(model, hotels);
const jsMs = performance.now() - t;
const exported = exportOnnxTowers(model);
const onnx = await loadOnnxTowers(exported.user, exported.item, encoder);
t = performance.now();
await onnx.itemEmbeddings(hotels);
const ortMs = performance.now() - t;
console.log(`item embeddings (${hotels.length.toLocaleString()} hotels): in-process ${Math.round(hotels.length / (jsMs / 1000)).toLocaleString()} items/s, `
  + `ONNX ${Math.round(hotels.length / (ortMs / 1000)).toLocaleString()} items/s`);
await onnx.close();

function popularityRecall(ds: TwoTowerDataset, end: number, q: ReturnType<typeof buildEvalQueries>): { global: number; destination: number } {
  const global = new Map<number, number>();
  const byDest = new Map<number, Map<number, number>>();
  for (let e = 0; e < end; e++) {
    const item = ds.items[e] as number;
    const dest = ds.userFields[e * USER_FIELD_COUNT + 3] as number;
    global.set(item, (global.get(item) ?? 0) + 1);
    let m = byDest.get(dest);
    if (m === undefined) byDest.set(dest, (m = new Map<number, number>()));
    m.set(item, (m.get(item) ?? 0) + 1);
  }
  const rank = (m: Map<number, number>): number[] => [...m].sort((a, b) => b[1] - a[1]).slice(0, K).map(([i]) => i);
  const globalTop = rank(global);
  const g = new Int32Array(q.count * K);
  const d = new Int32Array(q.count * K);
  for (let i = 0; i < q.count; i++) {
    g.set(globalTop, i * K);
    const dest = ds.userFields[(q.example[i] as number) * USER_FIELD_COUNT + 3] as number;
    const local = rank(byDest.get(dest) ?? new Map<number, number>());
    const filled = [...local, ...globalTop.filter((x) => !local.includes(x))].slice(0, K);
    d.set(filled, i * K);
  }
  return { global: recallFromTopK(g, K, q.relevant), destination: recallFromTopK(d, K, q.relevant) };
}

function userLatency(m: typeof model, ds: TwoTowerDataset, from: number): void {
  const n = Math.min(20_000, ds.size - from);
  // The dataset is these interactions stably sorted by time (every item is known), so example
  // ds.size − n + i is sorted[sorted.length − n + i]: its recent items come from the dataset.
  const sorted = [...interactions].sort((a, b) => a.ts - b.ts);
  const qs: UserQuery[] = [];
  for (let i = 0; i < n; i++) {
    const e = sorted[sorted.length - n + i] as Interaction;
    const at = ds.size - n + i;
    const recent: string[] = [];
    for (let j = 0; j < ds.recentItems; j++) {
      const id = m.encoder.items.tokenAt(ds.recent[at * ds.recentItems + j] as number);
      if (id !== null) recent.push(id);
    }
    qs.push({ userId: e.userId, context: e.context, recentItems: recent, ts: e.ts });
  }
  for (let i = 0; i < 2000; i++) userEmbedding(m, qs[i % n] as UserQuery);
  const us = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    userEmbedding(m, qs[i] as UserQuery);
    us[i] = (performance.now() - t0) * 1000;
  }
  us.sort();
  const pct = (p: number): string => (us[Math.min(n - 1, Math.floor(p * n))] as number).toFixed(1);
  console.log(`\nuser tower (encode + forward, ${n.toLocaleString()} requests): p50 ${pct(0.5)} µs, p99 ${pct(0.99)} µs`);
}
