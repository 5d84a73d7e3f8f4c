/**
 * @module data/loaders/airbnb
 * Kaggle Airbnb New User Bookings: users (with session summaries), `country:<code>` destination items,
 * and one booking per user whose first booking went to a country (NDF means no booking).
 */
import path from 'node:path';
import { makeUser } from '../../domain/types.ts';
import type { Interaction, User } from '../../domain/types.ts';
import { InvalidInputError } from '../../errors.ts';
import type { DelimitedRecord } from '../csv.ts';
import { readHeader } from '../csv.ts';
import { formatIsoDate, parseCompactDateTime, parseIsoDateTime } from '../dates.ts';
import type { DatasetLoader, ImportBatch, LoaderContext } from '../import-types.ts';
import { bareCountryItem, countryItemId, readCountryItems } from './airbnb-countries.ts';
import { readSessions } from './airbnb-sessions.ts';
import type { SessionSummaries } from './airbnb-sessions.ts';
import {
  BatchBuilder, MultiFileProgress, cell, columnsOf, guardRow, listFiles, openTable, optionalDate, optionalInt, optionalNumber,
  optionalText, pathKind, pickFile, rejectRow, requireDate, requireId, tableRows,
} from './common.ts';
import type { Table } from './common.ts';

export interface AirbnbOptions {
  /** Summarise sessions*.csv into user attributes (default true); false skips those files. */
  sessions?: boolean;
}

type Split = 'train' | 'test';

const TRAIN_USERS = ['train_users_2.csv', 'train_users.csv', 'users.csv'] as const;
const TEST_USERS = ['test_users.csv'] as const;
const REQUIRED = {
  users: ['id', 'date_account_created'],
  sessions: ['user_id', 'action'],
  countries: ['country_destination', 'lat_destination', 'lng_destination'],
  buckets: ['age_bucket', 'country_destination', 'gender', 'population_in_thousands'],
} as const;
/** country_destination of users who never booked. */
const NO_BOOKING = 'NDF';

interface Sources {
  users: { table: Table; split: Split }[];
  sessions: Table[];
  countries?: Table;
  buckets?: Table;
}

async function findSources(p: string): Promise<Sources> {
  if ((await pathKind(p)) === 'file') return classifyFile(p);
  const names = await listFiles(p);
  const src: Sources = { users: [], sessions: [] };
  const train = pickFile(p, names, TRAIN_USERS);
  if (train !== undefined) src.users.push({ table: await openTable(train, REQUIRED.users), split: 'train' });
  const test = pickFile(p, names, TEST_USERS);
  if (test !== undefined) src.users.push({ table: await openTable(test, REQUIRED.users), split: 'test' });
  const sessionFiles = [...names].filter((n) => n === 'sessions.csv' || /^sessions_.*\.csv$/.test(n)).sort();
  for (const n of sessionFiles) src.sessions.push(await openTable(path.join(p, n), REQUIRED.sessions));
  if (names.has('countries.csv')) src.countries = await openTable(path.join(p, 'countries.csv'), REQUIRED.countries);
  if (names.has('age_gender_bkts.csv')) src.buckets = await openTable(path.join(p, 'age_gender_bkts.csv'), REQUIRED.buckets);
  if (src.users.length + src.sessions.length === 0 && !src.countries && !src.buckets) {
    const expected = [...TRAIN_USERS, ...TEST_USERS, 'sessions.csv', 'countries.csv', 'age_gender_bkts.csv'];
    throw new InvalidInputError(`${p}: no Airbnb files; expected any of ${expected.join(', ')}`);
  }
  return src;
}

/** One file, recognised by its header. */
async function classifyFile(file: string): Promise<Sources> {
  const header = (await readHeader(file, { delimiter: ',' })) ?? [];
  if (header.includes('age_bucket')) return { users: [], sessions: [], buckets: await openTable(file, REQUIRED.buckets) };
  if (header.includes('lat_destination')) return { users: [], sessions: [], countries: await openTable(file, REQUIRED.countries) };
  if (header.includes('user_id')) return { users: [], sessions: [await openTable(file, REQUIRED.sessions)] };
  const split: Split = header.includes('country_destination') ? 'train' : 'test';
  return { users: [{ table: await openTable(file, REQUIRED.users), split }], sessions: [] };
}

/** timestamp_first_active is compact (`20090319043255`); accept ISO too. */
const parseFirstActive = (s: string): number | null => parseCompactDateTime(s) ?? parseIsoDateTime(s);
const isoDate = (ms: number | null): string | null => (ms === null ? null : formatIsoDate(ms));

interface UserRow { user: User; destination: string | null; booking: Omit<Interaction, 'itemId'> | null }

const USER_COLUMNS = [
  'id', 'date_account_created', 'timestamp_first_active', 'date_first_booking', 'gender', 'age', 'signup_method',
  'signup_flow', 'language', 'affiliate_channel', 'affiliate_provider', 'first_affiliate_tracked', 'signup_app',
  'first_device_type', 'first_browser', 'country_destination',
] as const;
interface UserEnv { c: { readonly [P in (typeof USER_COLUMNS)[number]]: number | undefined }; split: Split }

/** Parse one users row. Dates are strict ISO: a day/month-swapped export must not pass silently. */
function parseUser(rec: DelimitedRecord, { c, split }: UserEnv): UserRow {
  const id = requireId(cell(rec, c.id), 'id');
  const created = requireDate(cell(rec, c.date_account_created), 'date_account_created', parseIsoDateTime);
  const firstActive = optionalDate(cell(rec, c.timestamp_first_active), 'timestamp_first_active', parseFirstActive);
  const firstBooking = optionalDate(cell(rec, c.date_first_booking), 'date_first_booking', parseIsoDateTime);
  const signupMethod = optionalText(cell(rec, c.signup_method));
  const language = optionalText(cell(rec, c.language));
  const channel = optionalText(cell(rec, c.affiliate_channel));
  const device = optionalText(cell(rec, c.first_device_type));
  const user = makeUser(id, {
    device,
    attributes: {
      date_account_created: isoDate(created),
      timestamp_first_active: firstActive === null ? null : new Date(firstActive).toISOString(),
      date_first_booking: isoDate(firstBooking),
      gender: optionalText(cell(rec, c.gender)),
      age: optionalNumber(cell(rec, c.age), 'age'),
      signup_method: signupMethod,
      signup_flow: optionalInt(cell(rec, c.signup_flow), 'signup_flow'),
      language,
      affiliate_channel: channel,
      affiliate_provider: optionalText(cell(rec, c.affiliate_provider)),
      first_affiliate_tracked: optionalText(cell(rec, c.first_affiliate_tracked)),
      signup_app: optionalText(cell(rec, c.signup_app)),
      first_browser: optionalText(cell(rec, c.first_browser)),
      split,
    },
  });
  const destination = optionalText(cell(rec, c.country_destination));
  if (destination === null || destination === NO_BOOKING) return { user, destination: null, booking: null };
  const booking = {
    eventId: `airbnb:first_booking:${id}`, userId: id, type: 'booking' as const, value: null,
    ts: firstBooking ?? created, sessionId: null,
    context: {
      signup_method: signupMethod, affiliate_channel: channel, language, first_device_type: device,
      ts_source: firstBooking === null ? 'date_account_created' : 'date_first_booking',
    },
  };
  return { user, destination, booking };
}

async function* readUsers(
  src: Sources['users'][number], ctx: LoaderContext, out: BatchBuilder, sessions: SessionSummaries, progress: MultiFileProgress,
): AsyncIterable<ImportBatch> {
  const t = src.table;
  const env: UserEnv = { c: columnsOf(t, USER_COLUMNS), split: src.split };
  for await (const batch of tableRows(t, ctx, progress.forFile(t.file))) {
    for (const rec of batch) {
      const row = guardRow(ctx, t, rec, parseUser, env);
      if (row === undefined) continue;
      if (!out.claimUser(row.user.id)) {
        rejectRow(ctx, t, rec, `duplicate id in column id: '${row.user.id}'`);
        continue;
      }
      const summary = sessions.take(row.user.id);
      if (summary !== undefined) row.user.attributes = { ...row.user.attributes, sessions: summary };
      out.addUser(row.user);
      if (row.booking !== null && row.destination !== null) {
        const itemId = countryItemId(row.destination);
        if (out.claimItem(itemId)) out.addItem(bareCountryItem(row.destination));
        out.addInteraction({ ...row.booking, itemId });
      }
      if (out.full) yield out.take();
    }
  }
}

/** Users seen only in sessions files: imported with their summary so the sessions are not lost. */
function* sessionOnlyUsers(out: BatchBuilder, sessions: SessionSummaries): Iterable<ImportBatch> {
  for (const id of sessions.pendingUsers()) {
    const summary = sessions.take(id);
    if (!out.claimUser(id) || summary === undefined) continue;
    out.addUser(makeUser(id, { attributes: { sessions: summary } }));
    if (out.full) yield out.take();
  }
}

async function* readAirbnb(p: string, options: AirbnbOptions, ctx: LoaderContext): AsyncIterable<ImportBatch> {
  const src = await findSources(p);
  const sessionTables = options.sessions === false ? [] : src.sessions;
  const tables = [src.countries, src.buckets, ...sessionTables, ...src.users.map((u) => u.table)].filter((t) => t !== undefined);
  const progress = await MultiFileProgress.create(tables.map((t) => t.file), ctx.onProgress);
  const out = new BatchBuilder(ctx.batchSize);
  for (const item of (await readCountryItems(src.countries, src.buckets, ctx, progress)).values()) {
    if (out.claimItem(item.id)) out.addItem(item);
  }
  const sessions = await readSessions(sessionTables, ctx, progress);
  if (sessions.rows > 0) {
    ctx.notice?.(
      `sessions: ${sessions.rows} rows have no timestamp and no item, so they were summarised into users' ` +
      'attributes.sessions (actions, secs_elapsed_total, top action types/actions/devices) instead of interactions',
    );
  }
  for (const users of src.users) yield* readUsers(users, ctx, out, sessions, progress);
  const orphans = sessions.pendingUsers().length;
  if (orphans > 0) ctx.notice?.(`${orphans} session users are not in the users files: imported with their session summary only`);
  yield* sessionOnlyUsers(out, sessions);
  if (!out.empty) yield out.take();
}

/**
 * Path: a folder with any of train_users_2.csv / train_users.csv / users.csv, test_users.csv, sessions.csv /
 * sessions_*.csv, countries.csv, age_gender_bkts.csv; or one of those files (recognised by header).
 * Event id: `airbnb:first_booking:<user id>` — the dataset records at most one (first) booking per user.
 */
export const airbnbLoader: DatasetLoader<AirbnbOptions> = {
  name: 'airbnb',
  read: readAirbnb,
};
