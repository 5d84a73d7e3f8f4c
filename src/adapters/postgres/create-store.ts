/**
 * @module adapters/postgres/create-store
 * Opens the configured store: a PostgreSQL server when a URL is given, else PGlite under the data dir.
 */
import path from 'node:path';
import { DependencyError, ERROR_CODES } from '../../errors.ts';
import { createPgDriver } from './pg-driver.ts';
import { createPgliteDriver } from './pglite-driver.ts';
import { PostgresStore } from './postgres-store.ts';
import { redactUrl } from '../../util/redact.ts';

export interface StoreOptions {
  /** PostgreSQL URL; undefined selects embedded PGlite. */
  url?: string | undefined;
  schema: string;
  poolSize: number;
  /** Folder of the embedded database (used when `url` is undefined); undefined keeps PGlite in memory. */
  pgliteDir?: string | undefined;
}

/** Connect, migrate and return the store. Errors name the database that could not be reached. */
export async function createStore(opts: StoreOptions): Promise<PostgresStore> {
  let driver;
  try {
    driver = opts.url !== undefined
      ? await createPgDriver({ url: opts.url, poolSize: opts.poolSize })
      : await createPgliteDriver(opts.pgliteDir);
  } catch (err) {
    const where = opts.url !== undefined ? redactUrl(opts.url) : `PGlite at ${opts.pgliteDir ?? '(memory)'}`;
    throw new DependencyError(ERROR_CODES.STORE_UNAVAILABLE, `cannot open the store at ${where}: ${(err as Error).message}`, err);
  }
  const store = new PostgresStore(driver, opts.schema);
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}

/** The PGlite folder under a data dir. */
export const pgliteDirOf = (dataDir: string): string => path.join(dataDir, 'pglite');
