/**
 * @module adapters/duckdb/duckdb-offline-store
 * The offline feature store: append-only history in Parquet files under a local folder (layout in
 * parquet-layout.ts), queried with an in-process DuckDB. Point-in-time reads implement the rule of
 * features/point-in-time.ts with a window query and an ASOF JOIN (as-of-sql.ts). Appends are buffered
 * and written as one segment per view per flush; every read flushes first.
 */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBVector } from '@duckdb/node-api';
import type { AsOfProbe, FeatureRow, FeatureValue, OfflineFeatureReader, OfflineFeatureRow, OfflineFeatureWriter } from '../../ports/features.ts';
import { getEntity, getView, storedFieldsOf, type FeatureDefinitions, type FieldDef } from '../../features/definitions.ts';
import { DependencyError, ERROR_CODES, InvalidInputError } from '../../errors.ts';
import { entityKeySql, fieldSelect, ident, jsonRow, literal, newSegmentName, readParquet, SQL_TYPE, toFeatureValue, viewDir } from './parquet-layout.ts';
import { asOfSql, latestSql } from './as-of-sql.ts';

export interface DuckDbOfflineStoreOptions {
  /** Folder of the Parquet history (created when missing). */
  dir: string;
  definitions: FeatureDefinitions;
  /** Buffered rows that trigger a flush on append (default 50,000). */
  flushRows?: number;
  /** DuckDB worker threads (default 2). */
  threads?: number;
  /** Clock naming segments (UTC ms; default Date.now). Only orders files, never feature times. */
  clock?: () => number;
}

/** Open the store: starts an in-memory DuckDB and creates the folder. */
export async function createDuckDbOfflineStore(opts: DuckDbOfflineStoreOptions): Promise<DuckDbOfflineStore> {
  await mkdir(opts.dir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', { threads: String(opts.threads ?? 2) });
  return new DuckDbOfflineStore(instance, await instance.connect(), opts);
}

export class DuckDbOfflineStore implements OfflineFeatureReader, OfflineFeatureWriter {
  private buffer = new Map<string, OfflineFeatureRow[]>();
  private buffered = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private tmp = 0;

  constructor(private readonly instance: DuckDBInstance, private readonly conn: DuckDBConnection, private readonly opts: DuckDbOfflineStoreOptions) {}

  get dir(): string {
    return this.opts.dir;
  }

  async append(rows: readonly OfflineFeatureRow[]): Promise<void> {
    for (const r of rows) {
      getView(this.opts.definitions, r.view);
      const list = this.buffer.get(r.view) ?? [];
      list.push(r);
      this.buffer.set(r.view, list);
    }
    this.buffered += rows.length;
    if (this.buffered >= (this.opts.flushRows ?? 50_000)) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffered === 0) return;
    const pending = this.buffer;
    this.buffer = new Map();
    this.buffered = 0;
    const written = new Set<string>();
    try {
      await this.serial('flush', async () => {
        for (const [view, rows] of pending) { await this.writeSegment(view, rows); written.add(view); }
      });
    } catch (err) {
      // Put back what was not written, ahead of anything appended meanwhile: nothing is lost or doubled.
      for (const [view, rows] of pending) {
        if (written.has(view)) continue;
        this.buffer.set(view, [...rows, ...(this.buffer.get(view) ?? [])]);
        this.buffered += rows.length;
      }
      throw err;
    }
  }

  async readAsOf(view: string, probes: readonly AsOfProbe[], ttlMs: number): Promise<(FeatureRow | undefined)[]> {
    await this.flush();
    const out = new Array<FeatureRow | undefined>(probes.length);
    const files = await this.segmentPaths(view);
    if (files.length === 0 || probes.length === 0) return out;
    const fields = storedFieldsOf(getView(this.opts.definitions, view));
    return this.serial(`as-of read of ${probes.length} probes on view '${view}'`, async () => {
      const probeTable = `probes_${++this.tmp}`;
      await this.loadProbes(probeTable, probes);
      try {
        const present = await this.columnsOf(files);
        // Materialised, then read column-wise: streaming 1M rows into JS row by row costs more than the join.
        const result = await this.conn.run(asOfSql(readParquet(files), probeTable, ttlMs, fieldSelect(fields, present, 'v')));
        const order = new Float64Array(probes.length).fill(-1);
        for await (const chunk of result) {
          const [idx, ts, w, ...cols] = Array.from({ length: chunk.columnCount }, (_, j) => chunk.getColumnVector(j));
          for (let r = 0; r < chunk.rowCount; r++) {
            const i = idx!.getItem(r) as number;
            const written = w!.getItem(r) as number;
            if (written <= order[i]!) continue; // an exact duplicate written earlier
            order[i] = written;
            out[i] = rowFromColumns(ts!.getItem(r) as number, cols, r, fields);
          }
        }
        return out;
      } finally {
        await this.conn.run(`DROP TABLE IF EXISTS ${probeTable}`);
      }
    });
  }

  async listSegments(view: string): Promise<string[]> {
    await this.flush();
    return (await this.segmentPaths(view)).map((f) => path.basename(f));
  }

  async *scanLatest(view: string, segments: readonly string[], range: { start: number; end: number }, batchSize = 10_000): AsyncIterable<OfflineFeatureRow[]> {
    if (segments.length === 0) return;
    const files = segments.map((s) => path.join(viewDir(this.opts.dir, view), s));
    const fields = storedFieldsOf(getView(this.opts.definitions, view));
    // Materialised under the lock, then handed out in batches: scans are for materialisation, not serving.
    const rows = await this.serial(`latest-row scan of view '${view}'`, async () => {
      const present = await this.columnsOf(files);
      const result = await this.conn.stream(latestSql(readParquet(files), range, fieldSelect(fields, present)));
      const out: OfflineFeatureRow[] = [];
      for await (const chunk of result.yieldRowsJs()) {
        for (const r of chunk) out.push({ key: r[0] as string, view, createdTs: Number(r[2]), ...toRow(Number(r[1]), r.slice(3), fields) });
      }
      return out;
    });
    for (let i = 0; i < rows.length; i += batchSize) yield rows.slice(i, i + batchSize);
  }

  /**
   * Run a batch view's source (a DuckDB query or a Parquet path producing the entity's key components,
   * `event_ts` and the features) and append its rows with createdTs. Returns the rows written.
   */
  async ingestBatchSource(viewName: string, createdTs: number): Promise<number> {
    await this.flush();
    const view = getView(this.opts.definitions, viewName);
    if (view.source.type !== 'batch') throw new InvalidInputError(`view '${viewName}' is not a batch view`);
    const from = view.source.query !== undefined ? `(${view.source.query})` : `read_parquet(${literal(view.source.path ?? '')})`;
    const keys = getEntity(this.opts.definitions, view.entity).keys;
    const cols = view.features.map((f) => `CAST(${ident(f.name)} AS ${SQL_TYPE[f.type]}) AS ${ident(f.name)}`).join(', ');
    const select = `SELECT ${entityKeySql(keys)} AS entity_key, CAST(event_ts AS BIGINT) AS event_ts, CAST(${Math.trunc(createdTs)} AS BIGINT) AS created_ts, ${cols} FROM ${from} AS src`;
    return this.serial(`batch source of view '${viewName}'`, async () => {
      const file = await this.segmentFile(viewName);
      const res = await this.conn.run(`COPY (${select}) TO ${literal(`${file}.tmp`)} (FORMAT parquet)`);
      await rename(`${file}.tmp`, file);
      return res.rowsChanged;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.queue.catch(() => undefined);
    this.conn.closeSync();
    this.instance.closeSync();
  }

  /**
   * Rows → NDJSON → DuckDB's JSON reader → one Parquet segment. Measured 10× faster than the appender,
   * whose per-value calls (lists above all) dominated the flush.
   */
  private async writeSegment(view: string, rows: readonly OfflineFeatureRow[]): Promise<void> {
    const fields = storedFieldsOf(getView(this.opts.definitions, view));
    const file = await this.segmentFile(view);
    const ndjson = `${file}.ndjson.tmp`;
    await writeFile(ndjson, rows.map((r) => JSON.stringify(jsonRow(r, fields))).join('\n'));
    try {
      const columns = [['entity_key', 'VARCHAR'], ['event_ts', 'BIGINT'], ['created_ts', 'BIGINT'], ...fields.map((f) => [f.name, SQL_TYPE[f.type]])]
        .map(([name, type]) => `${literal(name!)}: ${literal(type!)}`).join(', ');
      await this.conn.run(`COPY (SELECT * FROM read_json(${literal(ndjson)}, format = 'newline_delimited', columns = {${columns}})) TO ${literal(`${file}.tmp`)} (FORMAT parquet)`);
      await rename(`${file}.tmp`, file);
    } finally {
      await rm(ndjson, { force: true });
    }
  }

  private async loadProbes(table: string, probes: readonly AsOfProbe[]): Promise<void> {
    await this.conn.run(`CREATE TABLE ${table} (i INTEGER, k VARCHAR, t BIGINT)`);
    const a = await this.conn.createAppender(table);
    probes.forEach((p, i) => {
      a.appendInteger(i);
      a.appendVarchar(p.key);
      a.appendBigInt(BigInt(Math.trunc(p.ts)));
      a.endRow();
    });
    a.flushSync();
    a.closeSync();
  }

  private async columnsOf(files: readonly string[]): Promise<Set<string>> {
    const r = await this.conn.runAndReadAll(`DESCRIBE SELECT * FROM ${readParquet(files)}`);
    return new Set(r.getRowObjectsJS().map((x) => x['column_name'] as string));
  }

  private async segmentFile(view: string): Promise<string> {
    const dir = viewDir(this.opts.dir, view);
    await mkdir(dir, { recursive: true });
    return path.join(dir, newSegmentName((this.opts.clock ?? Date.now)()));
  }

  private async segmentPaths(view: string): Promise<string[]> {
    getView(this.opts.definitions, view);
    const dir = viewDir(this.opts.dir, view);
    try {
      return (await readdir(dir)).filter((f) => f.endsWith('.parquet')).sort().map((f) => path.join(dir, f));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** Run DuckDB work one operation at a time (one connection), wrapping failures with context. */
  private serial<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      try {
        return await fn();
      } catch (err) {
        if (err instanceof InvalidInputError) throw err;
        throw new DependencyError(ERROR_CODES.STORE_QUERY, `offline feature store (DuckDB on ${this.opts.dir}): ${what} failed`, err);
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function rowFromColumns(eventTs: number, cols: readonly DuckDBVector[], r: number, fields: readonly FieldDef[]): FeatureRow {
  const values: Record<string, FeatureValue> = {};
  fields.forEach((f, j) => {
    const v = toFeatureValue(cols[j]?.getItem(r));
    if (v !== undefined) values[f.name] = v;
  });
  return { eventTs, values };
}

function toRow(eventTs: number, cells: readonly unknown[], fields: readonly FieldDef[]): FeatureRow {
  const values: Record<string, FeatureValue> = {};
  fields.forEach((f, j) => {
    const v = toFeatureValue(cells[j]);
    if (v !== undefined) values[f.name] = v;
  });
  return { eventTs, values };
}
