/**
 * @module data/loaders/airbnb-countries
 * Airbnb destination countries as `country:<code>` items: countries.csv (position, size, language) and
 * age_gender_bkts.csv (population by gender and age bucket, aggregated per country).
 */
import { makeItem } from '../../domain/types.ts';
import type { Item } from '../../domain/types.ts';
import type { DelimitedRecord } from '../csv.ts';
import type { LoaderContext } from '../import-types.ts';
import type { MultiFileProgress, Table } from './common.ts';
import { RowError, cell, guardRow, optionalNumber, optionalText, requireId, requireNumber, tableRows } from './common.ts';

/** (gender, age bucket) pairs kept per country; the real file has 2 × 21. Bounds memory on odd input. */
const MAX_BUCKETS = 256;

/** Item id of an Airbnb destination code (`US`, `FR`, …, `other`). */
export function countryItemId(code: string): string {
  return `country:${code}`;
}

/** A bare destination item for a code with no countries.csv row. `other` is not a country. */
export function bareCountryItem(code: string): Item {
  return makeItem(countryItemId(code), 'destination', { country: code === 'other' ? null : code });
}

/** Reads a named cell of the current table (small files: a name lookup per cell is fine). */
type Get = (rec: DelimitedRecord, column: string) => string;

function countryRow(rec: DelimitedRecord, { get, items }: { get: Get; items: Map<string, Item> }): void {
  const num = (c: string): number | null => optionalNumber(get(rec, c), c);
  const code = requireId(get(rec, 'country_destination'), 'country_destination');
  items.set(code, makeItem(countryItemId(code), 'destination', {
    country: code,
    lat: num('lat_destination'),
    lon: num('lng_destination'),
    attributes: {
      distance_km: num('distance_km'),
      destination_km2: num('destination_km2'),
      destination_language: optionalText(get(rec, 'destination_language')),
      language_levenshtein_distance: num('language_levenshtein_distance'),
    },
  }));
}

async function readCountries(t: Table, ctx: LoaderContext, progress: MultiFileProgress, items: Map<string, Item>): Promise<void> {
  const env = { get: (rec: DelimitedRecord, c: string): string => cell(rec, t.index(c)), items };
  for await (const batch of tableRows(t, ctx, progress.forFile(t.file))) {
    for (const rec of batch) guardRow(ctx, t, rec, countryRow, env);
  }
}

interface Population { year: number | null; byGender: Record<string, Record<string, number>>; buckets: number; total: number }

function addPopulation(pop: Population, gender: string, bucket: string, thousands: number): void {
  const byAge = (pop.byGender[gender] ??= {});
  if (byAge[bucket] === undefined) {
    if (pop.buckets >= MAX_BUCKETS) throw new RowError(`too many (gender, age_bucket) pairs for one country (max ${MAX_BUCKETS})`);
    pop.buckets++;
  }
  byAge[bucket] = (byAge[bucket] ?? 0) + thousands;
  pop.total += thousands;
}

function bucketRow(rec: DelimitedRecord, { get, byCountry }: { get: Get; byCountry: Map<string, Population> }): void {
  const code = requireId(get(rec, 'country_destination'), 'country_destination');
  const gender = requireId(get(rec, 'gender'), 'gender');
  const bucket = requireId(get(rec, 'age_bucket'), 'age_bucket');
  const thousands = requireNumber(get(rec, 'population_in_thousands'), 'population_in_thousands');
  const year = optionalNumber(get(rec, 'year'), 'year');
  let pop = byCountry.get(code);
  if (pop === undefined || (year !== null && pop.year !== null && year > pop.year)) {
    pop = { year, byGender: {}, buckets: 0, total: 0 };
    byCountry.set(code, pop);
  } else if (year !== null && pop.year !== null && year < pop.year) {
    return; // an older year: superseded
  }
  addPopulation(pop, gender, bucket, thousands);
}

/** Population rows per country; only the latest year is kept, rows of one year are summed. */
async function readBuckets(t: Table, ctx: LoaderContext, progress: MultiFileProgress): Promise<Map<string, Population>> {
  const env = { get: (rec: DelimitedRecord, c: string): string => cell(rec, t.index(c)), byCountry: new Map<string, Population>() };
  for await (const batch of tableRows(t, ctx, progress.forFile(t.file))) {
    for (const rec of batch) guardRow(ctx, t, rec, bucketRow, env);
  }
  return env.byCountry;
}

/**
 * Destination items by code from countries.csv and age_gender_bkts.csv (either may be absent).
 * Population attributes: `population_by_age_gender` {gender: {bucket: thousands}}, `population_year`,
 * `population_thousands` (total).
 */
export async function readCountryItems(
  countries: Table | undefined, buckets: Table | undefined, ctx: LoaderContext, progress: MultiFileProgress,
): Promise<Map<string, Item>> {
  const items = new Map<string, Item>();
  if (countries) await readCountries(countries, ctx, progress, items);
  if (!buckets) return items;
  for (const [code, pop] of await readBuckets(buckets, ctx, progress)) {
    const item = items.get(code) ?? bareCountryItem(code);
    item.attributes = {
      ...item.attributes,
      population_by_age_gender: pop.byGender,
      population_year: pop.year,
      population_thousands: Math.round(pop.total * 1000) / 1000,
    };
    items.set(code, item);
  }
  return items;
}
