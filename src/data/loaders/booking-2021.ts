/**
 * @module data/loaders/booking-2021
 * Booking.com WSDM WebTour 2021 multi-destination trips: users, `city:<id>` items and one booking per
 * stay, ordered by check-in within each trip; hidden final stays (city_id 0) are filled from ground truth.
 * Memory grows with distinct users, cities and trips (and the truth file), never with the number of rows.
 */
import path from 'node:path';
import { makeItem, makeUser } from '../../domain/types.ts';
import type { Interaction } from '../../domain/types.ts';
import { InvalidInputError } from '../../errors.ts';
import type { DelimitedRecord } from '../csv.ts';
import { readHeader } from '../csv.ts';
import { daysBetween, formatIsoDate } from '../dates.ts';
import type { DatasetLoader, ImportBatch, LoaderContext } from '../import-types.ts';
import {
  BatchBuilder, MultiFileProgress, RowError, cell, columnsOf, guardRow, listFiles, openTable, optionalInt, optionalText,
  pathKind, requireDate, requireId, requireIntId, tableRows,
} from './common.ts';
import type { Table } from './common.ts';

export interface Booking2021Options {
  /** Fill hidden final stays (city_id 0) from ground_truth.csv / sample_truth.csv when present (default true). */
  useTruth?: boolean;
}

type Split = 'train' | 'test';

const TRAIN_FILES = ['train_set.csv', 'booking_train_set.csv'] as const;
const TEST_FILES = ['test_set.csv', 'booking_test_set.csv', 'sample_test_set.csv'] as const;
const TRUTH_FILES = ['ground_truth.csv', 'sample_truth.csv'] as const;
const TRIP_REQUIRED = ['user_id', 'checkin', 'checkout', 'city_id', 'utrip_id'] as const;
const TRUTH_REQUIRED = ['utrip_id', 'city_id'] as const;
const TRIP_COLUMNS = [
  'user_id', 'checkin', 'checkout', 'city_id', 'utrip_id', 'device_class', 'affiliate_id', 'booker_country',
  'hotel_country', 'row_num', 'total_rows',
] as const;
type TripCols = { readonly [P in (typeof TRIP_COLUMNS)[number]]: number | undefined };
/** A trip longer than this is emitted in parts (bounds memory on a malformed file). */
const MAX_TRIP_ROWS = 1000;
/** city_id of the concealed last stay of a test trip. */
const HIDDEN_CITY = '0';

interface TripRow {
  line: number;
  userId: string;
  utripId: string;
  cityId: string;
  checkin: number;
  checkout: number;
  device: string | null;
  affiliateId: string | null;
  bookerCountry: string | null;
  hotelCountry: string | null;
  rowNum: number | null;
  totalRows: number | null;
}

interface Truth { city: string; country: string | null; line: number }

interface TripState {
  truth: Map<string, Truth>;
  /** Steps already emitted per trip; lets a trip whose rows are not contiguous keep counting. */
  tripSteps: Map<string, number>;
  hiddenWithoutTruth: number;
  splitTrips: number;
}

interface Sources { trips: { table: Table; split: Split }[]; truths: Table[] }

/** Resolve a folder or single file into trip tables and truth tables (headers checked). */
async function findSources(p: string): Promise<Sources> {
  if ((await pathKind(p)) === 'file') return classifyFile(p);
  const names = await listFiles(p);
  const trips: Sources['trips'] = [];
  for (const name of TRAIN_FILES) if (names.has(name)) trips.push({ table: await openTable(path.join(p, name), TRIP_REQUIRED), split: 'train' });
  for (const name of TEST_FILES) if (names.has(name)) trips.push({ table: await openTable(path.join(p, name), TRIP_REQUIRED), split: 'test' });
  const truths: Table[] = [];
  for (const name of TRUTH_FILES) if (names.has(name)) truths.push(await openTable(path.join(p, name), TRUTH_REQUIRED));
  if (trips.length === 0 && truths.length === 0) {
    throw new InvalidInputError(
      `${p}: no Booking.com 2021 files; expected any of ${[...TRAIN_FILES, ...TEST_FILES, ...TRUTH_FILES].join(', ')}`,
    );
  }
  return { trips, truths };
}

/**
 * A single file is a truth file when it has utrip_id but neither checkin nor user_id, else a trip file;
 * a trip file is `test` when it has row_num or "test" in its name.
 */
async function classifyFile(file: string): Promise<Sources> {
  const header = (await readHeader(file, { delimiter: ',' })) ?? [];
  if (!header.includes('checkin') && !header.includes('user_id') && header.includes('utrip_id')) return { trips: [], truths: [await openTable(file, TRUTH_REQUIRED)] };
  const split: Split = header.includes('row_num') || /test/i.test(path.basename(file)) ? 'test' : 'train';
  return { trips: [{ table: await openTable(file, TRIP_REQUIRED), split }], truths: [] };
}

function parseTripRow(rec: DelimitedRecord, c: TripCols): TripRow {
  const checkin = requireDate(cell(rec, c.checkin), 'checkin');
  const checkout = requireDate(cell(rec, c.checkout), 'checkout');
  if (checkout < checkin) throw new RowError(`checkout '${cell(rec, c.checkout)}' is before checkin '${cell(rec, c.checkin)}'`);
  const rowNum = optionalInt(cell(rec, c.row_num), 'row_num');
  if (rowNum !== null && rowNum < 1) throw new RowError(`bad integer in column row_num: '${cell(rec, c.row_num)}'`);
  return {
    line: rec.line,
    userId: requireId(cell(rec, c.user_id), 'user_id'),
    utripId: requireId(cell(rec, c.utrip_id), 'utrip_id'),
    cityId: requireIntId(cell(rec, c.city_id), 'city_id'),
    checkin,
    checkout,
    device: optionalText(cell(rec, c.device_class)),
    affiliateId: optionalText(cell(rec, c.affiliate_id)),
    bookerCountry: optionalText(cell(rec, c.booker_country)),
    hotelCountry: optionalText(cell(rec, c.hotel_country)),
    rowNum,
    totalRows: optionalInt(cell(rec, c.total_rows), 'total_rows'),
  };
}

interface TruthEnv { truth: Map<string, Truth>; c: { readonly [P in 'utrip_id' | 'city_id' | 'hotel_country']: number | undefined } }

function parseTruthRow(rec: DelimitedRecord, { truth, c }: TruthEnv): void {
  const utrip = requireId(cell(rec, c.utrip_id), 'utrip_id');
  const city = requireIntId(cell(rec, c.city_id), 'city_id');
  if (city === HIDDEN_CITY) throw new RowError(`bad id in column city_id: '0' (truth must name a city)`);
  const prior = truth.get(utrip);
  if (prior !== undefined) throw new RowError(`duplicate utrip_id '${utrip}' (first at line ${prior.line})`);
  truth.set(utrip, { city, country: optionalText(cell(rec, c.hotel_country)), line: rec.line });
}

/** Load truth files into utrip_id → city (bounded by the truth files' size: 70k rows for the full challenge). */
async function readTruth(tables: Table[], ctx: LoaderContext, progress: MultiFileProgress): Promise<Map<string, Truth>> {
  const truth = new Map<string, Truth>();
  for (const t of tables) {
    const env: TruthEnv = { truth, c: columnsOf(t, ['utrip_id', 'city_id', 'hotel_country']) };
    for await (const batch of tableRows(t, ctx, progress.forFile(t.file))) {
      for (const rec of batch) guardRow(ctx, t, rec, parseTruthRow, env);
    }
  }
  return truth;
}

function emitCity(out: BatchBuilder, city: string, country: string | null): string {
  const id = `city:${city}`;
  if (out.claimItem(id)) out.addItem(makeItem(id, 'city', { country }));
  return id;
}

/**
 * Emit one trip (or a contiguous part of it) as bookings ordered by check-in. The hidden final stay
 * gets the truth city when known, otherwise no booking.
 */
function emitTrip(rows: TripRow[], split: Split, out: BatchBuilder, state: TripState): void {
  rows.sort((a, b) => a.checkin - b.checkin || a.line - b.line);
  const first = rows[0];
  if (first === undefined) return;
  const utrip = first.utripId;
  const prior = state.tripSteps.get(utrip) ?? 0;
  if (prior > 0) state.splitTrips++;
  const lastHidden = rows.findLastIndex((r) => r.cityId === HIDDEN_CITY);
  for (const [i, r] of rows.entries()) {
    if (out.claimUser(r.userId)) out.addUser(makeUser(r.userId, { homeCountry: r.bookerCountry, device: r.device }));
    const truth = i === lastHidden ? state.truth.get(utrip) : undefined;
    if (r.cityId === HIDDEN_CITY && truth === undefined) { state.hiddenWithoutTruth++; continue; }
    if (truth !== undefined) state.truth.delete(utrip);
    out.addInteraction(booking(r, out, r.rowNum ?? prior + i + 1, split, truth));
  }
  state.tripSteps.set(utrip, prior + rows.length);
}

/** The booking event of one stay (the truth city replaces a hidden one); emits the city item once. */
function booking(r: TripRow, out: BatchBuilder, step: number, split: Split, truth: Truth | undefined): Interaction {
  const city = truth?.city ?? r.cityId;
  const country = truth !== undefined ? truth.country : r.hotelCountry;
  const checkin = formatIsoDate(r.checkin);
  return {
    eventId: `booking2021:${r.utripId}:${checkin}:${city}`,
    userId: r.userId, itemId: emitCity(out, city, country), type: 'booking', value: daysBetween(r.checkin, r.checkout),
    ts: r.checkin, sessionId: r.utripId,
    context: {
      booker_country: r.bookerCountry, hotel_country: country, device_class: r.device, affiliate_id: r.affiliateId,
      checkin, checkout: formatIsoDate(r.checkout), trip_step: step, split,
      ...(r.totalRows !== null ? { trip_length: r.totalRows } : {}),
      ...(truth !== undefined ? { from_truth: true } : {}),
    },
  };
}

/** Stream one trip file, grouping consecutive rows of the same utrip_id. */
async function* readTrips(
  src: { table: Table; split: Split }, ctx: LoaderContext, out: BatchBuilder, state: TripState, progress: MultiFileProgress,
): AsyncIterable<ImportBatch> {
  let trip: TripRow[] = [];
  const cols = columnsOf(src.table, TRIP_COLUMNS);
  for await (const batch of tableRows(src.table, ctx, progress.forFile(src.table.file))) {
    for (const rec of batch) {
      const row = guardRow(ctx, src.table, rec, parseTripRow, cols);
      if (row === undefined) continue;
      const head = trip[0];
      if (head !== undefined && (head.utripId !== row.utripId || trip.length >= MAX_TRIP_ROWS)) {
        emitTrip(trip, src.split, out, state);
        trip = [];
        if (out.full) yield out.take();
      }
      trip.push(row);
    }
  }
  emitTrip(trip, src.split, out, state);
}

function sayNotices(ctx: LoaderContext, state: TripState, unmatched: number, hadTrips: boolean): void {
  if (state.hiddenWithoutTruth > 0) {
    ctx.notice?.(`${state.hiddenWithoutTruth} hidden final stays (city_id 0) had no ground truth: no booking emitted for them`);
  }
  if (state.splitTrips > 0) {
    ctx.notice?.(`${state.splitTrips} trips had non-contiguous (or >${MAX_TRIP_ROWS}) rows: each part is ordered by checkin on its own`);
  }
  if (unmatched > 0) {
    const why = hadTrips ? 'matched no test trip' : 'came without trip files';
    ctx.notice?.(`${unmatched} ground-truth rows ${why}: their cities were imported as items only`);
  }
}

async function* readBooking2021(p: string, options: Booking2021Options, ctx: LoaderContext): AsyncIterable<ImportBatch> {
  const src = await findSources(p);
  const truths = options.useTruth === false ? [] : src.truths;
  const files = [...truths, ...src.trips.map((t) => t.table)].map((t) => t.file);
  const progress = await MultiFileProgress.create(files, ctx.onProgress);
  const out = new BatchBuilder(ctx.batchSize);
  const state: TripState = { truth: await readTruth(truths, ctx, progress), tripSteps: new Map(), hiddenWithoutTruth: 0, splitTrips: 0 };
  for (const trips of src.trips) yield* readTrips(trips, ctx, out, state, progress);
  const unmatched = state.truth.size;
  for (const t of state.truth.values()) {
    emitCity(out, t.city, t.country);
    if (out.full) yield out.take();
  }
  sayNotices(ctx, state, unmatched, src.trips.length > 0);
  if (!out.empty) yield out.take();
}

/**
 * Path: a folder holding any of train_set.csv / booking_train_set.csv (split `train`), test_set.csv /
 * booking_test_set.csv / sample_test_set.csv (split `test`), ground_truth.csv / sample_truth.csv; or one
 * of those files. Columns are matched by header name (an unnamed leading index column is ignored).
 * Event ids are `booking2021:<utrip_id>:<checkin yyyy-mm-dd>:<city_id>`: one stay per trip and day.
 */
export const booking2021Loader: DatasetLoader<Booking2021Options> = {
  name: 'booking-2021',
  read: readBooking2021,
};
