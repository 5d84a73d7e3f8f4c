/**
 * @module test/support/services
 * Finds the real services integration suites run against. An address comes from the environment
 * (WAYFARER_TEST_POSTGRES_URL, WAYFARER_TEST_REDIS_URL) or, when unset, from the loopback default if a
 * TCP connect succeeds. A missing service skips its suites with a visible message, unless
 * WAYFARER_REQUIRE_SERVICES=1 (set by .ci/run), where it fails the run.
 */
import net from 'node:net';

export interface ServiceProbe {
  url: string | undefined;
  /** Why the suite is skipped, when it is. */
  skipReason: string | undefined;
}

const DEFAULTS = {
  postgres: { env: 'WAYFARER_TEST_POSTGRES_URL', url: 'postgres://postgres@127.0.0.1:5432/test', port: 5432 },
  redis: { env: 'WAYFARER_TEST_REDIS_URL', url: 'redis://127.0.0.1:6379', port: 6379 },
} as const;

function tcpOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Probe a service; prints the skip reason once per suite file when it is absent. */
export async function probeService(name: keyof typeof DEFAULTS): Promise<ServiceProbe> {
  const d = DEFAULTS[name];
  const fromEnv = process.env[d.env];
  const url = fromEnv !== undefined && fromEnv !== '' ? fromEnv : d.url;
  const target = new URL(url);
  const ok = await tcpOpen(target.hostname, Number(target.port || d.port));
  if (ok) return { url, skipReason: undefined };
  const reason = `${name} integration suite SKIPPED: nothing answers at ${target.host} (set ${d.env} to run it)`;
  if (process.env['WAYFARER_REQUIRE_SERVICES'] === '1') {
    throw new Error(`${reason}; WAYFARER_REQUIRE_SERVICES=1 forbids skipping`);
  }
  console.warn(`\n*** ${reason} ***\n`);
  return { url: undefined, skipReason: reason };
}

/** A schema name unique to this test run, so parallel runs never share tables. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}
