/**
 * bench/http — end-to-end HTTP load on GET /v1/recommendations with autocannon.
 * Starts `wayfarer start` in a child process (its own data dir; bootstraps the default synthetic
 * catalog on first use), waits for /readyz, then loads it from this process with random users.
 * Usage: node --import tsx bench/http.ts [--duration 30] [--connections 50] [--rate 0] [--warmup 5] [--k 10] [--data-dir ./data/bench-http]
 *   [--users 20000] [--destinations 0]
 * --rate N caps the total at N requests/s (autocannon sends each second's quota in a burst, so latency
 * includes that burst's queueing); 0 = as fast as the connections allow. With 50 connections the loop is
 * saturated and latency ≈ connections / throughput; `--connections 1` measures the service time.
 * --warmup S runs S seconds of unreported load first (JIT, caches). --destinations N gives
 * each request a destination c0…c(N−1) (the synthetic cities), as a search page would.
 * The server inherits the environment (WAYFARER_POSTGRES_URL etc.), so it can serve a prepared store.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({ options: {
  duration: { type: 'string', default: '30' }, connections: { type: 'string', default: '50' },
  k: { type: 'string', default: '10' }, 'data-dir': { type: 'string', default: './data/bench-http' }, port: { type: 'string', default: '8099' },
  users: { type: 'string', default: '20000' }, rate: { type: 'string', default: '0' }, destinations: { type: 'string', default: '0' },
  warmup: { type: 'string', default: '5' },
} });
const port = Number(values.port);
const base = `http://127.0.0.1:${port}`;
const root = path.resolve(import.meta.dirname, '..');

// The server runs as `npm start` runs it (package.json: the same V8 flags).
const startScript = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start'] ?? '';
const nodeFlags = startScript.split(/\s+/).filter((a) => a.startsWith('--max-'));
const server = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'src/main.ts', 'start'], {
  cwd: root, stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, WAYFARER_DATA_DIR: path.resolve(values['data-dir']), WAYFARER_PORT: String(port), WAYFARER_LOG_LEVEL: 'warn' },
});
const stop = (): void => { server.kill('SIGTERM'); };
process.on('exit', stop);

async function waitReady(timeoutMs = 300_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('server did not become ready');
}

await waitReady();
const users = Number(values.users);
const destinations = Number(values.destinations);
const rate = Number(values.rate);
let n = 0;
const warmup = Number(values.warmup);
if (warmup > 0) await autocannon({ url: base, connections: Number(values.connections), duration: warmup, requests: [{ method: 'GET', path: `/v1/recommendations?userId=u1&k=${values.k}` }] });
const result = await autocannon({
  url: base, connections: Number(values.connections), duration: Number(values.duration), ...(rate > 0 ? { overallRate: rate } : {}),
  requests: [{
    method: 'GET',
    // Spread requests over the user base (a multiplicative walk so that neighbours differ).
    setupRequest: (req) => {
      const i = n++;
      const where = destinations > 0 ? `&destination=c${(i * 31) % destinations}` : '';
      return { ...req, path: `/v1/recommendations?userId=u${(i * 7919) % users}&k=${values.k}${where}` };
    },
  }],
});
const l = result.latency;
console.log(`\nGET /v1/recommendations k=${values.k}: ${result.duration} s, ${values.connections} connections${rate > 0 ? `, ${rate} req/s offered` : ''}${destinations > 0 ? `, ${destinations} destinations` : ''}`);
console.log(`requests/s: mean ${result.requests.average.toFixed(0)}, total ${result.requests.total}`);
console.log(`latency ms: p50 ${l.p50}, p90 ${l.p90}, p99 ${l.p99}, max ${l.max}`);
console.log(`errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}`);
stop();
process.exit(0);
