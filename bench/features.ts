/**
 * bench/features — the feature store's three figures:
 *   1. online read of 1 user + N candidates × 20 features from Redis (p50 / p99), through the adapter (its
 *      lookups built beforehand: key building is the caller's work) and through readForRanking (keys,
 *      projection and assembly included): cold (every row from Redis; also the Cluster-style path, one MGET
 *      per hash tag, and the floor: one MGET of the same keys, values not decoded) and with the client-side
 *      cache warm (item rows in the process, user and user×item rows from Redis), each with a user×item
 *      row for every candidate (dense) and for `touched` of them (sparse); and the sparse cached read again
 *      while another client rewrites `churn` random item rows per second (cached rows keep being invalidated);
 *   2. streaming updates per second into Redis (applyEvents: load + fold + compare-and-set commit, both
 *      pipelined per batch), without and with the offline history;
 *   3. a point-in-time historical join of L label rows against R feature rows (Parquet generated here by
 *      DuckDB), through getHistoricalFeatures.
 * Usage: node --max-semi-space-size=64 --import tsx bench/features.ts [--redis redis://127.0.0.1:6379] [--candidates 500]
 *   [--touched 20] [--churn 2000] [--requests 2000] [--events 200000] [--batch 500] [--labels 1000000] [--rows 10000000]
 *   [--entities 100000] [--only online,stream,historical]
 */
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Redis } from 'ioredis';
import { RedisOnlineFeatures } from '../src/adapters/redis/redis-online-features.ts';
import { rowKey } from '../src/adapters/redis/redis-keys.ts';
import { createDuckDbOfflineStore } from '../src/adapters/duckdb/duckdb-offline-store.ts';
import { newSegmentName } from '../src/adapters/duckdb/parquet-layout.ts';
import { defineFeatures, type FeatureDefinitionsInput } from '../src/features/definitions.ts';
import { defaultFeatureDefinitions } from '../src/features/defaults.ts';
import { itemKey, userItemKey, userKey } from '../src/features/entity-key.ts';
import { createFeatureStore } from '../src/features/feature-store.ts';
import { recordLookup, syntheticEvents, syntheticItems, tempDir } from '../src/features/testing.ts';
import { createRng } from '../src/util/rng.ts';
import type { FeatureWrite } from '../src/ports/features.ts';

const { values: flags } = parseArgs({ options: {
  redis: { type: 'string', default: 'redis://127.0.0.1:6379' }, candidates: { type: 'string', default: '500' },
  requests: { type: 'string', default: '2000' }, touched: { type: 'string', default: '20' }, churn: { type: 'string', default: '2000' }, events: { type: 'string', default: '200000' }, batch: { type: 'string', default: '500' },
  labels: { type: 'string', default: '1000000' }, rows: { type: 'string', default: '10000000' }, entities: { type: 'string', default: '100000' },
  only: { type: 'string', default: 'online,stream,historical' },
  'churn-child': { type: 'boolean', default: false }, prefix: { type: 'string' },
} });
const only = new Set(flags.only.split(','));
const DAY = 86_400_000;
const prefix = flags.prefix ?? `wf_bench_${process.pid}_${Date.now().toString(36)}:`;

function quantiles(ms: number[]): string {
  ms.sort((a, b) => a - b);
  const q = (p: number): string => (ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0).toFixed(3);
  return `p50 ${q(0.5)} ms  p99 ${q(0.99)} ms  max ${q(1 - 1e-9)} ms`;
}

async function deleteKeys(client: Redis): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

/**
 * 20 features per candidate: 5 of the user, 10 of the item, 5 of the user×item pair. Two user×item views
 * hold the same features: `dense` has a row for every candidate (the worst case), `sparse` only for the
 * `touched` candidates a user interacted with (a real user's history covers a few of 500 candidates).
 */
function onlineDefinitions(userItemView: string): FeatureDefinitionsInput {
  const view = (name: string, entity: string, n: number) => ({
    name, entity, ttlMs: 30 * DAY, source: { type: 'batch' as const, query: 'SELECT 1' },
    features: Array.from({ length: n }, (_, i) => ({ name: `f${i}`, type: 'float' as const })),
  });
  const views = [view('user_stats', 'user', 5), view('item_stats', 'item', 10), view(userItemView, 'user_item', 5)];
  return {
    entities: [{ name: 'user', keys: ['user'] }, { name: 'item', keys: ['item'] }, { name: 'user_item', keys: ['user', 'item'] }],
    views, services: [{ name: 'ranking', features: views.flatMap((v) => v.features.map((f) => `${v.name}:${f.name}`)) }],
  };
}

async function benchOnline(): Promise<void> {
  const nCand = Number(flags.candidates);
  const requests = Number(flags.requests);
  const touched = Number(flags.touched);
  const online = new RedisOnlineFeatures(new Redis(flags.redis), { keyPrefix: prefix });
  const cachedOnline = new RedisOnlineFeatures(new Redis(flags.redis), { keyPrefix: prefix, clientCache: { entities: ['item'] } });
  await cachedOnline.cacheReady();
  const rng = createRng(1);
  const now = Date.now();
  const users = 100;
  const items = 10_000;
  const cands = Array.from({ length: users }, () => Array.from({ length: nCand }, () => `h${rng.int(items)}`));
  const vals = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, Math.round(rng.next() * 1e6) / 1e3]));
  const uiRow = (view: string, u: number, h: string): FeatureWrite => ({ key: userItemKey(`u${u}`, h), view, eventTs: now, ttlMs: DAY, values: vals(5) });
  const rows: FeatureWrite[] = [
    ...Array.from({ length: users }, (_, u) => ({ key: userKey(`u${u}`), view: 'user_stats', eventTs: now, ttlMs: DAY, values: vals(5) })),
    ...Array.from({ length: items }, (_, i) => ({ key: itemKey(`h${i}`), view: 'item_stats', eventTs: now, ttlMs: DAY, values: vals(10) })),
    ...cands.flatMap((list, u) => list.map((h) => uiRow('dense', u, h))),
    ...cands.flatMap((list, u) => list.slice(0, touched).map((h) => uiRow('sparse', u, h))),
  ];
  for (let i = 0; i < rows.length; i += 5000) await online.write(rows.slice(i, i + 5000));
  console.log(`online: ${rows.length.toLocaleString()} rows in Redis; 1 user + ${nCand} candidates × 20 features per request (5 user, 10 item, 5 user×item), `
    + `${requests} requests per line; load average ${os.loadavg()[0]!.toFixed(1)}`);
  const churn = Number(flags.churn);
  /** Another process rewriting random item rows at `churn` per second until stopped (as the stream does on clicks). */
  const startChurn = () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--churn-child', '--prefix', prefix, '--churn', String(churn), '--redis', flags.redis], { stdio: 'inherit' });
    return { stop: async () => { child.kill('SIGTERM'); await once(child, 'exit'); } };
  };
  const stores = Object.fromEntries((['dense', 'sparse'] as const).flatMap((ui) => [
    [`${ui} cold`, createFeatureStore({ online, definitions: defineFeatures(onlineDefinitions(ui)), itemLookup: recordLookup({}) })],
    [`${ui} cached`, createFeatureStore({ online: cachedOnline, definitions: defineFeatures(onlineDefinitions(ui)), itemLookup: recordLookup({}) })],
  ]));
  const lookups = (u: number, ui: string) => [
    { view: 'user_stats', keys: [userKey(`u${u}`)] }, { view: 'item_stats', keys: cands[u]!.map(itemKey) },
    { view: ui, keys: cands[u]!.map((h) => userItemKey(`u${u}`, h)) },
  ];
  const dense = Array.from({ length: users }, (_, u) => lookups(u, 'dense'));
  const sparse = Array.from({ length: users }, (_, u) => lookups(u, 'sparse'));
  // The floor: the same rows fetched without decoding (items and the user by MGET, user×item by HGETALL).
  const floorKeys = dense.map((ls) => ls.slice(0, 2).flatMap(({ view, keys }) => keys.map((k) => rowKey(prefix, view, k))));
  const floor = async (u: number): Promise<void> => {
    const p = clusterClient.pipeline();
    p.mgetBuffer(...floorKeys[u]!);
    p.callBuffer('HGETALL', rowKey(prefix, 'dense', userItemKey(`u${u}`, 'x')));
    await p.exec();
  };
  const clusterClient = new Redis(flags.redis);
  const clusterStyle = new RedisOnlineFeatures(new Proxy(clusterClient, { get: (t, p) => (p === 'isCluster' ? true : (Reflect.get(t, p) as unknown)) }), { keyPrefix: prefix });
  const bytes = await Promise.all(dense[0]!.slice(0, 2).map(({ view, keys }) => clusterClient.strlen(rowKey(prefix, view, keys[0]!))));
  bytes.push(await clusterClient.hstrlen(rowKey(prefix, 'dense', userItemKey('u0', 'x')), `item=${cands[0]![0]!}`));
  console.log(`  stored value bytes per row: user ${bytes[0]} (5 features), item ${bytes[1]} (10), user×item ${bytes[2]} (5)`);
  console.log(`  cold = every row from Redis; cached = item rows from the process (client-side cache kept coherent by Redis), user and user×item rows from Redis`);
  console.log(`  dense = a user×item row for every candidate (worst case); sparse = for ${touched} of the ${nCand} candidates`);
  for (const [label, run] of [
    ['dense, cold: adapter read (one MGET)', (u: number) => online.read(dense[u]!)],
    ['dense, cold: readForRanking', (u: number) => stores['dense cold']!.readForRanking(`u${u}`, cands[u]!)],
    ['dense, cold: Cluster-style (command per tag)', (u: number) => clusterStyle.read(dense[u]!)],
    ['dense, cold floor: fetch, nothing decoded', floor],
    ['dense, cached: adapter read', (u: number) => cachedOnline.read(dense[u]!)],
    ['dense, cached: readForRanking', (u: number) => stores['dense cached']!.readForRanking(`u${u}`, cands[u]!)],
    ['sparse, cold: adapter read', (u: number) => online.read(sparse[u]!)],
    ['sparse, cold: readForRanking', (u: number) => stores['sparse cold']!.readForRanking(`u${u}`, cands[u]!)],
    ['sparse, cached: adapter read', (u: number) => cachedOnline.read(sparse[u]!)],
    ['sparse, cached: readForRanking', (u: number) => stores['sparse cached']!.readForRanking(`u${u}`, cands[u]!)],
    [`sparse, cached, ${churn} item updates/s: adapter read`, (u: number) => cachedOnline.read(sparse[u]!)],
  ] as const) {
    // The last line runs while another process rewrites random item rows at `churn` per second (as the
    // stream does on clicks), so cached rows keep being invalidated and re-read. It shares the 2 cores.
    const churning = label.includes('updates/s') ? startChurn() : undefined;
    for (let i = 0; i < 200; i++) await run(i % users);
    const ms: number[] = [];
    const redis0 = await redisCpuSeconds(clusterClient);
    const cache0 = cachedOnline.cacheStats()!;
    const cpu = process.cpuUsage();
    for (let i = 0; i < requests; i++) {
      const t = performance.now();
      await run((i * 37) % users);
      ms.push(performance.now() - t);
    }
    const node = process.cpuUsage(cpu);
    const redisMs = ((await redisCpuSeconds(clusterClient)) - redis0) * 1000 / requests;
    await churning?.stop();
    const cache1 = cachedOnline.cacheStats()!;
    const hits = cache1.hits - cache0.hits;
    const hitRate = label.includes('cached') ? `, item cache hits ${(100 * hits / Math.max(1, hits + cache1.misses - cache0.misses)).toFixed(1)} %` : '';
    console.log(`  ${label.padEnd(42)} ${quantiles(ms)}  | CPU per request: Node ${((node.user + node.system) / 1000 / requests).toFixed(3)} ms, Redis ${redisMs.toFixed(3)} ms${hitRate}`);
  }
  for (const ui of ['dense', 'sparse'] as const) {
    const cold = await stores[`${ui} cold`]!.readForRanking('u0', cands[0]!);
    const warm = await stores[`${ui} cached`]!.readForRanking('u0', cands[0]!);
    const filled = cold.values.flat().filter((v) => v !== null).length;
    if (JSON.stringify(cold.values) !== JSON.stringify(warm.values)) throw new Error(`${ui}: cached and cold reads differ`);
    console.log(`  (check, ${ui}: ${filled.toLocaleString()} of ${(nCand * 20).toLocaleString()} values present; cached read identical to the cold one)`);
  }
  await clusterStyle.close();
  const cleaner = new Redis(flags.redis);
  await deleteKeys(cleaner);
  await cleaner.quit();
  await online.close();
  await cachedOnline.close();
}

async function redisCpuSeconds(client: Redis): Promise<number> {
  const info = await client.info('cpu');
  const get = (name: string): number => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return get('used_cpu_user') + get('used_cpu_sys');
}

async function benchStream(withOffline: boolean): Promise<void> {
  const defs = defaultFeatureDefinitions();
  const n = Number(flags.events);
  const batch = Number(flags.batch);
  const online = new RedisOnlineFeatures(new Redis(flags.redis), { keyPrefix: prefix });
  const tmp = await tempDir('bench-stream');
  const offline = withOffline ? await createDuckDbOfflineStore({ dir: tmp.dir, definitions: defs }) : undefined;
  const start = Date.now() - 2 * DAY;
  const events = syntheticEvents({ count: n, users: 20_000, items: 5000, start, gapMs: Math.max(1, Math.floor(DAY / n)), seed: 9 });
  const store = createFeatureStore({ online, offline, definitions: defs, itemLookup: recordLookup(syntheticItems(5000)), clock: () => start + 2 * DAY });
  let updates = 0;
  let retries = 0;
  const probe = new Redis(flags.redis);
  const redisCpu0 = await redisCpuSeconds(probe);
  const cpu = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < n; i += batch) {
    const r = await store.applyEvents(events.slice(i, i + batch));
    updates += r.featureUpdates;
    retries += r.retries;
  }
  await store.flush();
  const s = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const redisCpu = (await redisCpuSeconds(probe)) - redisCpu0;
  await probe.quit();
  console.log(`stream${withOffline ? ' + offline history' : ''}: ${n.toLocaleString()} events in batches of ${batch} in ${s.toFixed(2)} s → ${(n / s).toFixed(0)} events/s, `
    + `${(updates / s).toFixed(0)} feature updates/s (${(updates / n).toFixed(1)} per event; ${retries} retries)`);
  console.log(`  CPU: Node ${((used.user + used.system) / 1e6).toFixed(1)} s, Redis ${redisCpu.toFixed(1)} s; load average ${os.loadavg()[0]!.toFixed(1)}`);
  const redo = await store.applyEvents(events.slice(0, batch));
  console.log(`  redelivery of ${batch} events: applied ${redo.applied}, duplicates ${redo.duplicates}`);
  const cleaner = new Redis(flags.redis);
  await deleteKeys(cleaner);
  await cleaner.quit();
  await online.close();
  await offline?.close();
  await tmp.remove();
}

async function benchHistorical(): Promise<void> {
  const nRows = Number(flags.rows);
  const nLabels = Number(flags.labels);
  const entities = Number(flags.entities);
  const nFeatures = 10;
  const defs = defineFeatures({
    entities: [{ name: 'item', keys: ['item'] }],
    views: [{
      name: 'item_hist', entity: 'item', ttlMs: 7 * DAY, source: { type: 'batch', query: 'SELECT 1' },
      features: Array.from({ length: nFeatures }, (_, i) => ({ name: `f${i}`, type: 'float' as const })),
    }],
    services: [{ name: 'hist', features: Array.from({ length: nFeatures }, (_, i) => `item_hist:f${i}`) }],
  });
  const tmp = await tempDir('bench-hist');
  const T0 = Date.UTC(2026, 0, 1);
  const spanMs = 90 * DAY;
  const files = 10;
  let t = performance.now();
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await db.connect();
  await mkdir(path.join(tmp.dir, 'item_hist'), { recursive: true });
  const per = Math.ceil(nRows / files);
  for (let f = 0; f < files; f++) {
    const file = path.join(tmp.dir, 'item_hist', newSegmentName(T0 + f));
    // Event times spread over 90 days; 90 % known within a minute, 10 % created up to 2 days late.
    await conn.run(`COPY (
      SELECT 'item=h' || (i % ${entities}) AS entity_key, ev AS event_ts,
        (ev + CASE WHEN hash(i, 1) % 10 = 0 THEN hash(i, 2) % ${2 * DAY} ELSE hash(i, 3) % 60000 END)::BIGINT AS created_ts,
        ${Array.from({ length: nFeatures }, (_, k) => `(hash(i, ${k + 10}) % 1000000) / 1000.0 AS f${k}`).join(', ')}
      FROM (SELECT i, (${T0} + hash(i, 0) % ${spanMs})::BIGINT AS ev FROM range(${f * per}, ${Math.min(nRows, (f + 1) * per)}) r(i))
    ) TO '${file}' (FORMAT parquet)`);
  }
  conn.closeSync();
  db.closeSync();
  console.log(`historical: generated ${nRows.toLocaleString()} feature rows (${entities.toLocaleString()} items, ${nFeatures} features, ${files} files) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const rng = createRng(4);
  const labels = Array.from({ length: nLabels }, () => ({ entityKey: itemKey(`h${rng.int(entities)}`), ts: T0 + rng.int(spanMs) }));
  const offline = await createDuckDbOfflineStore({ dir: tmp.dir, definitions: defs });
  t = performance.now();
  const cpu = process.cpuUsage();
  const out = await getHist(offline, defs, labels);
  const s = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const hits = out.rows.filter((r) => r.values[0] !== null).length;
  console.log(`  getHistoricalFeatures: ${nLabels.toLocaleString()} labels × ${nRows.toLocaleString()} rows in ${s.toFixed(2)} s wall, `
    + `${((used.user + used.system) / 1e6).toFixed(1)} s CPU on ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)} `
    + `(${hits.toLocaleString()} labels with a visible, fresh row)`);
  await offline.close();
  await tmp.remove();
}

async function getHist(offline: Awaited<ReturnType<typeof createDuckDbOfflineStore>>, defs: ReturnType<typeof defineFeatures>, labels: { entityKey: string; ts: number }[]) {
  const { getHistoricalFeatures } = await import('../src/features/historical.ts');
  return getHistoricalFeatures(offline, defs, labels, 'hist');
}

/** The --churn-child process: rewrite random item rows of the online bench at --churn per second until SIGTERM. */
async function churnChild(): Promise<void> {
  const writer = new RedisOnlineFeatures(new Redis(flags.redis), { keyPrefix: prefix });
  const rng = createRng(2);
  const rate = Number(flags.churn);
  let on = true;
  process.on('SIGTERM', () => { on = false; });
  const t0 = performance.now();
  let writes = 0;
  while (on) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate) - writes;
    if (due > 0) {
      const values = () => Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, Math.round(rng.next() * 1e6) / 1e3]));
      await writer.write(Array.from({ length: due }, () => ({ key: itemKey(`h${rng.int(10_000)}`), view: 'item_stats', eventTs: Date.now(), ttlMs: DAY, values: values() })));
      writes += due;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await writer.close();
}

if (flags['churn-child']) {
  await churnChild();
  process.exit(0);
}

console.log(`feature store bench — Node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, ${new Date().toISOString()}`);
if (only.has('online')) await benchOnline();
if (only.has('stream')) { await benchStream(false); await benchStream(true); }
if (only.has('historical')) await benchHistorical();
