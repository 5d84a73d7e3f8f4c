/**
 * @module data/loaders/expedia-2016
 * Kaggle Expedia Hotel Recommendations (2016): train rows → click/booking events on `cluster:<id>` hotel
 * items, test rows → search events on `dest:<id>` destinations, destinations.csv → latent item features.
 */
import path from 'node:path';
import { makeItem, makeUser } from '../../domain/types.ts';
import type { Attributes } from '../../domain/types.ts';
import { InvalidInputError } from '../../errors.ts';
import type { DelimitedRecord } from '../csv.ts';
import { readHeader } from '../csv.ts';
import { formatIsoDate } from '../dates.ts';
import type { DatasetLoader, ImportBatch, LoaderContext } from '../import-types.ts';
import {
  BatchBuilder, MultiFileProgress, RowError, cell, columnsOf, guardRow, listFiles, openTable, optionalDate, optionalInt,
  optionalNumber, optionalText, pathKind, requireDate, requireId, requireIntId, requireNumber, shortHash, tableRows,
} from './common.ts';
import type { Table } from './common.ts';

export type ExpediaPart = 'destinations' | 'train' | 'test';

export interface Expedia2016Options {
  /** Which files to read when present (default all three). */
  parts?: readonly ExpediaPart[];
}

const FILES: Record<ExpediaPart, string> = { destinations: 'destinations.csv', train: 'train.csv', test: 'test.csv' };
/** Read order: destinations first, so `dest:<id>` items carry their latent features when first emitted. */
const ORDER: readonly ExpediaPart[] = ['destinations', 'train', 'test'];
const REQUIRED: Record<ExpediaPart, readonly string[]> = {
  destinations: ['srch_destination_id', 'd1'],
  train: ['date_time', 'user_id', 'srch_destination_id', 'is_booking', 'hotel_cluster'],
  test: ['id', 'date_time', 'user_id', 'srch_destination_id'],
};

type Source = { part: ExpediaPart; table: Table };

const COLUMNS = [
  'id', 'date_time', 'site_name', 'user_location_country', 'orig_destination_distance', 'user_id', 'is_mobile',
  'is_package', 'channel', 'srch_ci', 'srch_co', 'srch_adults_cnt', 'srch_children_cnt', 'srch_rm_cnt',
  'srch_destination_id', 'srch_destination_type_id', 'is_booking', 'cnt', 'hotel_continent', 'hotel_country',
  'hotel_market', 'hotel_cluster',
] as const;
type Cols = { readonly [P in (typeof COLUMNS)[number]]: number | undefined };

/** What a row handler needs, built once per file so the row loop allocates no closures. */
interface Env { c: Cols; t: Table; out: BatchBuilder; ids: TrainIds; latent: readonly number[] }

async function findSources(p: string, parts: readonly ExpediaPart[]): Promise<Source[]> {
  if ((await pathKind(p)) === 'file') {
    const part = await classifyFile(p);
    return [{ part, table: await openTable(p, REQUIRED[part]) }];
  }
  const names = await listFiles(p);
  const found: Source[] = [];
  for (const part of ORDER) {
    if (parts.includes(part) && names.has(FILES[part])) found.push({ part, table: await openTable(path.join(p, FILES[part]), REQUIRED[part]) });
  }
  if (found.length === 0) throw new InvalidInputError(`${p}: no Expedia 2016 files; expected any of ${Object.values(FILES).join(', ')}`);
  return found;
}

async function classifyFile(file: string): Promise<ExpediaPart> {
  const header = (await readHeader(file, { delimiter: ',' })) ?? [];
  if (header.includes('d1')) return 'destinations';
  if (header.includes('hotel_cluster')) return 'train';
  if (header.includes('id')) return 'test';
  return /test/i.test(path.basename(file)) ? 'test' : 'train';
}

/** '0'/'1' flag; null when empty. */
function flag(value: string, column: string): boolean | null {
  if (value === '1') return true;
  if (value === '0') return false;
  if (value.trim() === '') return null;
  throw new RowError(`bad flag in column ${column}: '${value}' (expected 0 or 1)`);
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : formatIsoDate(ms);
}

interface SearchRow { userId: string; ts: number; destId: string; isMobile: boolean | null; userCountry: string | null; context: Attributes }

/** Columns shared by train and test rows. */
function parseSearch(rec: DelimitedRecord, c: Cols): SearchRow {
  const destId = requireIntId(cell(rec, c.srch_destination_id), 'srch_destination_id');
  const isMobile = flag(cell(rec, c.is_mobile), 'is_mobile');
  const userCountry = optionalText(cell(rec, c.user_location_country));
  return {
    userId: requireId(cell(rec, c.user_id), 'user_id'),
    ts: requireDate(cell(rec, c.date_time), 'date_time'),
    destId, isMobile, userCountry,
    context: {
      srch_destination_id: destId,
      srch_destination_type_id: optionalText(cell(rec, c.srch_destination_type_id)),
      srch_ci: isoOrNull(optionalDate(cell(rec, c.srch_ci), 'srch_ci')),
      srch_co: isoOrNull(optionalDate(cell(rec, c.srch_co), 'srch_co')),
      adults: optionalInt(cell(rec, c.srch_adults_cnt), 'srch_adults_cnt'),
      children: optionalInt(cell(rec, c.srch_children_cnt), 'srch_children_cnt'),
      rooms: optionalInt(cell(rec, c.srch_rm_cnt), 'srch_rm_cnt'),
      is_mobile: isMobile,
      is_package: flag(cell(rec, c.is_package), 'is_package'),
      channel: optionalText(cell(rec, c.channel)),
      site_name: optionalText(cell(rec, c.site_name)),
      user_location_country: userCountry,
      orig_destination_distance: optionalNumber(cell(rec, c.orig_destination_distance), 'orig_destination_distance'),
    },
  };
}

function emitUser(out: BatchBuilder, row: SearchRow): void {
  if (!out.claimUser(row.userId)) return;
  const device = row.isMobile === null ? null : row.isMobile ? 'mobile' : 'desktop';
  out.addUser(makeUser(row.userId, { homeCountry: row.userCountry, device }));
}

/**
 * Train rows have no id. The event id is a hash of the row's fields (not its line number, which shifts
 * when rows are added or removed elsewhere); an exact repeat of the previous row gets a `:2`, `:3`… suffix
 * so adjacent duplicate events stay distinct, while the same row imported again maps to the same id.
 */
class TrainIds {
  private prev = '';
  private run = 1;
  next(fields: readonly string[]): string {
    const h = shortHash(fields.join('\u001f'));
    this.run = h === this.prev ? this.run + 1 : 1;
    this.prev = h;
    return this.run === 1 ? `expedia:train:${h}` : `expedia:train:${h}:${this.run}`;
  }
}

function trainRow(rec: DelimitedRecord, { c, out, ids }: Env): void {
  const row = parseSearch(rec, c);
  const cluster = requireIntId(cell(rec, c.hotel_cluster), 'hotel_cluster');
  const isBooking = flag(cell(rec, c.is_booking), 'is_booking');
  if (isBooking === null) throw new RowError('empty flag in column is_booking');
  const cnt = optionalInt(cell(rec, c.cnt), 'cnt');
  const itemId = `cluster:${cluster}`;
  if (out.claimItem(itemId)) {
    const country = optionalText(cell(rec, c.hotel_country));
    out.addItem(makeItem(itemId, 'hotel', {
      country,
      attributes: {
        hotel_cluster: Number(cluster), hotel_continent: optionalText(cell(rec, c.hotel_continent)), hotel_country: country,
        hotel_market: optionalText(cell(rec, c.hotel_market)),
      },
    }));
  }
  emitUser(out, row);
  out.addInteraction({
    eventId: ids.next(rec.fields), userId: row.userId, itemId, type: isBooking ? 'booking' : 'click',
    value: isBooking ? null : cnt, ts: row.ts, sessionId: null, context: { ...row.context, cnt },
  });
}

function testRow(rec: DelimitedRecord, { c, out }: Env): void {
  const id = requireIntId(cell(rec, c.id), 'id');
  const row = parseSearch(rec, c);
  const itemId = `dest:${row.destId}`;
  if (out.claimItem(itemId)) out.addItem(makeItem(itemId, 'destination', { country: optionalText(cell(rec, c.hotel_country)) }));
  emitUser(out, row);
  out.addInteraction({
    eventId: `expedia:test:${id}`, userId: row.userId, itemId, type: 'search', value: null, ts: row.ts,
    sessionId: null, context: row.context,
  });
}

function destinationRow(rec: DelimitedRecord, { c, t, out, latent: latentCols }: Env): void {
  const id = requireIntId(cell(rec, c.srch_destination_id), 'srch_destination_id');
  const latent = latentCols.map((idx) => requireNumber(rec.fields[idx] ?? '', t.header[idx] ?? `#${idx}`));
  const itemId = `dest:${id}`;
  if (out.claimItem(itemId)) out.addItem(makeItem(itemId, 'destination', { attributes: { latent } }));
  else throw new RowError(`duplicate id in column srch_destination_id: '${id}'`);
}

/** Indexes of the d1..dN columns, in numeric order. */
function latentColumns(t: Table): number[] {
  return t.header
    .map((h, i) => ({ n: /^d(\d+)$/.exec(h)?.[1], i }))
    .filter((c): c is { n: string; i: number } => c.n !== undefined)
    .sort((a, b) => Number(a.n) - Number(b.n))
    .map((c) => c.i);
}

async function* readExpedia2016(p: string, options: Expedia2016Options, ctx: LoaderContext): AsyncIterable<ImportBatch> {
  const sources = await findSources(p, options.parts ?? ORDER);
  const progress = await MultiFileProgress.create(sources.map((s) => s.table.file), ctx.onProgress);
  const out = new BatchBuilder(ctx.batchSize);
  const ids = new TrainIds();
  for (const { part, table } of sources) {
    const env: Env = { c: columnsOf(table, COLUMNS), t: table, out, ids, latent: part === 'destinations' ? latentColumns(table) : [] };
    const handle = part === 'train' ? trainRow : part === 'test' ? testRow : destinationRow;
    for await (const batch of tableRows(table, ctx, progress.forFile(table.file))) {
      for (const rec of batch) {
        guardRow(ctx, table, rec, handle, env);
        if (out.full) yield out.take();
      }
    }
  }
  if (!out.empty) yield out.take();
}

/**
 * Path: a folder with any of train.csv, test.csv, destinations.csv, or one of those files (recognised by
 * header). Users are the plain `user_id`. Event ids: `expedia:test:<id>` for test rows; for train rows a
 * content hash, see `TrainIds`.
 */
export const expedia2016Loader: DatasetLoader<Expedia2016Options> = {
  name: 'expedia-2016',
  read: readExpedia2016,
};
