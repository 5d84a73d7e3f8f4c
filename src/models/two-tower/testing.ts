/**
 * @module models/two-tower/testing
 * Test support: a small seeded marketplace with planted structure. Users and items fall into
 * clusters; an item's city is its cluster's city, users mostly interact with items of their own
 * cluster (Zipf popularity inside it) and sometimes with globally popular items.
 */
import type { Interaction, Item, User } from '../../domain/types.ts';
import { makeItem, makeUser } from '../../domain/types.ts';
import { createRng } from '../../util/rng.ts';
import type { TwoTowerConfigInput } from './config.ts';

export interface PlantedOptions {
  users: number;
  items: number;
  clusters: number;
  events: number;
  seed: number;
  /** Probability that an event stays inside the user's cluster (default 0.85). */
  affinity?: number;
  /** Share of events whose context names the cluster's city as destination (default 0). */
  destinationRate?: number;
}

export interface Planted {
  users: User[];
  items: Item[];
  interactions: Interaction[];
  clusterOfUser: (userId: string) => number;
  clusterOfItem: (itemId: string) => number;
}

export const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

/** Zipf(1) index sampler over [0, n). */
function zipf(n: number, next: () => number): () => number {
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) cdf[i] = acc += 1 / (i + 1);
  return () => {
    const u = next() * acc;
    let lo = 0;
    while (lo < n - 1 && (cdf[lo] as number) < u) lo++;
    return lo;
  };
}

/** Item `i${n}` is in cluster n % clusters and city `city${cluster}`; user `u${n}` in cluster n % clusters. */
export function plantedMarketplace(o: PlantedOptions): Planted {
  const rng = createRng(o.seed);
  const next = (): number => rng.next();
  const cluster = (id: string): number => Number(id.slice(1)) % o.clusters;
  const users = Array.from({ length: o.users }, (_, u) => makeUser(`u${u}`, { homeCountry: ['DE', 'FR', 'GB'][u % 3] ?? null, device: u % 2 === 0 ? 'mobile' : 'desktop' }));
  const items = Array.from({ length: o.items }, (_, i) => makeItem(`i${i}`, 'hotel', {
    city: `city${i % o.clusters}`, country: `country${(i % o.clusters) % 3}`, price: 50 + ((i * 37) % 200), stars: 1 + (i % 5),
    reviewScore: 6 + (i % 4), chain: i % 7 === 0 ? 'chainA' : null,
  }));
  const perCluster = Math.floor(o.items / o.clusters);
  const inCluster = zipf(perCluster, next);
  const global = zipf(o.items, next);
  const interactions: Interaction[] = [];
  for (let e = 0; e < o.events; e++) {
    const u = rng.int(o.users);
    const c = u % o.clusters;
    const item = rng.next() < (o.affinity ?? 0.85) ? inCluster() * o.clusters + c : global();
    const withDest = rng.next() < (o.destinationRate ?? 0);
    interactions.push({
      eventId: `p${e}`, userId: `u${u}`, itemId: `i${item}`, type: rng.next() < 0.1 ? 'booking' : 'click', value: null,
      ts: T0 + e * HOUR, sessionId: null, context: withDest ? { destination: `city${item % o.clusters}` } : {},
    });
  }
  return { users, items, interactions, clusterOfUser: cluster, clusterOfItem: cluster };
}

/** A small, fast architecture for unit tests. */
export const SMALL_CONFIG: TwoTowerConfigInput = {
  outputDim: 16, hiddenDim: 32, recentDim: 16,
  userDims: { user_id: 16, home_country: 4, device: 4, destination: 8, season: 2, month: 2, trip_length: 2 },
  itemDims: { item_id: 16, city: 8, country: 4, price_band: 4, stars: 2, review_band: 2, chain: 2 },
};
