/**
 * @module training/oracle
 * The oracle bound of offline evaluation on synthetic data: for a test user, the candidate catalog
 * ranked by the generator's hidden, noise-free utility. No retriever that sees only the logged
 * events can know these utilities, so its recall is a reference ceiling for the candidate sources
 * (not a strict upper bound: clicks also depend on what the simulated site showed and on noise).
 */
import type { Item, ItemId, UserId } from '../domain/types.ts';
import type { HiddenTruth } from '../data/synthetic/index.ts';
import { TopK } from '../util/top-k.ts';
import { isRetrievable } from '../pipeline/two-tower-source.ts';

/** What the oracle ranks, for the report. */
export const ORACLE_DESCRIPTION = 'oracle = for each test user, every retrievable item (active, not a city) that the sources may propose'
  + ' — in the request\'s destination when it has one, minus the items the user already interacted with and items blocked or'
  + ' booked — ranked by the generator\'s noise-free utility u·v − price misfit − stars misfit + quality (HiddenTruth.utility)';

export interface OracleRequest {
  userId: UserId;
  k: number;
  destination?: string | undefined;
  exclude: ReadonlySet<ItemId>;
  /** The same request filters the sources pass through (blocks, bookings). */
  allowed: (itemId: ItemId) => boolean;
}

export class UtilityOracle {
  /** Retrievable items the truth knows: item id → truth index, and the ids per city and country. */
  private readonly index = new Map<ItemId, number>();
  private readonly byPlace = new Map<string, ItemId[]>();

  constructor(private readonly truth: HiddenTruth, items: Iterable<Item>) {
    for (const it of items) {
      const t = truth.itemIndex(it.id);
      if (t < 0 || !isRetrievable(it)) continue;
      this.index.set(it.id, t);
      for (const place of new Set([it.city, it.country])) if (place !== null) push(this.byPlace, place, it.id);
    }
  }

  /** Number of items the oracle ranks when there is no destination. */
  get size(): number {
    return this.index.size;
  }

  /** The top-k item ids by true utility, or undefined when the user is not one of the generator's users. */
  rank(r: OracleRequest): ItemId[] | undefined {
    const u = this.truth.userIndex(r.userId);
    if (u < 0) return undefined;
    const pool: Iterable<ItemId> = r.destination === undefined ? this.index.keys() : (this.byPlace.get(r.destination) ?? []);
    const top = new TopK<ItemId>(r.k);
    for (const id of pool) {
      if (r.exclude.has(id) || !r.allowed(id)) continue;
      top.offer(id, this.truth.utility(u, this.index.get(id) as number));
    }
    return top.sorted().ids;
  }
}

function push(m: Map<string, ItemId[]>, key: string, id: ItemId): void {
  const list = m.get(key);
  if (list === undefined) m.set(key, [id]);
  else list.push(id);
}
