/**
 * @module data/loaders/common
 * Plumbing shared by the dataset loaders: path checks, header mapping, row filtering into the
 * rejects log, cell parsers that name the column and value, batching with once-per-import ids, progress.
 */
import { hash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readDelimitedBatches, readHeader } from '../csv.ts';
import type { DelimitedRecord, Delimiter } from '../csv.ts';
import { parseDateTime } from '../dates.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Interaction, Item, User } from '../../domain/types.ts';
import type { ImportBatch, LoaderContext } from '../import-types.ts';

/** Thrown by cell parsers for a bad row; loaders catch it and add the row to `ctx.rejects`. Never escapes a loader. */
export class RowError extends Error {}

/** `file` or `dir` for an existing path; InvalidInputError naming the path otherwise. */
export async function pathKind(p: string): Promise<'file' | 'dir'> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : 'file';
  } catch (err) {
    throw new InvalidInputError(`dataset path not found or unreadable: ${p}`, err);
  }
}

/** File names in a folder (not recursive). */
export async function listFiles(dir: string): Promise<Set<string>> {
  const entries = await readdir(dir, { withFileTypes: true });
  return new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
}

/** The first of `candidates` present in `names`, as a full path under `dir`; undefined if none. */
export function pickFile(dir: string, names: ReadonlySet<string>, candidates: readonly string[]): string | undefined {
  const hit = candidates.find((c) => names.has(c));
  return hit === undefined ? undefined : path.join(dir, hit);
}

/** A delimited file whose header has been read and checked. */
export interface Table {
  file: string;
  /** Basename, as reported in rejects. */
  name: string;
  header: string[];
  delimiter: Delimiter;
  /** Column index by header name; absent names are undefined. */
  index(column: string): number | undefined;
}

/** Read and check a header; InvalidInputError naming the file and every missing required column. */
export async function openTable(file: string, required: readonly string[], delimiter: Delimiter = ','): Promise<Table> {
  const name = path.basename(file);
  const header = await readHeader(file, { delimiter });
  if (header === null) throw new InvalidInputError(`${name}: empty file; expected a header with ${required.join(', ')}`);
  const byName = new Map<string, number>();
  header.forEach((h, i) => { if (!byName.has(h)) byName.set(h, i); });
  const missing = required.filter((c) => !byName.has(c));
  if (missing.length > 0) {
    throw new InvalidInputError(
      `${name}: header lacks required column(s) ${missing.join(', ')} (found: ${header.join(', ')})`,
    );
  }
  return { file, name, header, delimiter, index: (c) => byName.get(c) };
}

/**
 * Data rows of a table in batches. Unparseable records and rows with the wrong column count go to
 * `ctx.rejects` and are not yielded. `onRead` gets bytes read in this file.
 */
export async function* tableRows(
  table: Table, ctx: LoaderContext, onRead?: (readBytes: number) => void, header = true,
): AsyncIterable<DelimitedRecord[]> {
  const width = table.header.length;
  const opts = { delimiter: table.delimiter, header, ...(onRead ? { onProgress: onRead } : {}) };
  for await (const batch of readDelimitedBatches(table.file, opts)) {
    const good: DelimitedRecord[] = [];
    for (const rec of batch) {
      if (rec.error !== undefined) rejectRow(ctx, table, rec, rec.error);
      else if (rec.fields.length !== width) rejectRow(ctx, table, rec, `expected ${width} columns, got ${rec.fields.length}`);
      else good.push(rec);
    }
    if (good.length > 0) yield good;
  }
}

/** Add a bad row to the rejects log. */
export function rejectRow(ctx: LoaderContext, table: Pick<Table, 'name'>, rec: DelimitedRecord, reason: string): void {
  ctx.rejects.add({ file: table.name, line: rec.line, reason }, rec.raw);
}

/**
 * Run `fn(rec, arg)` on a row; a RowError becomes a reject, anything else propagates. Returns fn's result
 * or undefined. `fn` and `arg` are passed separately so hot loops allocate no closure per row.
 */
export function guardRow<A, T>(
  ctx: LoaderContext, table: Table, rec: DelimitedRecord, fn: (rec: DelimitedRecord, arg: A) => T, arg: A,
): T | undefined {
  try {
    return fn(rec, arg);
  } catch (err) {
    if (!(err instanceof RowError)) throw err;
    rejectRow(ctx, table, rec, err.message);
    return undefined;
  }
}

/** Column indexes by name, looked up once per table (undefined for absent optional columns). */
export function columnsOf<const K extends string>(table: Table, names: readonly K[]): { readonly [P in K]: number | undefined } {
  const out: Partial<Record<K, number>> = {};
  for (const n of names) {
    const i = table.index(n);
    if (i !== undefined) out[n] = i;
  }
  return out as { readonly [P in K]: number | undefined };
}

/** The cell at `idx` ('' when the column is absent). */
export function cell(rec: DelimitedRecord, idx: number | undefined): string {
  return idx === undefined ? '' : (rec.fields[idx] ?? '');
}

const show = (v: string): string => `'${v.length > 60 ? `${v.slice(0, 57)}...` : v}'`;

/** A non-empty id (trimmed). */
export function requireId(value: string, column: string): string {
  const v = value.trim();
  if (v.length === 0) throw new RowError(`empty id in column ${column}`);
  return v;
}

/** A non-empty id made of digits only (Booking/Expedia integer ids). */
export function requireIntId(value: string, column: string): string {
  const v = requireId(value, column);
  if (!/^\d+$/.test(v)) throw new RowError(`bad id in column ${column}: ${show(value)}`);
  return v;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal number, or null when the cell is empty. */
export function optionalNumber(value: string, column: string): number | null {
  const v = value.trim();
  if (v.length === 0) return null;
  if (!NUMBER_RE.test(v)) throw new RowError(`bad number in column ${column}: ${show(value)}`);
  return Number(v);
}

/** A decimal number; empty is an error. */
export function requireNumber(value: string, column: string): number {
  const n = optionalNumber(value, column);
  if (n === null) throw new RowError(`empty number in column ${column}`);
  return n;
}

/** An integer, or null when the cell is empty (`3.0` is accepted as 3). */
export function optionalInt(value: string, column: string): number | null {
  const n = optionalNumber(value, column);
  if (n !== null && !Number.isInteger(n)) throw new RowError(`bad integer in column ${column}: ${show(value)}`);
  return n;
}

/** A textual date (ISO, dd/mm/yyyy, yyyymmddHHMMSS) as UTC ms, or null when empty. */
export function optionalDate(value: string, column: string, parse: (s: string) => number | null = parseDateTime): number | null {
  if (value.trim().length === 0) return null;
  const ms = parse(value);
  if (ms === null) throw new RowError(`bad date in column ${column}: ${show(value)}`);
  return ms;
}

/** A required date as UTC ms. */
export function requireDate(value: string, column: string, parse: (s: string) => number | null = parseDateTime): number {
  const ms = optionalDate(value, column, parse);
  if (ms === null) throw new RowError(`empty date in column ${column}`);
  return ms;
}

/** Trimmed text, or null when empty. */
export function optionalText(value: string): string | null {
  const v = value.trim();
  return v.length === 0 ? null : v;
}

/** First 16 chars of the base64url SHA-1 of `text`: a compact, deterministic content id (96 bits). */
export function shortHash(text: string): string {
  // One-shot crypto.hash (Node ≥ 20.12) is ~3x faster than createHash per row.
  return hash('sha1', text, 'base64url').slice(0, 16);
}

/**
 * Accumulates records into batches of about `batchSize`, and remembers which user and item ids were
 * already emitted so each is emitted once per import. Memory: the id sets grow with distinct ids only.
 */
export class BatchBuilder {
  private users: User[] = [];
  private items: Item[] = [];
  private interactions: Interaction[] = [];
  private readonly seenUsers = new Set<string>();
  private readonly seenItems = new Set<string>();
  readonly totals = { users: 0, items: 0, interactions: 0 };

  constructor(private readonly batchSize: number) {}

  /** True (and marks it) the first time a user id is seen; the caller then calls `addUser`. */
  claimUser(id: string): boolean {
    if (this.seenUsers.has(id)) return false;
    this.seenUsers.add(id);
    return true;
  }

  /** True (and marks it) the first time an item id is seen; the caller then calls `addItem`. */
  claimItem(id: string): boolean {
    if (this.seenItems.has(id)) return false;
    this.seenItems.add(id);
    return true;
  }

  hasItem(id: string): boolean {
    return this.seenItems.has(id);
  }

  addUser(user: User): void { this.users.push(user); this.totals.users++; }
  addItem(item: Item): void { this.items.push(item); this.totals.items++; }
  addInteraction(event: Interaction): void { this.interactions.push(event); this.totals.interactions++; }

  /** True once the pending records reach the batch size. */
  get full(): boolean {
    return this.users.length + this.items.length + this.interactions.length >= this.batchSize;
  }

  get empty(): boolean {
    return this.users.length + this.items.length + this.interactions.length === 0;
  }

  /** Hand over the pending records and start a new batch. */
  take(): ImportBatch {
    const batch = { users: this.users, items: this.items, interactions: this.interactions };
    this.users = [];
    this.items = [];
    this.interactions = [];
    return batch;
  }
}

/** Progress over several files: sizes are summed up front, each file reports bytes read within it. */
export class MultiFileProgress {
  private done = 0;
  private constructor(
    private readonly sizes: ReadonlyMap<string, number>,
    private readonly total: number,
    private readonly report?: (read: number, total: number) => void,
  ) {}

  static async create(files: readonly string[], report?: (read: number, total: number) => void): Promise<MultiFileProgress> {
    const sizes = new Map<string, number>();
    for (const f of files) sizes.set(f, report ? (await stat(f)).size : 0);
    let total = 0;
    for (const size of sizes.values()) total += size;
    return new MultiFileProgress(sizes, total, report);
  }

  /** Callback for bytes read within `file`, or undefined when nobody listens. */
  forFile(file: string): ((read: number) => void) | undefined {
    const report = this.report;
    if (!report) return undefined;
    const base = this.done;
    this.done += this.sizes.get(file) ?? 0;
    return (read) => report(base + read, this.total);
  }
}
