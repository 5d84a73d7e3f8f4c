/**
 * @module adapters/duckdb/parquet-layout
 * The offline store's files: `<dir>/<view>/seg-<ms>-<seq>-<pid>.parquet`, immutable once renamed into
 * place, named so that sorting the names sorts them in write order. Columns: entity_key VARCHAR,
 * event_ts BIGINT, created_ts BIGINT (UTC ms), then one typed column per stored field of the view
 * (features and their `_` state): float DOUBLE, int BIGINT, string VARCHAR, lists DOUBLE[] / VARCHAR[].
 */
import path from 'node:path';
import { DuckDBListValue } from '@duckdb/node-api';
import type { FeatureValue, OfflineFeatureRow } from '../../ports/features.ts';
import type { FieldDef, ValueType } from '../../features/definitions.ts';

export const SQL_TYPE: Readonly<Record<ValueType, string>> = {
  float: 'DOUBLE', int: 'BIGINT', string: 'VARCHAR', float_list: 'DOUBLE[]', string_list: 'VARCHAR[]',
};

/** A double-quoted SQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A single-quoted SQL string literal. */
export function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function viewDir(root: string, view: string): string {
  return path.join(root, view);
}

let segmentSeq = 0;

/** A new segment file name; later calls sort after earlier ones (ms, then a per-process counter). */
export function newSegmentName(nowMs: number): string {
  segmentSeq = (segmentSeq + 1) % 1_000_000;
  return `seg-${String(nowMs).padStart(15, '0')}-${String(segmentSeq).padStart(6, '0')}-${process.pid}.parquet`;
}

/**
 * A `read_parquet` over the given files (in write order), with the columns the point-in-time queries
 * need: `file_index` (position in `files`) and `file_row_number` order rows by write.
 */
export function readParquet(files: readonly string[]): string {
  return `read_parquet([${files.map(literal).join(', ')}], file_row_number = true, union_by_name = true)`;
}

/** The select-list of stored fields, as JS-friendly types: BIGINT → DOUBLE; NULL for columns no file has. */
export function fieldSelect(fields: readonly FieldDef[], present: ReadonlySet<string>, table = ''): string {
  const q = table === '' ? '' : `${table}.`;
  return fields.map((f) => {
    if (!present.has(f.name)) return `NULL AS ${ident(f.name)}`;
    return f.type === 'int' ? `CAST(${q}${ident(f.name)} AS DOUBLE) AS ${ident(f.name)}` : `${q}${ident(f.name)}`;
  }).join(', ');
}

/** A row as the JSON the segment writer feeds DuckDB: only well-typed values, ints rounded; absent = NULL. */
export function jsonRow(r: OfflineFeatureRow, fields: readonly FieldDef[]): Record<string, unknown> {
  const out: Record<string, unknown> = { entity_key: r.key, event_ts: Math.trunc(r.eventTs), created_ts: Math.trunc(r.createdTs) };
  for (const f of fields) {
    const v = r.values[f.name];
    switch (f.type) {
      case 'float': if (typeof v === 'number' && Number.isFinite(v)) out[f.name] = v; break;
      case 'int': if (typeof v === 'number' && Number.isFinite(v)) out[f.name] = Math.round(v); break;
      case 'string': if (typeof v === 'string') out[f.name] = v; break;
      case 'float_list': if (Array.isArray(v)) out[f.name] = v; break;
      case 'string_list': if (Array.isArray(v)) out[f.name] = (v as readonly unknown[]).map(String); break;
    }
  }
  return out;
}

/** A value read back from DuckDB (JS-converted, or a raw vector item) as a feature value; undefined for NULL. */
export function toFeatureValue(v: unknown): FeatureValue | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  const items: unknown = v instanceof DuckDBListValue ? v.items : v;
  if (Array.isArray(items)) {
    const xs = items.map((x: unknown) => (typeof x === 'bigint' ? Number(x) : x));
    if (!xs.includes(null)) return xs as number[] | string[];
    // A NULL inside a list keeps its place: NaN in a number list, '' in a string list (a feature value holds no null).
    const numeric = xs.some((x) => typeof x === 'number');
    return xs.map((x) => (x === null ? (numeric ? NaN : '') : x)) as number[] | string[];
  }
  return JSON.stringify(v); // no stored type maps to anything else
}

/**
 * SQL building an entity key from columns named by the key components, escaped exactly like
 * features/entity-key.ts (`%` first, then `|`, `=`, `{`, `}`).
 */
export function entityKeySql(components: readonly string[]): string {
  const esc = (col: string): string => ['|', '=', '{', '}'].reduce(
    (expr, c) => `replace(${expr}, ${literal(c)}, ${literal(`%${c.charCodeAt(0).toString(16).toUpperCase()}`)})`,
    `replace(CAST(${ident(col)} AS VARCHAR), '%', '%25')`,
  );
  return components.map((c) => `${literal(`${c}=`)} || ${esc(c)}`).join(` || '|' || `);
}
