/**
 * @module adapters/postgres/pglite-driver
 * SqlDriver over PGlite: real Postgres compiled to WebAssembly, running in-process,
 * file-backed under a data folder (or in memory when no folder is given).
 */
import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import type { SqlDriver, SqlExecutor, SqlResult } from './sql-driver.ts';

export class PgliteDriver implements SqlDriver {
  readonly engine = 'pglite' as const;
  constructor(private readonly db: PGlite) {}

  async query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
    const res = await this.db.query<R>(text, params as unknown[]);
    return { rows: res.rows };
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (t) => {
      const tx: SqlExecutor = {
        query: async <R>(text: string, params: readonly unknown[] = []) => ({ rows: (await t.query<R>(text, params as unknown[])).rows }),
      };
      return fn(tx);
    });
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** Open (creating if needed) a PGlite database in `dir`; `undefined` keeps it in memory. */
export async function createPgliteDriver(dir: string | undefined): Promise<PgliteDriver> {
  if (dir !== undefined) mkdirSync(dir, { recursive: true });
  const db = dir === undefined ? new PGlite() : new PGlite(dir);
  await db.waitReady;
  return new PgliteDriver(db);
}
