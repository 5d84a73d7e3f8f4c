/**
 * @module data/synthetic/world
 * Assembles a synthetic world from a seed: cities, hotels, users, the hidden truth, and the
 * samplers the session simulator draws destinations and users from. Immutable once built.
 */
import { createRng, deriveSeed } from '../../util/rng.ts';
import { buildGroupedSampler, buildSampler, groupMembers, type GroupedSampler } from './alias.ts';
import { cityCountFor, generateCities, generateHotels, type Cities, type Hotels } from './catalog.ts';
import { COUNTRIES, DEST_TYPES, seasonWeight } from './geo.ts';
import { createTypeFactors } from './latent.ts';
import { generatePopulation, type Population } from './population.ts';
import { createCalendar, createTimeline, DAY_MS, type Calendar, type Timeline } from './timeline.ts';
import { allocateTruth, createTruth, type HiddenTruth } from './truth.ts';

/** Longest booking lead time, days; the calendar covers the period plus this. */
export const MAX_LEAD_DAYS = 330;
const MAX_NIGHTS = 14;

export interface WorldOptions {
  users: number;
  /** Number of hotels. */
  items: number;
  seed: number;
  startTs: number;
  days: number;
  dim: number;
}

export interface World {
  options: WorldOptions;
  cities: Cities;
  hotels: Hotels;
  users: Population;
  truth: HiddenTruth;
  /** Per check-in month: cities grouped by destination type, weighted by popularity × season. */
  citiesByTypeMonth: GroupedSampler[];
  /** Per check-in month: cities grouped by country, weighted by popularity × season. */
  citiesByCountryMonth: GroupedSampler[];
  /** Per check-in month: all cities in one group. */
  citiesByMonth: GroupedSampler[];
  /** `12 × DEST_TYPES.length`: mean season weight of each type's cities (popularity-weighted) per month. */
  typeSeason: Float64Array;
  /** Users weighted by activity. */
  activeUsers: GroupedSampler;
  timeline: Timeline;
  calendar: Calendar;
}

/** How much each destination type is in season per month, so that type choice follows the calendar. */
function typeSeasonality(cities: Cities): Float64Array {
  const nt = DEST_TYPES.length;
  const out = new Float64Array(12 * nt);
  const mass = new Float64Array(nt);
  for (let c = 0; c < cities.count; c++) mass[cities.type[c]!]! += cities.pop[c]!;
  for (let m = 0; m < 12; m++) {
    for (let c = 0; c < cities.count; c++) {
      const t = cities.type[c]!;
      out[m * nt + t]! += (cities.pop[c]! * seasonWeight(t, COUNTRIES[cities.country[c]!]!.climate, m)) / mass[t]!;
    }
  }
  return out;
}

function destinationSamplers(cities: Cities): Pick<World, 'citiesByTypeMonth' | 'citiesByCountryMonth' | 'citiesByMonth'> {
  const byType = groupMembers(cities.type, DEST_TYPES.length);
  const byCountry = groupMembers(cities.country, COUNTRIES.length);
  const all = groupMembers(new Uint8Array(cities.count), 1);
  const months = Array.from({ length: 12 }, (_, m) => m);
  const weightFor = (m: number) => (c: number): number =>
    cities.pop[c]! * seasonWeight(cities.type[c]!, COUNTRIES[cities.country[c]!]!.climate, m);
  return {
    citiesByTypeMonth: months.map((m) => buildGroupedSampler(byType, weightFor(m))),
    citiesByCountryMonth: months.map((m) => buildGroupedSampler(byCountry, weightFor(m))),
    citiesByMonth: months.map((m) => buildGroupedSampler(all, weightFor(m))),
  };
}

/** Build the world for `options`. Each part draws from its own seeded stream. */
export function buildWorld(options: WorldOptions): World {
  const { seed, dim, users: userCount, items: hotelCount } = options;
  const data = allocateTruth(seed, dim, userCount, hotelCount);
  const typeFactors = createTypeFactors(createRng(deriveSeed(seed, 'factors')), dim);
  const catalogRng = createRng(deriveSeed(seed, 'catalog'));
  const cities = generateCities(catalogRng, cityCountFor(hotelCount), dim, typeFactors);
  const hotels = generateHotels(catalogRng, cities, hotelCount, dim, typeFactors, data.itemLatent, data.itemAttrs);
  const users = generatePopulation(
    createRng(deriveSeed(seed, 'users')), userCount, dim, typeFactors, data.userLatent, data.userPrefs,
  );
  const firstDay = Math.floor(options.startTs / DAY_MS);
  return {
    options, cities, hotels, users,
    truth: createTruth(data),
    ...destinationSamplers(cities),
    typeSeason: typeSeasonality(cities),
    activeUsers: buildSampler(userCount, (u) => users.activity[u]!),
    timeline: createTimeline(options.startTs, options.days),
    calendar: createCalendar(firstDay, Math.ceil(options.days) + MAX_LEAD_DAYS + MAX_NIGHTS + 2),
  };
}
