/**
 * bench/recommend — in-process latency of the serving pipeline (no HTTP): engine.recommend and
 * the Fastify route through inject, p50/p99 over random users, and each pipeline stage's latency.
 * Needs a data dir that holds a promoted model (run `wayfarer start` or bench/http.ts once). The V8 flag
 * is the one `npm start` serves with (README, Configuration): without it the tail is the GC's.
 * Usage: node --max-semi-space-size=64 --import tsx bench/recommend.ts [--data-dir ./data/bench-http] [--requests 20000] [--k 10] [--users 20000]
 */
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/load-config.ts';

const { values } = parseArgs({ options: {
  'data-dir': { type: 'string', default: './data/bench-http' }, requests: { type: 'string', default: '20000' },
  k: { type: 'string', default: '10' }, users: { type: 'string', default: '20000' },
} });
const N = Number(values.requests);
const k = Number(values.k);
const users = Number(values.users);
const env = { ...process.env, WAYFARER_DATA_DIR: values['data-dir'], WAYFARER_LOG_LEVEL: 'silent' } as Record<string, string>;
const app = await buildApp(loadConfig('', env), { logger: false, recordServedAsShown: false });
const engine = await app.loadEngine();

function summary(label: string, ms: number[]): void {
  ms.sort((a, b) => a - b);
  const q = (p: number): string => (ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0).toFixed(3);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  console.log(`${label.padEnd(28)} mean ${mean.toFixed(3)} ms  p50 ${q(0.5)}  p99 ${q(0.99)}  max ${q(1 - 1e-9)}  → ${(1000 / mean).toFixed(0)} req/s on one core`);
}

for (const [label, input] of [
  ['known users, no context', (i: number) => ({ userId: `u${(i * 7919) % users}`, k })],
  ['with destination context', (i: number) => ({ userId: `u${(i * 7919) % users}`, k, destination: `c${i % 80}`, checkin: '2026-07-01' })],
  ['cold-start users', (i: number) => ({ userId: `new-${i}`, k, country: 'DE' })],
] as const) {
  const ms: number[] = [];
  const byStage = new Map<string, number[]>();
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    const r = await engine.recommend(input(i));
    ms.push(performance.now() - t);
    for (const s of r.stages) {
      const list = byStage.get(s.name);
      if (list === undefined) byStage.set(s.name, [s.ms]);
      else list.push(s.ms);
    }
  }
  summary(label, ms);
  for (const [stage, list] of byStage) summary(`  stage ${stage}`, list);
}
const ms: number[] = [];
for (let i = 0; i < N / 4; i++) {
  const t = performance.now();
  await app.server.inject({ method: 'GET', url: `/v1/recommendations?userId=u${(i * 7919) % users}&k=${k}` });
  ms.push(performance.now() - t);
}
summary('HTTP route (inject)', ms);
await app.close();
