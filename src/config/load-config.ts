/**
 * @module config/load-config
 * Pure config loading: `loadConfig(text, env)` parses JSON text, applies WAYFARER_* overrides,
 * validates, and freezes. Reading files and process.env happens in main.ts only.
 */
import { configSchema, type Config } from './schema.ts';
import { RecsysError, ERROR_CODES } from '../errors.ts';
import { redactUrl } from '../util/redact.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Environment variable → path in the config object, and how to parse the value. */
const ENV_OVERRIDES: ReadonlyArray<[string, readonly string[], (v: string) => unknown]> = [
  ['WAYFARER_DATA_DIR', ['dataDir'], (v) => v],
  ['WAYFARER_LOG_LEVEL', ['logLevel'], (v) => v],
  ['WAYFARER_POSTGRES_URL', ['postgres', 'url'], (v) => v],
  ['WAYFARER_POSTGRES_SCHEMA', ['postgres', 'schema'], (v) => v],
  ['WAYFARER_HOST', ['server', 'host'], (v) => v],
  ['WAYFARER_PORT', ['server', 'port'], Number],
  ['WAYFARER_REDIS_URL', ['redis', 'url'], (v) => v],
  ['WAYFARER_REDIS_PREFIX', ['redis', 'keyPrefix'], (v) => v],
];

/** Parse config text (JSON; empty means all defaults) and environment overrides into a frozen Config. */
export function loadConfig(text: string, env: Env): Config {
  let raw: unknown = {};
  if (text.trim() !== '') {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new RecsysError({ code: ERROR_CODES.CONFIG, message: `config is not valid JSON: ${(err as Error).message}`, cause: err });
    }
  }
  const merged = applyEnv(raw, env);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new RecsysError({ code: ERROR_CODES.CONFIG, message: `invalid configuration: ${issues}` });
  }
  return deepFreeze(parsed.data);
}

function applyEnv(raw: unknown, env: Env): unknown {
  const root = (typeof raw === 'object' && raw !== null ? structuredClone(raw) : {}) as Record<string, unknown>;
  for (const [name, path, parse] of ENV_OVERRIDES) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    let node = root;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = parse(value);
  }
  return root;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** A one-line-per-field summary with secrets (passwords in URLs) redacted, for the start-up log. */
export function redactedSummary(config: Config): Record<string, unknown> {
  return {
    dataDir: config.dataDir,
    postgres: { url: config.postgres.url === undefined ? '(embedded PGlite)' : redactUrl(config.postgres.url), schema: config.postgres.schema, poolSize: config.postgres.poolSize },
    server: config.server,
    import: config.import,
    bootstrap: config.bootstrap,
    redis: { url: config.redis.url === undefined ? '(in-memory online store)' : redactUrl(config.redis.url), keyPrefix: config.redis.keyPrefix },
    features: { offlineDir: config.features.offlineDir ?? '(<dataDir>/features/offline)' },
  };
}
