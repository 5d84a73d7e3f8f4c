/**
 * @module adapters/postgres/pg-driver
 * SqlDriver over a PostgreSQL server through a `pg` connection pool.
 */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { SqlDriver, SqlExecutor, SqlResult } from './sql-driver.ts';

export interface PgDriverOptions {
  url: string;
  poolSize: number;
}

export class PgDriver implements SqlDriver {
  readonly engine = 'postgres' as const;
  constructor(private readonly pool: pg.Pool) {}

  async query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
    const res = await this.pool.query(text, params as unknown[]);
    return { rows: res.rows as R[] };
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const tx: SqlExecutor = {
        query: async <R>(text: string, params: readonly unknown[] = []) => ({ rows: (await client.query(text, params as unknown[])).rows as R[] }),
        copyIn: (table, columns, text) => copyInto(client, table, columns, text),
      };
      const out = await fn(tx);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async copyIn(table: string, columns: readonly string[], text: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await copyInto(client, table, columns, text);
    } finally {
      client.release();
    }
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function copyInto(client: pg.PoolClient, table: string, columns: readonly string[], text: string): Promise<void> {
  const sink = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from([text]), sink);
}

/** Connect a pool and check the server answers; rejects with the driver's error when it does not. */
export async function createPgDriver(opts: PgDriverOptions): Promise<PgDriver> {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize, connectionTimeoutMillis: 10_000 });
  // Idle clients that lose their server must not crash the process: the next query reports the failure.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return new PgDriver(pool);
}
