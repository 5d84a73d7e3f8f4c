/**
 * @module config/schema
 * The one configuration schema: every field has a default and a comment. Types derive from it.
 */
import { z } from 'zod';

export const postgresSchema = z.object({
  /** postgres://user:pass@host:port/db. Unset: the embedded PGlite database under `<dataDir>/pglite`. */
  url: z.string().min(1).optional(),
  /** Schema holding Wayfarer's tables; created when missing. Tests use one schema per run. */
  schema: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'schema must be a lower-case SQL identifier').default('wayfarer'),
  /** Connections in the pool (PostgreSQL only). */
  poolSize: z.number().int().min(1).max(200).default(10),
});

export const serverSchema = z.object({
  /** Interface to listen on. */
  host: z.string().default('0.0.0.0'),
  /** TCP port of the REST API and dashboard. */
  port: z.number().int().min(0).max(65535).default(8080),
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: z.number().int().min(1024).default(1_048_576),
});

export const importSchema = z.object({
  /** Records written per transaction during bulk imports. */
  batchSize: z.number().int().min(1).max(100_000).default(5000),
  /** Bad rows kept for the end-of-import report (all are counted). */
  maxRejectsReported: z.number().int().min(0).default(50),
});

export const bootstrapSchema = z.object({
  /** On `wayfarer start` with an empty store: generate a synthetic marketplace of this size. */
  users: z.number().int().min(1).default(20_000),
  items: z.number().int().min(1).default(5_000),
  events: z.number().int().min(1).default(500_000),
  /** Seed of the synthetic generator (same seed, same data). */
  seed: z.number().int().default(42),
});

export const redisSchema = z.object({
  /**
   * redis://[user:pass@]host:port[/db] (rediss:// for TLS) of the online feature store. Unset: the
   * in-memory online store (single process; lost on restart, rebuilt by streaming and materialisation).
   */
  url: z.string().min(1).optional(),
  /** Prefix of every key Wayfarer writes, so several deployments (or test runs) can share one Redis. */
  keyPrefix: z.string().min(1).default('wf:'),
  /**
   * Process-local cache of the rows of these entities' views, kept coherent by Redis (server-assisted
   * client-side caching: CLIENT TRACKING with invalidations on a second connection). Item rows are shared
   * by every request, so a ranking request reads only the user's rows from Redis. Needs standalone Redis 6+.
   */
  clientCache: z.object({
    enabled: z.boolean().default(true),
    /** Entities whose rows are cached (one-component keys only, e.g. item). */
    entities: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)).default(['item']),
    /** Rows kept per process; the oldest go first. */
    maxRows: z.number().int().positive().default(200_000),
  }).strict().default({ enabled: true, entities: ['item'], maxRows: 200_000 }),
});

export const featuresSchema = z.object({
  /** Folder of the offline feature history (Parquet segments). Unset: `<dataDir>/features/offline`. */
  offlineDir: z.string().min(1).optional(),
  /**
   * Days of events replayed into the online store at load (and in the rankers' training replay). Applied-event
   * markers live one day longer, so a persistent online store (Redis) drops the replay of what it already has.
   */
  warmupDays: z.number().positive().default(14),
});

const ruleMatchSchema = z.object({
  itemIds: z.array(z.string().min(1)).optional(),
  chain: z.string().min(1).optional(),
  city: z.string().min(1).optional(),
  country: z.string().min(1).optional(),
}).strict();

export const rankingSchema = z.object({
  /** Share of the time range replayed to train the rankers (the candidate models learn from the rest). */
  replayFraction: z.number().gt(0).lt(1).default(0.1),
  /** At most this many labelled requests in the rankers' training. */
  maxGroups: z.number().int().positive().default(20_000),
  /** Items the LambdaMART re-ranker reorders. */
  rerankTop: z.number().int().min(2).max(500).default(50),
  /** Business rules of the last stage. */
  rules: z.object({
    /** Put an item at a 1-based position when it is in the list (it passed every filter). */
    pins: z.array(z.object({ itemId: z.string().min(1), position: z.number().int().min(1) }).strict()).default([]),
    /** Add `by` (relevance is 0–1) to matching items. */
    boosts: z.array(z.object({ match: ruleMatchSchema, by: z.number() }).strict()).default([]),
    /** Move matching items below all others. */
    buries: z.array(ruleMatchSchema).default([]),
    /** Most items of one city / one chain in a response; 0 = no limit. */
    maxPerDestination: z.number().int().min(0).default(0),
    maxPerChain: z.number().int().min(0).default(0),
    /** MMR λ: 1 = relevance only; lower values trade relevance for variety of city, chain, and stars with price band. */
    diversityLambda: z.number().min(0).max(1).default(1),
  }).strict().default({ pins: [], boosts: [], buries: [], maxPerDestination: 0, maxPerChain: 0, diversityLambda: 1 }),
});

export const configSchema = z.object({
  /** Root folder for the embedded database, model artifacts and generated data. Two data dirs never share state. */
  dataDir: z.string().min(1).default('./data'),
  /** Log level of the server's logger (Fastify's pino) (fatal, error, warn, info, debug, trace, silent). */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  postgres: postgresSchema.default(postgresSchema.parse({})),
  server: serverSchema.default(serverSchema.parse({})),
  import: importSchema.default(importSchema.parse({})),
  bootstrap: bootstrapSchema.default(bootstrapSchema.parse({})),
  /** Online feature store connection (Redis, or in memory when unset). */
  redis: redisSchema.default(redisSchema.parse({})),
  /** Feature store storage. */
  features: featuresSchema.default(featuresSchema.parse({})),
  /** Ranking stages: training replay and business rules. */
  ranking: rankingSchema.default(rankingSchema.parse({})),
});

export type Config = z.infer<typeof configSchema>;
