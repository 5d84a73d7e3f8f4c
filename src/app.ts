/**
 * @module app
 * The composition root: the only place adapters are constructed. The CLI and the server get
 * their store, registry, engine and HTTP server from here.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.ts';
import { createStore, pgliteDirOf } from './adapters/postgres/create-store.ts';
import type { PostgresStore } from './adapters/postgres/postgres-store.ts';
import { FsArtifactStore } from './adapters/filesystem/fs-artifact-store.ts';
import type { Store } from './ports/store.ts';
import { BruteForceIndex } from './adapters/ann/brute-force-index.ts';
import { HnswlibIndex } from './adapters/ann/hnswlib-index.ts';
import { openVectorIndex } from './adapters/ann/open-vector-index.ts';
import { ModelRegistry, type ModelManifest } from './training/registry.ts';
import { storeTrainingData } from './training/train-baselines.ts';
import { trainStages, type TrainStagesOptions } from './training/train-stages.ts';
import type { RankingStageOptions } from './training/train-ranking.ts';
import { openFeatureStore, type OpenedFeatureStore } from './features/open-feature-store.ts';
import { catalogLookup, type ServingCatalog } from './pipeline/catalog.ts';
import type { VectorIndexFactory } from './pipeline/two-tower-source.ts';
import { createServingMetrics, registerFeatureCacheMetrics, type ServingMetrics } from './api/metrics.ts';
import { createServer } from './api/server.ts';
import { loadEngine } from './pipeline/engine-load.ts';
import type { Engine, EngineDeps } from './pipeline/engine.ts';

export const VERSION = '0.1.0';

/** Open the configured store (PostgreSQL when a URL is set, else PGlite under the data dir), migrated. */
export function openStore(config: Config): Promise<PostgresStore> {
  return createStore({
    url: config.postgres.url,
    schema: config.postgres.schema,
    poolSize: config.postgres.poolSize,
    pgliteDir: pgliteDirOf(path.resolve(config.dataDir)),
  });
}

/** The model registry on the artifact store (a folder under the data dir; index folders are opened in place). */
export function openRegistry(config: Config): ModelRegistry {
  const root = path.join(path.resolve(config.dataDir), 'artifacts');
  return new ModelRegistry(new FsArtifactStore(root), { localRoot: root });
}

/**
 * Catalogs below this size get the exact BruteForceIndex: a scan costs ≈ 50 ns per item, so at
 * 5k items it alone took 0.3 ms of the ≈ 0.15 ms a request may cost at 2k+ req/s (bench/http.ts
 * fell from 2.7k to 1.2k req/s). Larger catalogs use HNSW on hnswlib-node with the ANN adapters'
 * measured defaults (hnswlib-index.ts: M 16, efConstruction 256, efSearch 128 gave recall@100
 * 0.96 at 3.6–4.0k queries/s on one core at 1M items).
 */
export const EXACT_INDEX_BELOW = 1_000;

/** The vector-index adapters of the two-tower source. */
export const vectorIndexes: VectorIndexFactory = {
  create: (dim, size) => (size < EXACT_INDEX_BELOW
    ? new BruteForceIndex({ dim, initialCapacity: Math.max(1024, size) })
    : new HnswlibIndex({ dim, m: 16, efConstruction: 256, efSearch: 128, initialCapacity: Math.max(1024, size) })),
  open: (dir) => openVectorIndex(dir),
};

/** What `trainAndPromote` trains: two-tower options, and the rankers' settings (false: no rankers). */
export interface TrainOptions {
  twoTower?: TrainStagesOptions['twoTower'];
  ranking?: Omit<RankingStageOptions, 'store'> | false;
}

/** The rankers' training settings from the config. */
export function rankingOptions(config: Config): Omit<RankingStageOptions, 'store'> {
  return { fraction: config.ranking.replayFraction, maxGroups: config.ranking.maxGroups, rerankTop: config.ranking.rerankTop, warmupDays: config.features.warmupDays };
}

/** Train every available stage from the store, register the version and promote it. */
export async function trainAndPromote(
  store: Store, registry: ModelRegistry, log: (line: string) => void, onProgress?: (n: number) => void, options: TrainOptions = {},
): Promise<ModelManifest> {
  const started = Date.now();
  const ranking = options.ranking === false ? false : { store, ...options.ranking };
  const trained = await trainStages(storeTrainingData(store), vectorIndexes, {
    ...(options.twoTower === undefined ? {} : { twoTower: options.twoTower }), ranking, log, ...(onProgress === undefined ? {} : { onProgress }),
  });
  try {
    for (const note of trained.notes) log(`note: ${note}`);
    const manifest = await registry.register(trained.files, { trainedOn: trained.trainedOn, metrics: trained.metrics, notes: trained.notes }, new Date(), trained.dirs);
    await registry.promote(manifest.version);
    const stages = Object.keys(trained.files).length + Object.keys(trained.dirs).length;
    log(`trained ${stages} stage files on ${trained.trainedOn.interactions.toLocaleString()} interactions in ${((Date.now() - started) / 1000).toFixed(1)} s; promoted ${manifest.version}`);
    return manifest;
  } finally {
    await trained.cleanup();
  }
}

export interface AppOverrides {
  store?: Store;
  clock?: () => number;
  /** Fastify logger; default: the config's level. Tests pass false. */
  logger?: boolean | { level: string };
  /** Skip the default process metrics (tests build many apps). */
  defaultMetrics?: boolean;
  recordServedAsShown?: boolean;
}

export interface App {
  config: Config;
  store: Store;
  registry: ModelRegistry;
  metrics: ServingMetrics;
  server: FastifyInstance;
  /** The feature store the rank stage reads and ingested events update (Redis when configured, else memory). */
  features: OpenedFeatureStore;
  /** The engine once loaded. */
  engine(): Engine | undefined;
  /** Load (or reload) the promoted model version and live state; the server then serves it. */
  loadEngine(log?: (line: string) => void): Promise<Engine>;
  close(): Promise<void>;
}

export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const closers: (() => Promise<void>)[] = [];
  const store = overrides.store ?? (await openStore(config));
  if (overrides.store === undefined) closers.push(() => store.close());
  const registry = openRegistry(config);
  const clock = overrides.clock ?? Date.now;
  const metrics = createServingMetrics({ defaultMetrics: overrides.defaultMetrics ?? true });
  let catalog: ServingCatalog | undefined;
  const features = await openFeatureStore(config, { itemLookup: catalogLookup(() => catalog), clock });
  closers.push(() => features.close());
  registerFeatureCacheMetrics(metrics.registry, () => features.online.cacheStats?.());
  let engine: Engine | undefined;
  const server = await createServer({
    getEngine: () => engine, metrics, clock, bodyLimitBytes: config.server.bodyLimitBytes,
    logger: overrides.logger ?? (config.logLevel === 'silent' ? false : { level: config.logLevel }), version: VERSION,
  });
  closers.push(() => server.close());
  const deps: EngineDeps = { store, clock, metrics, recordServedAsShown: overrides.recordServedAsShown ?? true, features, rules: config.ranking.rules };
  return {
    config, store, registry, metrics, server, features,
    engine: () => engine,
    loadEngine: async (log) => {
      const previous = engine;
      engine = await loadEngine(deps, registry, {
        indexes: vectorIndexes, features, warmupDays: config.features.warmupDays, catalogReady: (c) => { catalog = c; }, ...(log === undefined ? {} : { log }),
      });
      // The in-process two-tower queries its index synchronously inside a request's candidate stage, so no
      // query is running in the old index now (an imported ONNX tower's request caught mid-swap gets an
      // empty two-tower list from the closed source and is served by the other sources).
      previous?.close();
      return engine;
    },
    close: async () => {
      // Reverse order of construction: the server stops taking requests before the store closes.
      for (const close of closers.reverse()) await close();
      engine?.close();
    },
  };
}
