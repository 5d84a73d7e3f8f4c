/**
 * @module data/loaders/csv-log
 * Generic interaction log import (`--dataset csv`): one delimited file whose columns are mapped to roles
 * (user, item, timestamp, rating, value, type, session) by option or by header name.
 */
import path from 'node:path';
import { z } from 'zod';
import { EVENT_TYPES, ITEM_KINDS, makeItem, makeUser } from '../../domain/types.ts';
import type { EventType, ItemKind } from '../../domain/types.ts';
import { InvalidInputError } from '../../errors.ts';
import { isDelimiter } from '../csv.ts';
import type { DelimitedRecord, Delimiter } from '../csv.ts';
import { parseDate, parseEpoch, parseIsoDateTime } from '../dates.ts';
import type { DatasetLoader, ImportBatch, LoaderContext } from '../import-types.ts';
import {
  BatchBuilder, MultiFileProgress, RowError, cell, guardRow, openTable, optionalNumber, optionalText, pathKind,
  requireDate, requireId, shortHash, tableRows,
} from './common.ts';
import type { Table } from './common.ts';

export const COLUMN_ROLES = ['user', 'item', 'timestamp', 'rating', 'value', 'type', 'session', 'ignore', '_'] as const;
export type ColumnRole = (typeof COLUMN_ROLES)[number];
type UsedRole = Exclude<ColumnRole, 'ignore' | '_'>;

/** A string checked against `values`: callers (the CLI) may pass plain strings; bad ones fail validation. */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.string().pipe(z.enum(values));

export const csvLogOptionsSchema = z.object({
  /** `comma` | `tab` | `semicolon` | `pipe`, or any single character except a quote or line break. */
  delimiter: z.string().default('comma'),
  /** Whether the first line is a header. */
  header: z.boolean().default(true),
  /** Roles of the columns, in order (`ignore` or `_` skips one). Without it, roles come from header names. */
  columns: z.array(oneOf(COLUMN_ROLES)).readonly().optional(),
  /** How to read the timestamp column: `auto` (dates or epoch, seconds when < 1e11), `s`, `ms`, `iso`. */
  timestampUnit: oneOf(['auto', 's', 'ms', 'iso']).default('auto'),
  /** Event type when there is no type column (or it is empty): `rating` if a rating column exists, else `click`. */
  defaultType: oneOf(EVENT_TYPES).optional(),
  /** Kind of the imported items. */
  itemKind: oneOf(ITEM_KINDS).default('listing'),
});
/** Options as given by callers (all optional, defaults applied by the loader). */
export type CsvLogOptions = z.input<typeof csvLogOptionsSchema>;

const DELIMITER_NAMES: Record<string, Delimiter> = { comma: ',', tab: '\t', semicolon: ';', pipe: '|', '\\t': '\t' };

/** Header names (lower-cased) recognised for each role when no `columns` option is given. */
const HEADER_ALIASES: Record<UsedRole, readonly string[]> = {
  user: ['user', 'user_id', 'userid', 'uid'],
  item: ['item', 'item_id', 'itemid', 'movie_id', 'movieid', 'product_id', 'listing_id'],
  timestamp: ['timestamp', 'ts', 'time', 'datetime', 'date', 'date_time'],
  rating: ['rating', 'score', 'stars'],
  value: ['value'],
  type: ['type', 'event', 'event_type'],
  session: ['session', 'session_id', 'sessionid'],
};

type RoleIndex = Partial<Record<UsedRole, number>>;

/** A delimiter name (`tab`…) or a single character other than a quote or line break. */
function resolveDelimiter(name: string): Delimiter {
  const d = DELIMITER_NAMES[name] ?? name;
  if (!isDelimiter(d)) throw new InvalidInputError(`unsupported delimiter '${name}': use comma, tab, semicolon, pipe or one character`);
  return d;
}

/** Role → column index from the `columns` option; duplicate roles and missing user/item are errors. */
function rolesFromColumns(columns: readonly ColumnRole[], file: string): RoleIndex {
  const roles: RoleIndex = {};
  columns.forEach((role, i) => {
    if (role === 'ignore' || role === '_') return;
    if (roles[role] !== undefined) throw new InvalidInputError(`${file}: role '${role}' given twice in --columns`);
    roles[role] = i;
  });
  return roles;
}

function rolesFromHeader(header: readonly string[]): RoleIndex {
  const roles: RoleIndex = {};
  const lower = header.map((h) => h.toLowerCase());
  for (const role of Object.keys(HEADER_ALIASES) as UsedRole[]) {
    const i = lower.findIndex((h) => HEADER_ALIASES[role].includes(h));
    if (i >= 0) roles[role] = i;
  }
  return roles;
}

function checkRoles(roles: RoleIndex, file: string, header: readonly string[] | null): void {
  const missing = (['user', 'item'] as const).filter((r) => roles[r] === undefined);
  if (missing.length === 0) return;
  const found = header === null ? '' : ` (header: ${header.join(', ')}; map them with --columns)`;
  throw new InvalidInputError(`${file}: missing required column(s) ${missing.join(', ')}${found}`);
}

/** Open the file as a table: a real header, or `columns` standing in for one. */
async function openLog(file: string, opts: z.output<typeof csvLogOptionsSchema>): Promise<{ table: Table; roles: RoleIndex }> {
  if ((await pathKind(file)) === 'dir') throw new InvalidInputError(`${file}: the csv loader reads one file, not a folder`);
  const delimiter = resolveDelimiter(opts.delimiter);
  const name = path.basename(file);
  if (!opts.header) {
    if (opts.columns === undefined) throw new InvalidInputError(`${name}: --columns is required with --no-header`);
    const roles = rolesFromColumns(opts.columns, name);
    checkRoles(roles, name, null);
    const header: string[] = [...opts.columns];
    const byRole = new Map(header.map((c, i) => [c, i]));
    return { table: { file, name, header, delimiter, index: (c) => byRole.get(c) }, roles };
  }
  const table = await openTable(file, [], delimiter);
  if (opts.columns !== undefined && opts.columns.length > table.header.length) {
    throw new InvalidInputError(`${name}: --columns names ${opts.columns.length} columns but the header has ${table.header.length}`);
  }
  const roles = opts.columns !== undefined ? rolesFromColumns(opts.columns, name) : rolesFromHeader(table.header);
  checkRoles(roles, name, table.header);
  return { table, roles };
}

function timestampParser(unit: 'auto' | 's' | 'ms' | 'iso'): (s: string) => number | null {
  if (unit === 's' || unit === 'ms') return (s) => parseEpoch(s, unit);
  return unit === 'iso' ? parseIsoDateTime : parseDate;
}

function parseType(value: string, fallback: EventType): EventType {
  const v = value.trim().toLowerCase();
  if (v.length === 0) return fallback;
  if (!(EVENT_TYPES as readonly string[]).includes(v)) {
    throw new RowError(`bad type in column type: '${value}' (expected one of ${EVENT_TYPES.join(', ')})`);
  }
  return v as EventType;
}

interface RowPlan { roles: RoleIndex; parseTs: (s: string) => number | null; defaultType: EventType; itemKind: ItemKind; out: BatchBuilder }

function logRow(rec: DelimitedRecord, plan: RowPlan): void {
  const { roles, out } = plan;
  const userId = requireId(cell(rec, roles.user), 'user');
  const itemId = requireId(cell(rec, roles.item), 'item');
  // Without a timestamp column, ts = line number: file order is kept (see the notice).
  const ts = roles.timestamp === undefined ? rec.line : requireDate(cell(rec, roles.timestamp), 'timestamp', plan.parseTs);
  const rating = optionalNumber(cell(rec, roles.rating), 'rating');
  const extra = optionalNumber(cell(rec, roles.value), 'value');
  const type = parseType(cell(rec, roles.type), plan.defaultType);
  const value = type === 'rating' ? (rating ?? extra) : (extra ?? rating);
  if (type === 'rating' && value === null) throw new RowError('rating event without a value (empty rating/value column)');
  const context = rating !== null && extra !== null ? (type === 'rating' ? { value: extra } : { rating }) : {};
  if (out.claimUser(userId)) out.addUser(makeUser(userId));
  if (out.claimItem(itemId)) out.addItem(makeItem(itemId, plan.itemKind));
  out.addInteraction({
    // Content-derived id: the same event re-imported (or repeated verbatim in the log) dedups in the store,
    // whatever line it sits on. The user id is length-prefixed so ids containing '|' cannot collide.
    eventId: `csv:${shortHash(`${userId.length}:${userId}|${itemId}|${ts}|${type}|${value ?? ''}`)}`,
    userId, itemId, type, value, ts, sessionId: optionalText(cell(rec, roles.session)), context,
  });
}

async function* readCsvLog(file: string, options: CsvLogOptions, ctx: LoaderContext): AsyncIterable<ImportBatch> {
  const parsed = csvLogOptionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidInputError(`csv loader options: ${z.prettifyError(parsed.error)}`, parsed.error);
  const opts = parsed.data;
  const { table, roles } = await openLog(file, opts);
  if (roles.timestamp === undefined) {
    ctx.notice?.(`${table.name}: no timestamp column; events get ts = line number (ms) to keep file order, and their ids depend on it`);
  }
  const out = new BatchBuilder(ctx.batchSize);
  const plan: RowPlan = {
    roles, parseTs: timestampParser(opts.timestampUnit), itemKind: opts.itemKind, out,
    defaultType: opts.defaultType ?? (roles.rating !== undefined ? 'rating' : 'click'),
  };
  const progress = await MultiFileProgress.create([file], ctx.onProgress);
  for await (const batch of tableRows(table, ctx, progress.forFile(file), opts.header)) {
    for (const rec of batch) {
      guardRow(ctx, table, rec, logRow, plan);
      if (out.full) yield out.take();
    }
  }
  if (!out.empty) yield out.take();
}

/**
 * Path: one delimited file. Example (MovieLens u.data): `{ delimiter: 'tab', header: false,
 * columns: ['user', 'item', 'rating', 'timestamp'] }`. Event id: `csv:` + 16-char base64url SHA-1 of
 * (user, item, ts, type, value).
 */
export const csvLogLoader: DatasetLoader<CsvLogOptions> = {
  name: 'csv',
  read: readCsvLog,
};
