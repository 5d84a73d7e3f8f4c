/**
 * @module adapters/postgres/sql-driver
 * The thin seam between the store's SQL and the two Postgres engines it runs on:
 * a PostgreSQL server through `pg`, or PGlite (Postgres in WebAssembly) embedded in the process.
 */

export interface SqlResult<R> {
  rows: R[];
}

export interface SqlExecutor {
  /** Run one parameterised statement ($1, $2, …). Arrays bind as Postgres arrays. */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
}

export interface SqlDriver extends SqlExecutor {
  readonly engine: 'postgres' | 'pglite';
  /** Run `fn` inside BEGIN … COMMIT on one connection; ROLLBACK when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Run a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
