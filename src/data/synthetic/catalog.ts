/**
 * @module data/synthetic/catalog
 * The synthetic supply side: cities (Zipf popularity, a destination type and price level each)
 * and hotels (price, stars, reviews, chain, popularity, latent factors) held in typed arrays.
 */
import { normal, type Rng } from '../../util/rng.ts';
import { buildGroupedSampler, buildSampler, groupMembers, sampleGroup, type GroupedSampler } from './alias.ts';
import { BEACH, CHAINS, CITY, CITY_PREFIX, COUNTRIES, SKI, SYLLABLES, tierOfStars } from './geo.ts';
import { mixVector, randomVectors } from './latent.ts';
import { ITEM_ATTR_STRIDE } from './truth.ts';

/** Hotel status bits. */
export const INVALID = 1;
export const UNAVAILABLE = 2;

/** World mean nightly price, log scale. */
export const BASE_LOG_PRICE = Math.log(95);

export interface Cities {
  count: number;
  country: Uint8Array;
  type: Uint8Array;
  lat: Float32Array;
  lon: Float32Array;
  /** Zipf popularity (unnormalised). */
  pop: Float64Array;
  /** Mean nightly log price of its hotels. */
  logPrice: Float32Array;
  names: string[];
  /** Latent factors, `count × dim`. */
  latent: Float32Array;
}

export interface Hotels {
  count: number;
  city: Int32Array;
  lat: Float32Array;
  lon: Float32Array;
  price: Float32Array;
  stars: Uint8Array;
  review: Float32Array;
  /** Index into CHAINS, or -1 for an independent hotel. */
  chain: Int16Array;
  /** Log of base popularity (lognormal, so popularity is heavy-tailed). */
  logPop: Float32Array;
  /** INVALID | UNAVAILABLE bits. */
  status: Uint8Array;
  /** Draws a valid hotel of city c in proportion to popularity. */
  byCity: GroupedSampler;
}

/** How many cities a world of `hotels` hotels has: max(50, hotels/60), never more than hotels. */
export function cityCountFor(hotels: number): number {
  return Math.max(1, Math.min(hotels, Math.max(50, Math.round(hotels / 60))));
}

const TYPE_SHARE = [0.5, 0.35, 0.2];

function pickCityType(rng: Rng, country: number): number {
  const c = COUNTRIES[country]!;
  const w = [TYPE_SHARE[CITY]!, c.beach ? TYPE_SHARE[BEACH]! : 0, c.ski ? TYPE_SHARE[SKI]! : 0];
  let u = rng.next() * (w[0]! + w[1]! + w[2]!);
  for (let t = 0; t < 3; t++) if ((u -= w[t]!) < 0) return t;
  return CITY;
}

function cityName(rng: Rng): string {
  const n = 2 + rng.int(2);
  let s = '';
  for (let i = 0; i < n; i++) s += SYLLABLES[rng.int(SYLLABLES.length)]!;
  return CITY_PREFIX[rng.int(CITY_PREFIX.length)]! + s.charAt(0).toUpperCase() + s.slice(1);
}

/** Generate `count` cities; `typeFactors` anchors their latent vectors. */
export function generateCities(rng: Rng, count: number, dim: number, typeFactors: Float32Array): Cities {
  const countries = buildSampler(COUNTRIES.length, (i) => COUNTRIES[i]!.destWeight);
  const cityNoise = randomVectors(rng, count, dim);
  const cities: Cities = {
    count, country: new Uint8Array(count), type: new Uint8Array(count), lat: new Float32Array(count),
    lon: new Float32Array(count), pop: new Float64Array(count), logPrice: new Float32Array(count),
    names: [], latent: new Float32Array(count * dim),
  };
  for (let i = 0; i < count; i++) {
    const k = sampleGroup(countries, 0, rng);
    const c = COUNTRIES[k]!;
    const type = pickCityType(rng, k);
    cities.country[i] = k;
    cities.type[i] = type;
    cities.lat[i] = Math.max(-80, Math.min(80, normal(rng, c.lat, c.spreadDeg)));
    cities.lon[i] = ((normal(rng, c.lon, c.spreadDeg * 1.3) + 540) % 360) - 180;
    // Zipf by index: city 0 is the most popular; index order is random with respect to country.
    cities.pop[i] = 1 / Math.pow(i + 1, 0.95);
    cities.logPrice[i] = BASE_LOG_PRICE + c.priceLevel + (type === SKI ? 0.25 : type === BEACH ? 0.05 : 0) + normal(rng, 0, 0.25);
    cities.names.push(cityName(rng));
    mixVector(rng, cities.latent, i, dim, [{ source: typeFactors, row: type, weight: 0.6 }, { source: cityNoise, row: i, weight: 0.45 }], 0);
  }
  return cities;
}

/** Hotel → city: one hotel per city first, then the rest in proportion to city popularity^0.6. */
function assignHotelCities(rng: Rng, cities: Cities, count: number): Int32Array {
  const cityOf = new Int32Array(count);
  const sampler = buildSampler(cities.count, (c) => Math.pow(cities.pop[c]!, 0.6));
  for (let h = 0; h < count; h++) cityOf[h] = h < cities.count ? h : sampleGroup(sampler, 0, rng);
  return cityOf;
}

function pickChain(rng: Rng, stars: number): number {
  // ~45 % of hotels belong to a chain of their tier; big chains are Zipf-more likely.
  if (rng.next() >= 0.45) return -1;
  const tier = tierOfStars(stars);
  let total = 0;
  let rank = 0;
  for (const ch of CHAINS) if (ch.tier === tier) total += 1 / Math.pow(++rank, 0.8);
  let u = rng.next() * total;
  rank = 0;
  for (let i = 0; i < CHAINS.length; i++) {
    if (CHAINS[i]!.tier !== tier) continue;
    if ((u -= 1 / Math.pow(++rank, 0.8)) < 0) return i;
  }
  return -1;
}

function emptyHotels(count: number, city: Int32Array): Omit<Hotels, 'byCity'> {
  return {
    count, city, lat: new Float32Array(count), lon: new Float32Array(count), price: new Float32Array(count),
    stars: new Uint8Array(count), review: new Float32Array(count), chain: new Int16Array(count),
    logPop: new Float32Array(count), status: new Uint8Array(count),
  };
}

/**
 * Generate `count` hotels. Writes their latent vectors into `itemLatent` (`count × dim`) and
 * [log price, stars, quality] into `itemAttrs`, the hidden truth the simulator scores with.
 */
export function generateHotels(
  rng: Rng, cities: Cities, count: number, dim: number, typeFactors: Float32Array,
  itemLatent: Float32Array, itemAttrs: Float32Array,
): Hotels {
  const h = emptyHotels(count, assignHotelCities(rng, cities, count));
  for (let i = 0; i < count; i++) {
    const c = h.city[i]!;
    const q = rng.normal(); // latent quality: drives price, stars and reviews together
    const price = Math.max(12, Math.round(Math.exp(cities.logPrice[c]! + 0.42 * q + normal(rng, 0, 0.2))));
    const stars = Math.max(1, Math.min(5, Math.round(3 + 1.05 * q + normal(rng, 0, 0.45))));
    const review = Math.max(5, Math.min(10, Math.round(10 * normal(rng, 7.9 + 0.3 * q, 0.75)) / 10));
    const logPop = 1.45 * rng.normal() + 0.35 * (review - 7.9);
    h.lat[i] = cities.lat[c]! + normal(rng, 0, 0.04);
    h.lon[i] = cities.lon[c]! + normal(rng, 0, 0.05);
    h.price[i] = price;
    h.stars[i] = stars;
    h.review[i] = review;
    h.chain[i] = pickChain(rng, stars);
    h.logPop[i] = logPop;
    h.status[i] = (rng.next() < 0.01 ? INVALID : 0) | (rng.next() < 0.02 ? UNAVAILABLE : 0);
    const terms = [{ source: typeFactors, row: cities.type[c]!, weight: 0.35 }, { source: cities.latent, row: c, weight: 0.5 }];
    mixVector(rng, itemLatent, i, dim, terms, 0.85);
    const a = i * ITEM_ATTR_STRIDE;
    itemAttrs[a] = Math.log(price);
    itemAttrs[a + 1] = stars;
    itemAttrs[a + 2] = 0.22 * logPop + 0.2 * (review - 7.9);
  }
  const byCity = buildGroupedSampler(groupMembers(h.city, cities.count), (i) =>
    h.status[i]! & INVALID ? 0 : Math.exp(h.logPop[i]!));
  return { ...h, byCity };
}

