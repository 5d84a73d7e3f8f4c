/**
 * @module app
 * The composition root: the only place adapters are constructed. The CLI and the server get
 * their store, models and server from here.
 */
import path from 'node:path';
import type { Config } from './config/schema.ts';
import { createStore, pgliteDirOf } from './adapters/postgres/create-store.ts';
import type { PostgresStore } from './adapters/postgres/postgres-store.ts';

/** Open the configured store (PostgreSQL when a URL is set, else PGlite under the data dir), migrated. */
export function openStore(config: Config): Promise<PostgresStore> {
  return createStore({
    url: config.postgres.url,
    schema: config.postgres.schema,
    poolSize: config.postgres.poolSize,
    pgliteDir: pgliteDirOf(path.resolve(config.dataDir)),
  });
}
