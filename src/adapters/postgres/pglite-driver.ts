/**
 * @module adapters/postgres/pglite-driver
 * SqlDriver over PGlite: real Postgres compiled to WebAssembly, running in-process,
 * file-backed under a data folder (or in memory when no folder is given).
 */
import { PGlite } from '@electric-sql/pglite';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SqlDriver, SqlExecutor, SqlResult } from './sql-driver.ts';

export class PgliteDriver implements SqlDriver {
  readonly engine = 'pglite' as const;
  constructor(private readonly db: PGlite, private readonly lockFile?: string) {}

  async query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
    const res = await this.db.query<R>(text, params as unknown[]);
    return { rows: res.rows };
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (t) => {
      const tx: SqlExecutor = {
        query: async <R>(text: string, params: readonly unknown[] = []) => ({ rows: (await t.query<R>(text, params as unknown[])).rows }),
        copyIn: async (table, columns, text) => { await t.query(copySql(table, columns), [], { blob: new Blob([text]) }); },
      };
      return fn(tx);
    });
  }

  async copyIn(table: string, columns: readonly string[], text: string): Promise<void> {
    await this.db.query(copySql(table, columns), [], { blob: new Blob([text]) });
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async close(): Promise<void> {
    await this.db.close();
    if (this.lockFile !== undefined) rmSync(this.lockFile, { force: true });
  }
}

/** PGlite reads COPY data from the blob passed with the query, named /dev/blob. */
const copySql = (table: string, columns: readonly string[]): string => `COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`;

/** Open (creating if needed) a PGlite database in `dir`; `undefined` keeps it in memory. */
export async function createPgliteDriver(dir: string | undefined): Promise<PgliteDriver> {
  if (dir === undefined) {
    const mem = new PGlite();
    await mem.waitReady;
    return new PgliteDriver(mem);
  }
  mkdirSync(dir, { recursive: true });
  const lockFile = acquireLock(dir);
  try {
    const db = new PGlite(dir);
    await db.waitReady;
    return new PgliteDriver(db, lockFile);
  } catch (err) {
    rmSync(lockFile, { force: true });
    throw err;
  }
}

/**
 * PGlite is a single-process database: a second process opening the same folder would corrupt it.
 * A lock file with the owner's pid refuses that, and is taken over when its owner is gone.
 */
function acquireLock(dir: string): string {
  const lockFile = path.join(dir, '..', `${path.basename(dir)}.lock`);
  let owner: number | undefined;
  try {
    owner = Number(readFileSync(lockFile, 'utf8'));
  } catch {
    owner = undefined;
  }
  if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
    throw new Error(`the embedded database ${dir} is in use by process ${owner}; stop it, or use another data dir (WAYFARER_DATA_DIR) or a PostgreSQL server (WAYFARER_POSTGRES_URL)`);
  }
  writeFileSync(lockFile, String(process.pid));
  return lockFile;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
