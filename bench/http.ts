/**
 * bench/http — end-to-end HTTP load on GET /v1/recommendations with autocannon.
 * Starts `wayfarer start` in a child process (its own data dir; bootstraps the default synthetic
 * catalog on first use), waits for /readyz, then loads it from this process with random users.
 * Usage: node --import tsx bench/http.ts [--duration 30] [--connections 50] [--k 10] [--data-dir ./data/bench-http]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({ options: {
  duration: { type: 'string', default: '30' }, connections: { type: 'string', default: '50' },
  k: { type: 'string', default: '10' }, 'data-dir': { type: 'string', default: './data/bench-http' }, port: { type: 'string', default: '8099' },
  users: { type: 'string', default: '20000' },
} });
const port = Number(values.port);
const base = `http://127.0.0.1:${port}`;
const root = path.resolve(import.meta.dirname, '..');

const server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], {
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
let n = 0;
const result = await autocannon({
  url: base, connections: Number(values.connections), duration: Number(values.duration),
  requests: [{
    method: 'GET',
    // Spread requests over the user base (a multiplicative walk so that neighbours differ).
    setupRequest: (req) => ({ ...req, path: `/v1/recommendations?userId=u${(n++ * 7919) % users}&k=${values.k}` }),
  }],
});
const l = result.latency;
console.log(`\nGET /v1/recommendations k=${values.k}: ${result.duration} s, ${values.connections} connections`);
console.log(`requests/s: mean ${result.requests.average.toFixed(0)}, total ${result.requests.total}`);
console.log(`latency ms: p50 ${l.p50}, p90 ${l.p90}, p99 ${l.p99}, max ${l.max}`);
console.log(`errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}`);
stop();
process.exit(0);
