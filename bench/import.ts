/**
 * bench/import — bulk-load throughput of the store: N synthetic interactions (default 1,000,000)
 * into PostgreSQL (WAYFARER_BENCH_POSTGRES_URL, default the loopback server) and into file-backed PGlite.
 * Usage: node --import tsx bench/import.ts [--events 1000000] [--batch 5000] [--only postgres|pglite]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createStore } from '../src/adapters/postgres/create-store.ts';
import type { PostgresStore } from '../src/adapters/postgres/postgres-store.ts';
import type { Interaction } from '../src/domain/types.ts';
import { importBatches } from '../src/data/import.ts';

const { values } = parseArgs({ options: {
  events: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '5000' }, only: { type: 'string' },
  concurrency: { type: 'string', default: '3' },
} });
const N = Number(values.events);
const BATCH = Number(values.batch);
const CONCURRENCY = Number(values.concurrency);
const TYPES = ['impression', 'impression', 'impression', 'click', 'click', 'booking'] as const;

/** Deterministic events shaped like the marketplace's (context included), built batch by batch. */
function* events(): Generator<Interaction[]> {
  const t0 = Date.UTC(2026, 0, 1);
  for (let start = 0; start < N; start += BATCH) {
    const batch: Interaction[] = [];
    for (let i = start; i < Math.min(N, start + BATCH); i++) {
      batch.push({
        eventId: `bench:${i}`, userId: `u${(i * 7919) % 100_000}`, itemId: `h${(i * 104_729) % 50_000}`,
        type: TYPES[i % TYPES.length] as Interaction['type'], value: null, ts: t0 + i * 1000, sessionId: `s${Math.floor(i / 12)}`,
        context: { destination: `c${i % 800}`, checkin: '2026-07-01', checkout: '2026-07-04', device: 'mobile', party_size: 2 },
      });
    }
    yield batch;
  }
}

async function run(label: string, store: PostgresStore): Promise<void> {
  const started = performance.now();
  const result = await importBatches((async function* () {
    for (const interactions of events()) yield { users: [], items: [], interactions };
  })(), store, { concurrency: CONCURRENCY });
  const secs = (performance.now() - started) / 1000;
  console.log(`${label.padEnd(12)} ${N.toLocaleString()} events in ${secs.toFixed(1)} s = ${Math.round(N / secs).toLocaleString()} events/s`
    + ` (inserted ${result.inserted.toLocaleString()}, duplicates ${result.duplicates.toLocaleString()}, batch ${BATCH})`);
}

if (values.only !== 'pglite') {
  const url = process.env['WAYFARER_BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `wf_bench_${process.pid}`;
  const store = await createStore({ url, schema, poolSize: 4 });
  try { await run('PostgreSQL', store); } finally { await store.dropSchema(); await store.close(); }
}
if (values.only !== 'postgres') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-bench-pglite-'));
  const store = await createStore({ schema: 'wayfarer', poolSize: 1, pgliteDir: dir });
  try { await run('PGlite', store); } finally { await store.close(); rmSync(dir, { recursive: true, force: true }); }
}
