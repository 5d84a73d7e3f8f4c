/**
 * @module data/synthetic/records
 * Turns the world's typed arrays into canonical records (users, hotel and city items, blocks).
 * Hotels carry their city as the city item id (`c<n>`), matching the `destination` of searches.
 */
import type { Block, Item, User } from '../../domain/types.ts';
import { makeItem, makeUser } from '../../domain/types.ts';
import { createRng, deriveSeed, mix32 } from '../../util/rng.ts';
import { INVALID, UNAVAILABLE } from './catalog.ts';
import { CHAINS, COUNTRIES, DEST_TYPES, HOTEL_ADJ, HOTEL_WORDS } from './geo.ts';
import { AGE_BANDS, DEVICES, favouriteTypes, loyaltyTier } from './population.ts';
import type { World } from './world.ts';

const PROPERTY_TYPES = ['hostel', 'guesthouse', 'hotel', 'hotel', 'resort'];
const GLOBAL_BLOCK_REASONS = ['partner-request', 'quality', 'legal'];
/** Share of hotels blocked for everyone, and of users who hid some hotels. */
const GLOBAL_BLOCK_RATE = 0.02;
const USER_BLOCK_RATE = 0.01;

/** User `u<u>`: home country, primary device, and observable profile attributes. */
export function userRecord(world: World, u: number): User {
  const users = world.users;
  return makeUser('u' + u, {
    homeCountry: COUNTRIES[users.homeCountry[u]!]!.code,
    device: DEVICES[users.device[u]!]!,
    attributes: {
      age_band: AGE_BANDS[users.ageBand[u]!]!,
      loyalty_tier: loyaltyTier(users.activity[u]!),
      interests: favouriteTypes(users, u),
    },
  });
}

/** City item `c<c>` (the target of search events). */
export function cityRecord(world: World, c: number): Item {
  const { cities } = world;
  return makeItem('c' + c, 'city', {
    name: cities.names[c]!,
    city: 'c' + c,
    country: COUNTRIES[cities.country[c]!]!.code,
    lat: round(cities.lat[c]!, 4),
    lon: round(cities.lon[c]!, 4),
    attributes: { destination_type: DEST_TYPES[cities.type[c]!]! },
  });
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function hotelName(hash: number, chain: number, cityName: string): string {
  if (chain >= 0) return `${CHAINS[chain]!.name} ${cityName}`;
  const adj = HOTEL_ADJ[hash % HOTEL_ADJ.length]!;
  const word = HOTEL_WORDS[mix32(hash) % HOTEL_WORDS.length]!;
  return `${adj} ${word} ${cityName}`;
}

/** Hotel item `h<h>`. `nameSeed` comes from `hotelNameSeed(seed)`. */
export function hotelRecord(world: World, h: number, nameSeed: number): Item {
  const { hotels, cities } = world;
  const c = hotels.city[h]!;
  const chain = hotels.chain[h]!;
  const stars = hotels.stars[h]!;
  const hash = mix32(nameSeed ^ h);
  const reviewCount = Math.round(12 * Math.exp(hotels.logPop[h]!) * (0.5 + (hash & 0xffff) / 65536));
  return makeItem('h' + h, 'hotel', {
    name: hotelName(hash >>> 8, chain, cities.names[c]!),
    city: 'c' + c,
    country: COUNTRIES[cities.country[c]!]!.code,
    lat: round(hotels.lat[h]!, 5),
    lon: round(hotels.lon[h]!, 5),
    price: hotels.price[h]!,
    stars,
    reviewScore: round(hotels.review[h]!, 1),
    chain: chain >= 0 ? CHAINS[chain]!.name : null,
    status: hotels.status[h]! & INVALID ? 'invalid' : 'active',
    available: !(hotels.status[h]! & UNAVAILABLE),
    attributes: {
      city_name: cities.names[c]!,
      destination_type: DEST_TYPES[cities.type[c]!]!,
      property_type: PROPERTY_TYPES[stars - 1]!,
      review_count: reviewCount,
    },
  });
}

/** Seed for hotel names (a stream of its own, so names never shift other draws). */
export function hotelNameSeed(seed: number): number {
  return deriveSeed(seed, 'hotel-names');
}

/**
 * Blocks: ~2 % of hotels for everyone (partner request, quality, legal), and 1–3 hotels hidden by
 * ~1 % of users. Ordered global first, then by user; no duplicates.
 */
export function generateBlocks(world: World): Block[] {
  const rng = createRng(deriveSeed(world.options.seed, 'blocks'));
  const blocks: Block[] = [];
  const hotelCount = world.hotels.count;
  for (let h = 0; h < hotelCount; h++) {
    if (rng.next() < GLOBAL_BLOCK_RATE) {
      blocks.push({ itemId: 'h' + h, userId: null, reason: GLOBAL_BLOCK_REASONS[rng.int(GLOBAL_BLOCK_REASONS.length)]! });
    }
  }
  for (let u = 0; u < world.users.count; u++) {
    if (rng.next() >= USER_BLOCK_RATE) continue;
    const chosen = new Set<number>();
    const n = 1 + rng.int(3);
    for (let k = 0; k < n; k++) chosen.add(rng.int(hotelCount));
    for (const h of [...chosen].sort((a, b) => a - b)) blocks.push({ itemId: 'h' + h, userId: 'u' + u, reason: 'user-hidden' });
  }
  return blocks;
}
