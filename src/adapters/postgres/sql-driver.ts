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
  /**
   * Bulk-load rows in COPY text format (tab-separated, `\N` = NULL, escaped with copyText) into
   * `table (columns)`. Much cheaper than binding parameter arrays for large batches.
   */
  copyIn(table: string, columns: readonly string[], text: string): Promise<void>;
}

export interface SqlDriver extends SqlExecutor {
  readonly engine: 'postgres' | 'pglite';
  /** Run `fn` inside BEGIN … COMMIT on one connection; ROLLBACK when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Run a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** Escape one value for COPY text format: null → \N; backslash, tab, newline and CR escaped. */
export function copyText(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '\\N';
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c] as string) : value;
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
