/**
 * bench/candidates — the candidate stage at catalog scale (default 1M items × 64 dims): the
 * two-tower user tower per request + HNSW top-N (the serving default: hnswlib, efSearch 160) +
 * co-visitation of recent items + popularity in context, merged by RRF. Items are seeded clustered
 * unit vectors (adapters/ann/clustered-vectors); the user tower is a freshly initialised two-tower
 * over a 1M-item vocabulary (latency does not depend on the weights). Prints p50/p99/max of the
 * whole stage per request kind, and of the user tower and the ANN search alone.
 * Usage: node --import tsx bench/candidates.ts [--items 1000000] [--users 100000] [--events 2000000]
 *          [--requests 5000] [--k 10] [--ef 160] [--out DIR] [--index DIR]
 * --index opens an already saved index of the same items (ids i0…) instead of building one;
 * otherwise the index is built once into --out and reused by later runs.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HnswlibIndex } from '../src/adapters/ann/hnswlib-index.ts';
import { clusteredVectors } from '../src/adapters/ann/clustered-vectors.ts';
import { openVectorIndex } from '../src/adapters/ann/open-vector-index.ts';
import type { Interaction, Item } from '../src/domain/types.ts';
import { makeItem } from '../src/domain/types.ts';
import { CovisitationTrainer } from '../src/models/covisitation/covisitation.ts';
import { PopularityTrainer, seasonOf } from '../src/models/popularity/popularity.ts';
import { FeatureEncoder, createTwoTowerModel, resolveTwoTowerConfig } from '../src/models/two-tower/index.ts';
import { ServingCatalog } from '../src/pipeline/catalog.ts';
import { FilterState } from '../src/pipeline/filter/filter-state.ts';
import { ItemVectors } from '../src/pipeline/item-vectors.ts';
import { retrievalStages, DEFAULT_PIPELINE_OPTIONS } from '../src/pipeline/recommend.ts';
import type { RequestContext } from '../src/pipeline/stage.ts';
import { TwoTowerSource } from '../src/pipeline/two-tower-source.ts';
import { createRng } from '../src/util/rng.ts';
import type { VectorIndex } from '../src/ports/vector-index.ts';

const { values } = parseArgs({ options: {
  items: { type: 'string', default: '1000000' }, users: { type: 'string', default: '100000' }, events: { type: 'string', default: '2000000' },
  requests: { type: 'string', default: '5000' }, k: { type: 'string', default: '10' }, ef: { type: 'string', default: '160' },
  out: { type: 'string', default: path.join(os.tmpdir(), 'wayfarer-bench-candidates') }, index: { type: 'string' },
} });
const N = Number(values.items);
const USERS = Number(values.users);
const EVENTS = Number(values.events);
const REQUESTS = Number(values.requests);
const K = Number(values.k);
const DIM = 64;
const CITIES = Math.max(50, Math.round(N / 500));
const COUNTRIES = 60;
const T0 = Date.UTC(2026, 0, 1);
const started = performance.now();
const log = (msg: string): void => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}`);
const rng = createRng(7);

// ---- catalog and item embeddings ----
log(`${N.toLocaleString('en-US')} items × ${DIM} clustered unit vectors, ${CITIES} cities`);
const data = clusteredVectors({ n: N, dim: DIM, latentDim: 16, seed: 'bench-ann' });
const ids = Array.from({ length: N }, (_, i) => `i${i}`);
const cityOf = (i: number): number => Math.floor((i * CITIES) / N);
const items: Item[] = ids.map((id, i) => makeItem(id, 'hotel', { city: `c${cityOf(i)}`, country: `k${cityOf(i) % COUNTRIES}`, price: 40 + (i % 300), stars: 1 + (i % 5) }));
const catalog = new ServingCatalog();
catalog.addItems(items);
const filters = new FilterState();
filters.loadItems(items);
const vectors = ItemVectors.of(ids, data.vectors, DIM);

async function loadIndex(): Promise<VectorIndex> {
  const dir = values.index ?? path.join(values.out, `hnswlib-${N}x${DIM}`);
  if (existsSync(path.join(dir, 'header.json'))) {
    const t = performance.now();
    const index = await openVectorIndex(dir, { efSearch: Number(values.ef) });
    log(`index opened from ${dir} in ${((performance.now() - t) / 1000).toFixed(1)} s (${index.size.toLocaleString('en-US')} items)`);
    return index;
  }
  log(`building the HNSW index (hnswlib, M 16, efConstruction 128, one thread) — minutes at 1M`);
  const t = performance.now();
  const index = new HnswlibIndex({ dim: DIM, m: 16, efConstruction: 128, efSearch: Number(values.ef), initialCapacity: N });
  index.add(ids, data.vectors);
  await index.save(dir);
  log(`built and saved to ${dir} in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  return index;
}
const index = await loadIndex();

// ---- baselines on synthetic sessions: users stay in a city, items by zipf-ish popularity within it ----
log(`training popularity and co-visitation on ${EVENTS.toLocaleString('en-US')} synthetic events`);
const perCity = N / CITIES;
const pop = new PopularityTrainer();
const covis = new CovisitationTrainer();
for (const it of items) pop.setItemCity(it.id, it.city);
const home = (u: number): string => `k${u % COUNTRIES}`;
let ts = T0;
for (let done = 0; done < EVENTS;) {
  const batch: Interaction[] = [];
  while (batch.length < 10_000 && done < EVENTS) {
    const u = rng.int(USERS);
    const city = Math.floor(CITIES * rng.next() ** 2);
    const len = 3 + rng.int(8);
    for (let j = 0; j < len && done < EVENTS; j++, done++) {
      const item = Math.min(N - 1, Math.floor(city * perCity + perCity * rng.next() ** 3));
      ts += 7_000;
      batch.push({ eventId: `e${done}`, userId: `u${u}`, itemId: `i${item}`, type: rng.next() < 0.9 ? 'click' : 'booking', value: null, ts, sessionId: `s${u}-${city}`, context: { destination: `c${city}` } });
    }
  }
  pop.add(batch, (userId) => home(Number(userId.slice(1))));
  covis.add(batch);
}
const popularity = pop.build();
const covisitation = covis.build();

// ---- a user tower over a 1M-item vocabulary ----
const encoder = new FeatureEncoder({
  users: Array.from({ length: USERS }, (_, u) => `u${u}`), items: ids, cities: Array.from({ length: CITIES }, (_, c) => `c${c}`),
  countries: Array.from({ length: COUNTRIES }, (_, c) => `k${c}`), devices: ['mobile', 'desktop', 'tablet'], chains: [], priceEdges: [60, 90, 120, 160, 220, 280, 320],
}, 10);
const model = createTwoTowerModel(resolveTwoTowerConfig({}), encoder, 1);
const twoTower = new TwoTowerSource(model, index, vectors);
const [stage] = retrievalStages({ popularity, covisitation, catalog, twoTower }, filters, DEFAULT_PIPELINE_OPTIONS);
if (stage === undefined) throw new Error('no candidate stage');
log(`ready; ${REQUESTS.toLocaleString('en-US')} requests per kind at k = ${K} (quota ${Math.max(40, 4 * K)} per source)`);

function context(i: number, kind: 'known' | 'destination' | 'cold'): RequestContext {
  const u = (i * 7919) % USERS;
  const city = Math.floor(CITIES * ((i * 0.6180339887) % 1) ** 2);
  const recentItems = kind === 'cold' ? [] : Array.from({ length: 10 }, (_, j) => `i${Math.floor(city * perCity + ((i * 31 + j * 97) % perCity))}`);
  const now = T0 + 200 * 86_400_000;
  return {
    userId: kind === 'cold' ? `new-${i}` : `u${u}`, k: K, known: kind !== 'cold', country: home(u), device: 'mobile',
    destination: kind === 'destination' ? `c${city}` : null, checkin: kind === 'destination' ? '2026-08-01' : null, checkout: kind === 'destination' ? '2026-08-04' : null,
    season: seasonOf(now), exclude: new Set(recentItems.slice(0, 3)), recent: recentItems.map((itemId, j) => ({ itemId, weight: 0.85 ** j })),
    recentItems, degraded: [], now,
  };
}

function stats(ms: Float64Array): string {
  ms.sort();
  const q = (p: number): string => (ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0).toFixed(3);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  return `mean ${mean.toFixed(3)}  p50 ${q(0.5)}  p99 ${q(0.99)}  max ${q(1 - 1e-9)}`;
}

/**
 * Wall-clock ms per call, and CPU ms of this process per call (getrusage): on a shared machine
 * the wall p99 includes time the process waited for a core; the CPU figure does not.
 */
function time(label: string, n: number, f: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(500, n); i++) f(n + i); // warm-up
  const ms = new Float64Array(n);
  const cpu = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    f(i);
    ms[i] = performance.now() - t;
    const d = process.cpuUsage(c);
    cpu[i] = (d.user + d.system) / 1000;
  }
  console.log(`${label.padEnd(46)} wall ms: ${stats(ms)}`);
  console.log(`${''.padEnd(46)}  CPU ms: ${stats(cpu)}`);
}

time('user tower (1 request)', REQUESTS, (i) => twoTower.userVector(context(i, 'known')));
const quota = Math.max(40, 4 * K);
// One user vector per request, as in serving (a repeated query would find the graph in cache).
const queries = Array.from({ length: REQUESTS + 500 }, (_, i) => twoTower.userVector(context(i, 'known')));
time(`ANN search alone, k = ${quota}`, REQUESTS, (i) => index.search(queries[i] as Float32Array, quota));
time('two-tower source (tower + ANN + filter)', REQUESTS, (i) => twoTower.query(context(i, 'known'), quota, () => false));
time('co-visitation source (10 recent items)', REQUESTS, (i) => covisitation.query(context(i, 'known').recent, quota));
time('popularity source (country, season)', REQUESTS, (i) => popularity.query({ country: home(i % USERS), destination: null, season: 'summer' }, quota));
for (const kind of ['known', 'destination', 'cold'] as const) {
  time(`candidate stage: ${kind === 'known' ? 'known user, 10 recent items' : kind === 'destination' ? 'with a destination (exact in city)' : 'cold user, no history'}`, REQUESTS, (i) => {
    void stage.run([], context(i, kind));
  });
  const sample = stage.run([], context(1, kind));
  const merged = Array.isArray(sample) ? sample : [];
  const perSource = new Map<string, number>();
  for (const c of merged) for (const s of Object.keys(c.sourceScores)) perSource.set(s, (perSource.get(s) ?? 0) + 1);
  console.log(`  e.g. ${merged.length} candidates, by source: ${[...perSource].map(([s, n]) => `${s} ${n}`).join(', ')}`);
}
log(`done; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
twoTower.close();
