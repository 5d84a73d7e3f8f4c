/**
 * @module data/synthetic/geo
 * The fixed geography of the synthetic world: 40 countries, destination types with their season
 * profiles, hotel chains, and name parts. Data and pure functions only.
 */

/** Seasonal climate of a country: where the summer peak falls (arid: beaches peak in winter). */
export type Climate = 'north' | 'south' | 'tropical' | 'arid';

export interface Country {
  code: string;
  name: string;
  lat: number;
  lon: number;
  /** Spread of its cities around the centre, degrees. */
  spreadDeg: number;
  /** Relative share of travellers living there (home-country skew). */
  sourceWeight: number;
  /** Relative pull as a destination. */
  destWeight: number;
  /** Log-price offset of its hotels relative to the world mean. */
  priceLevel: number;
  climate: Climate;
  beach: boolean;
  ski: boolean;
}

type Row = [string, string, number, number, number, number, number, number, Climate, string];
// code, name, lat, lon, spread, source, dest, priceLevel, climate, types (b = beach, s = ski)
const ROWS: Row[] = [
  ['US', 'United States', 39.8, -98.6, 9, 16, 10, 0.25, 'north', 'bs'],
  ['DE', 'Germany', 51.2, 10.4, 2, 11, 5, 0.05, 'north', 'bs'],
  ['GB', 'United Kingdom', 54.0, -2.0, 2, 10, 6, 0.2, 'north', 'b'],
  ['FR', 'France', 46.6, 2.2, 2.5, 7, 10, 0.15, 'north', 'bs'],
  ['ES', 'Spain', 40.4, -3.7, 2.5, 4, 9, -0.1, 'north', 'bs'],
  ['IT', 'Italy', 42.8, 12.5, 2.5, 4, 8, 0.05, 'north', 'bs'],
  ['NL', 'Netherlands', 52.1, 5.3, 0.6, 4, 3, 0.15, 'north', 'b'],
  ['CH', 'Switzerland', 46.8, 8.2, 0.6, 2, 3, 0.5, 'north', 's'],
  ['AT', 'Austria', 47.5, 14.5, 1, 2, 4, 0.1, 'north', 's'],
  ['PT', 'Portugal', 39.4, -8.2, 1, 1, 4, -0.2, 'north', 'b'],
  ['GR', 'Greece', 39.1, 21.8, 1.5, 1, 5, -0.15, 'north', 'b'],
  ['TR', 'Turkey', 39.0, 35.0, 3, 2, 5, -0.5, 'north', 'bs'],
  ['HR', 'Croatia', 45.1, 15.2, 1, 0.5, 3, -0.2, 'north', 'b'],
  ['SE', 'Sweden', 62.0, 15.0, 3, 2, 1.5, 0.2, 'north', 's'],
  ['NO', 'Norway', 61.0, 8.0, 3, 1.5, 1.5, 0.4, 'north', 's'],
  ['DK', 'Denmark', 56.0, 10.0, 0.8, 1.2, 1.2, 0.35, 'north', 'b'],
  ['PL', 'Poland', 52.0, 19.0, 2, 2.5, 2, -0.4, 'north', 's'],
  ['CZ', 'Czechia', 49.8, 15.5, 1, 1, 2, -0.3, 'north', ''],
  ['IE', 'Ireland', 53.4, -8.2, 1, 1, 1.5, 0.2, 'north', ''],
  ['BE', 'Belgium', 50.5, 4.5, 0.6, 1.5, 1.5, 0.1, 'north', ''],
  ['CA', 'Canada', 56.0, -106.0, 10, 3, 3, 0.15, 'north', 's'],
  ['MX', 'Mexico', 23.6, -102.5, 5, 2, 5, -0.35, 'tropical', 'b'],
  ['BR', 'Brazil', -14.2, -51.9, 8, 3, 3, -0.4, 'south', 'b'],
  ['AR', 'Argentina', -38.4, -63.6, 6, 1, 2, -0.5, 'south', 'bs'],
  ['JP', 'Japan', 36.2, 138.3, 3, 4, 5, 0.1, 'north', 'bs'],
  ['CN', 'China', 35.9, 104.2, 8, 5, 4, -0.3, 'north', ''],
  ['KR', 'South Korea', 35.9, 127.8, 1, 2, 2, -0.05, 'north', 's'],
  ['IN', 'India', 20.6, 79.0, 6, 3, 3, -0.8, 'tropical', 'b'],
  ['TH', 'Thailand', 15.9, 100.9, 3, 1, 5, -0.6, 'tropical', 'b'],
  ['ID', 'Indonesia', -0.8, 113.9, 6, 1, 3, -0.6, 'tropical', 'b'],
  ['VN', 'Vietnam', 14.0, 108.0, 3, 0.5, 2, -0.8, 'tropical', 'b'],
  ['SG', 'Singapore', 1.35, 103.8, 0.1, 1, 2, 0.3, 'tropical', ''],
  ['AE', 'United Arab Emirates', 23.4, 53.8, 1, 1.5, 4, 0.3, 'arid', 'b'],
  ['EG', 'Egypt', 26.8, 30.8, 3, 0.5, 3, -0.7, 'arid', 'b'],
  ['MA', 'Morocco', 31.8, -7.1, 2, 0.5, 2, -0.6, 'arid', 'b'],
  ['ZA', 'South Africa', -30.6, 22.9, 4, 0.8, 2, -0.4, 'south', 'b'],
  ['AU', 'Australia', -25.3, 133.8, 9, 2.5, 4, 0.25, 'south', 'bs'],
  ['NZ', 'New Zealand', -40.9, 174.9, 2, 0.5, 2, 0.2, 'south', 'bs'],
  ['IS', 'Iceland', 64.9, -19.0, 1, 0.2, 1, 0.5, 'north', ''],
  ['CY', 'Cyprus', 35.1, 33.4, 0.3, 0.2, 1.5, -0.1, 'north', 'b'],
];

/** The 40 countries of the world, in a fixed order (index = country index). */
export const COUNTRIES: readonly Country[] = ROWS.map(
  ([code, name, lat, lon, spreadDeg, sourceWeight, destWeight, priceLevel, climate, types]) => ({
    code, name, lat, lon, spreadDeg, sourceWeight, destWeight, priceLevel, climate,
    beach: types.includes('b'), ski: types.includes('s'),
  }),
);

/** Destination types; the index is stored per city. */
export const DEST_TYPES = ['city', 'beach', 'ski'] as const;
export type DestType = (typeof DEST_TYPES)[number];
export const CITY = 0;
export const BEACH = 1;
export const SKI = 2;

const TAU = 2 * Math.PI;

/** Month (0–11) at which each climate's summer peaks. */
function summerPeak(climate: Climate): number {
  return climate === 'south' || climate === 'arid' ? 0.5 : 6.5;
}

/**
 * Relative demand for a destination of `type` in `climate` for a stay in `month` (0 = January):
 * beaches peak in the local summer, ski resorts in the local winter, city breaks are nearly flat.
 */
export function seasonWeight(type: number, climate: Climate, month: number): number {
  const summer = Math.cos((TAU * (month - summerPeak(climate))) / 12);
  if (type === BEACH) return climate === 'tropical' ? 1 + 0.25 * Math.cos((TAU * (month - 1)) / 12) : 1.05 + 0.95 * summer;
  if (type === SKI) return 0.06 + 1.6 * Math.pow(Math.max(0, -summer), 1.5);
  return 1 + 0.15 * Math.cos((TAU * (month - 5)) / 12);
}

const SEASONS = ['winter', 'spring', 'summer', 'autumn'] as const;

/** Local season name of `month` (0–11) at a destination in `climate`. */
export function seasonName(climate: Climate, month: number): string {
  if (climate === 'tropical') return month >= 4 && month <= 9 ? 'wet' : 'dry';
  const shifted = climate === 'south' ? (month + 6) % 12 : month;
  return SEASONS[Math.floor(((shifted + 1) % 12) / 3)]!;
}

/** Hotel chains by tier (0 budget … 3 luxury). */
export const CHAINS: readonly { name: string; tier: number }[] = [
  ...['Sleepwell Inn', 'Budgetto', 'Roomly', 'Easy Stay', 'Basecamp Hostels', 'Motel Uno', 'Kip Lodge', 'Nite Box']
    .map((name) => ({ name, tier: 0 })),
  ...['Parkside Hotels', 'Meridiana', 'Citylight', 'Harbour House', 'Nordlys', 'Travelia', 'Linden Suites', 'Comfort Arc', 'Plaza Nova']
    .map((name) => ({ name, tier: 1 })),
  ...['Grand Aurea', 'Vistamar Resorts', 'Kensington & Co', 'Alpenrose', 'Solenne', 'Marlowe', 'Riviera Blue', 'Hyland Collection']
    .map((name) => ({ name, tier: 2 })),
  ...['Maison Etoile', 'The Sovereign', 'Lumière Palace', 'Aman Vesta', 'Orient Crown']
    .map((name) => ({ name, tier: 3 })),
];

/** Chain tier for a star rating. */
export function tierOfStars(stars: number): number {
  return stars <= 2 ? 0 : stars - 2;
}

export const SYLLABLES = [
  'ba', 'ra', 'lo', 'mi', 'ven', 'ta', 'sol', 'mar', 'li', 'no', 'ka', 'del', 'ri', 'sa', 'to', 'vi',
  'an', 'er', 'os', 'ul', 'ber', 'gen', 'hal', 'dor', 'fe', 'pi', 'qua', 'zen', 'mo', 'ne', 'stra', 'lu',
] as const;
export const CITY_PREFIX = ['', '', '', '', 'Port ', 'San ', 'Bad ', 'Val ', 'Nova ', 'St. '] as const;
export const HOTEL_WORDS = ['Hotel', 'Casa', 'Villa', 'Lodge', 'Residence', 'Inn', 'Suites', 'Palazzo', 'Haus', 'Boutique'] as const;
export const HOTEL_ADJ = ['Azure', 'Golden', 'Old Town', 'Garden', 'Royal', 'Little', 'Blue', 'Central', 'Sunset', 'Alpine', 'Harbour', 'Quiet'] as const;
