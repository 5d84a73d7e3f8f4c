/**
 * @module pipeline/catalog
 * The serving copy of the catalog: what the pipeline needs per item (display name, city, country,
 * kind) and per user (home country, device), held in memory and updated as items are added.
 */
import type { Item, ItemId, ItemKind, User, UserId } from '../domain/types.ts';
import type { ItemLookup } from '../features/streaming.ts';

export interface CatalogItem {
  name: string | null;
  city: string | null;
  country: string | null;
  kind: ItemKind;
  /** Ranking attributes (null when unknown). */
  price: number | null;
  stars: number | null;
  reviewScore: number | null;
  chain: string | null;
}

export interface CatalogUser {
  homeCountry: string | null;
  device: string | null;
}

export class ServingCatalog {
  private readonly items = new Map<ItemId, CatalogItem>();
  private readonly users = new Map<UserId, CatalogUser>();
  /** Items per city and per country, for destination-restricted requests. */
  private readonly byCity = new Map<string, Set<ItemId>>();
  private readonly byCountry = new Map<string, Set<ItemId>>();

  addItems(items: readonly Item[]): void {
    for (const i of items) {
      const prev = this.items.get(i.id);
      if (prev?.city != null) this.byCity.get(prev.city)?.delete(i.id);
      if (prev?.country != null) this.byCountry.get(prev.country)?.delete(i.id);
      this.items.set(i.id, { name: i.name, city: i.city, country: i.country, kind: i.kind, price: i.price, stars: i.stars, reviewScore: i.reviewScore, chain: i.chain });
      if (i.city !== null) addTo(this.byCity, i.city, i.id);
      if (i.country !== null) addTo(this.byCountry, i.country, i.id);
    }
  }

  addUsers(users: readonly User[]): void {
    for (const u of users) this.users.set(u.id, { homeCountry: u.homeCountry, device: u.device });
  }

  item(id: ItemId): CatalogItem | undefined {
    return this.items.get(id);
  }

  user(id: UserId): CatalogUser | undefined {
    return this.users.get(id);
  }

  /** Whether the item lies in `destination` (a city id, or a country when no city matches). */
  inDestination(id: ItemId, destination: string): boolean {
    const i = this.items.get(id);
    return i !== undefined && (i.city === destination || i.country === destination);
  }

  /**
   * The items `inDestination` accepts for `destination`: the city's items, else the country's
   * (empty when neither matches). A live view: do not modify.
   */
  destinationItems(destination: string): ReadonlySet<ItemId> {
    const city = this.byCity.get(destination);
    const country = this.byCountry.get(destination);
    if (city === undefined) return country ?? EMPTY;
    if (country === undefined || country.size === 0) return city;
    return new Set([...city, ...country]);
  }

  /** A human name: the item's name, else its id. Cities are named by their city item when present. */
  displayName(id: ItemId): string {
    return this.items.get(id)?.name ?? id;
  }

  get itemCount(): number {
    return this.items.size;
  }

  get userCount(): number {
    return this.users.size;
  }
}

const EMPTY: ReadonlySet<ItemId> = new Set();

function addTo(index: Map<string, Set<ItemId>>, key: string, id: ItemId): void {
  let set = index.get(key);
  if (set === undefined) index.set(key, (set = new Set()));
  set.add(id);
}

/** Price and stars of items for the feature store's preference features, from a serving catalog (once there is one). */
export function catalogLookup(catalog: () => ServingCatalog | undefined): ItemLookup {
  return async (ids) => {
    const c = catalog();
    const out = new Map<ItemId, { price: number | null; stars: number | null }>();
    if (c === undefined) return out;
    for (const id of ids) {
      const a = c.item(id);
      if (a !== undefined) out.set(id, { price: a.price, stars: a.stars });
    }
    return out;
  };
}
