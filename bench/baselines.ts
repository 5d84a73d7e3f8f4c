/**
 * bench/baselines — training and query cost of the baseline candidate models (popularity,
 * co-visitation) and of the filter stage, on structured synthetic interactions: users, items in
 * cities with zipf popularity, sessions of 5–15 events. Prints time, events/s, artifact size, p50/p99.
 * Usage: node --import tsx bench/baselines.ts [--events 2000000] [--users 100000] [--items 50000] [--queries 10000]
 */
import { parseArgs } from 'node:util';
import type { Candidate } from '../src/domain/candidate.ts';
import type { EventType, Interaction } from '../src/domain/types.ts';
import { makeItem } from '../src/domain/types.ts';
import { CovisitationModel, CovisitationTrainer } from '../src/models/covisitation/covisitation.ts';
import { PopularityModel, PopularityTrainer, SEASONS } from '../src/models/popularity/popularity.ts';
import { FilterState, applyFilters } from '../src/pipeline/filter/filter-state.ts';

const { values } = parseArgs({ options: {
  events: { type: 'string', default: '2000000' }, users: { type: 'string', default: '100000' },
  items: { type: 'string', default: '50000' }, queries: { type: 'string', default: '10000' },
} });
const N = Number(values.events);
const USERS = Number(values.users);
const ITEMS = Number(values.items);
const QUERIES = Number(values.queries);
const CITIES = 500;
const COUNTRIES = 40;
const BATCH = 10_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const SPAN = 180 * DAY;

/** Seeded xorshift32 in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}
const rand = rng(20_260_101);

/** Zipf(s = 1) sampler over [0, n) by inverse CDF on a precomputed table. */
function zipf(n: number): () => number {
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) cdf[i] = acc += 1 / (i + 1);
  return () => {
    const u = rand() * acc;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
}

// ---- synthetic stream, kept as typed arrays and materialised batch by batch ----
const perCity = Math.max(1, Math.floor(ITEMS / CITIES));
const cityZipf = zipf(CITIES);
const inCityZipf = zipf(perCity);
const TYPES: EventType[] = ['impression', 'click', 'booking', 'rating', 'search'];
const evUser = new Int32Array(N);
const evItem = new Int32Array(N);
const evType = new Uint8Array(N);
const evTs = new Float64Array(N);
const evSession = new Int32Array(N);

function pickType(): number {
  const u = rand();
  return u < 0.5 ? 0 : u < 0.92 ? 1 : u < 0.97 ? 2 : u < 0.99 ? 3 : 4;
}

function generate(): number {
  let n = 0;
  let sessions = 0;
  while (n < N) {
    const user = Math.floor(rand() * USERS);
    const city = cityZipf();
    const len = Math.min(N - n, 5 + Math.floor(rand() * 11));
    let ts = T0 + rand() * SPAN;
    for (let i = 0; i < len; i++, n++) {
      evUser[n] = user;
      evItem[n] = Math.min(ITEMS - 1, city * perCity + inCityZipf());
      evType[n] = pickType();
      evTs[n] = Math.round(ts);
      evSession[n] = sessions;
      ts += 20_000 + rand() * 160_000;
    }
    sessions++;
  }
  return sessions;
}

const genStart = performance.now();
const sessionCount = generate();
const order = Uint32Array.from({ length: N }, (_, i) => i).sort((a, b) => (evTs[a] as number) - (evTs[b] as number));
const userIds = Array.from({ length: USERS }, (_, i) => `u${i}`);
const itemIds = Array.from({ length: ITEMS }, (_, i) => `h${i}`);
const cityOf = (item: number): string => `c${Math.min(CITIES - 1, Math.floor(item / perCity))}`;
const countryOf = (user: number): string => `C${(user * 2_654_435_761) % COUNTRIES >>> 0}`;

function event(j: number): Interaction {
  const i = order[j] as number;
  const item = evItem[i] as number;
  const user = evUser[i] as number;
  const ts = evTs[i] as number;
  const type = TYPES[evType[i] as number] as EventType;
  return {
    eventId: `e${i}`, userId: userIds[user] as string, itemId: itemIds[item] as string, type,
    value: type === 'rating' ? 1 + (i % 5) : null, ts, sessionId: `s${evSession[i]}`,
    context: { destination: cityOf(item), home_country: countryOf(user), checkin: new Date(ts + 30 * DAY).toISOString().slice(0, 10) },
  };
}
function* batches(): Generator<Interaction[]> {
  for (let s = 0; s < N; s += BATCH) {
    const b: Interaction[] = [];
    for (let j = s; j < Math.min(N, s + BATCH); j++) b.push(event(j));
    yield b;
  }
}
console.log(`data: ${N.toLocaleString()} events, ${sessionCount.toLocaleString()} sessions, ${USERS.toLocaleString()} users, ${ITEMS.toLocaleString()} items `
  + `(generated in ${((performance.now() - genStart) / 1000).toFixed(1)} s)`);

// ---- helpers ----
function pct(samples: Float64Array, p: number): number {
  const s = Float64Array.from(samples).sort();
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
}
function timeQueries(label: string, run: (i: number) => number): void {
  const us = new Float64Array(QUERIES);
  let got = 0;
  for (let i = 0; i < Math.min(1000, QUERIES); i++) run(i); // warm-up
  for (let i = 0; i < QUERIES; i++) {
    const t = process.hrtime.bigint();
    got += run(i);
    us[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  console.log(`  ${label.padEnd(34)} p50 ${pct(us, 0.5).toFixed(1)} µs   p99 ${pct(us, 0.99).toFixed(1)} µs   (avg ${(got / QUERIES).toFixed(1)} results)`);
}
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** Train over every batch, timing only the trainer's own calls. */
function train(label: string, add: (b: Interaction[]) => void): number {
  let ms = 0;
  for (const b of batches()) {
    const t = performance.now();
    add(b);
    ms += performance.now() - t;
  }
  console.log(`  ${label.padEnd(34)} ${(ms / 1000).toFixed(2)} s = ${Math.round(N / (ms / 1000)).toLocaleString()} events/s`);
  return ms;
}

// ---- popularity ----
console.log('\npopularity');
const pop = new PopularityTrainer();
for (let i = 0; i < ITEMS; i++) pop.setItemCity(itemIds[i] as string, cityOf(i));
train('train (add)', (b) => pop.add(b));
let t = performance.now();
const popModel = pop.build();
console.log(`  ${'build'.padEnd(34)} ${((performance.now() - t) / 1000).toFixed(2)} s   ${JSON.stringify(popModel.stats())}`);
t = performance.now();
const popJson = JSON.stringify(popModel.toArtifact());
console.log(`  ${'artifact'.padEnd(34)} ${mb(popJson.length)} (serialised in ${(performance.now() - t).toFixed(0)} ms)`);
t = performance.now();
PopularityModel.fromArtifact(JSON.parse(popJson));
console.log(`  ${'load artifact'.padEnd(34)} ${(performance.now() - t).toFixed(0)} ms`);
const booked = new Set(['h1', 'h2', 'h3', 'h100']);
const notBooked = (id: string): boolean => booked.has(id);
timeQueries('query country×season k=100', (i) => popModel.query({ country: countryOf(i), season: SEASONS[i % 4] ?? 'summer' }, 100, notBooked).length);
timeQueries('query destination k=100', (i) => popModel.query({ destination: `c${cityZipf()}`, country: countryOf(i) }, 100, notBooked).length);
timeQueries('update (online event)', (i) => (popModel.update(event(i % N)), 1));

// ---- co-visitation ----
console.log('\nco-visitation');
const cov = new CovisitationTrainer();
train('train (add)', (b) => cov.add(b));
t = performance.now();
const covModel = cov.build();
console.log(`  ${'build'.padEnd(34)} ${((performance.now() - t) / 1000).toFixed(2)} s   ${JSON.stringify(covModel.stats())}`);
t = performance.now();
const covJson = JSON.stringify(covModel.toArtifact());
console.log(`  ${'artifact'.padEnd(34)} ${mb(covJson.length)} (serialised in ${(performance.now() - t).toFixed(0)} ms)`);
t = performance.now();
CovisitationModel.fromArtifact(JSON.parse(covJson));
console.log(`  ${'load artifact'.padEnd(34)} ${(performance.now() - t).toFixed(0)} ms`);
console.log(`  heap after training both             ${mb(process.memoryUsage().heapUsed)}`);
const recentOf = (i: number): { itemId: string; weight: number }[] => {
  const start = (i * 7919) % (N - 5);
  return Array.from({ length: 1 + (i % 5) }, (_, j) => ({ itemId: itemIds[evItem[start + j] as number] as string, weight: 1 / (j + 1) }));
};
timeQueries('query 1–5 recent items k=100', (i) => covModel.query(recentOf(i), 100, notBooked).length);
timeQueries('similar k=20', (i) => covModel.similar(itemIds[evItem[i] as number] as string, 20).length);
timeQueries('update (event + 10 recent)', (i) => {
  const base = (i * 104_729) % (N - 11);
  const recent = Array.from({ length: 10 }, (_, j) => event(base + j));
  covModel.update(recent, event(base + 10));
  return 1;
});

// ---- filter stage ----
console.log('\nfilter');
const fs = new FilterState();
t = performance.now();
for (let s = 0; s < 1_000_000; s += 100_000) {
  fs.loadItems(Array.from({ length: 100_000 }, (_, i) => makeItem(`x${s + i}`, 'hotel', { status: (s + i) % 97 === 0 ? 'invalid' : 'active', available: (s + i) % 89 === 0 ? false : null })));
}
const catalogMs = performance.now() - t;
console.log(`  ${'catalog scan 1M items'.padEnd(34)} ${catalogMs.toFixed(0)} ms (incl. building the Item objects)`);
train('interactions scan (onEvents)', (b) => fs.onEvents(b));
console.log(`  ${'state'.padEnd(34)} ${JSON.stringify(fs.stats())}`);
const cands: Candidate[] = Array.from({ length: 500 }, (_, i) => ({ itemId: itemIds[(i * 31) % ITEMS] as string, source: 'popular', score: 1, sourceScores: {}, reasons: [] }));
const end = T0 + SPAN;
timeQueries('applyFilters 500 candidates', (i) => applyFilters(cands, { userId: userIds[i % USERS] as string, exclude: ['h0'], now: end }, fs).kept.length);
