/**
 * @module adapters/postgres/rows
 * Postgres row shapes and their mapping to domain types. Wire formats stay inside this adapter.
 */
import type { Block, EventType, Interaction, Item, ItemKind, ItemStatus, User } from '../../domain/types.ts';

export interface UserRow { id: string; home_country: string | null; device: string | null; attributes: Record<string, unknown> }
export interface ItemRow {
  id: string; kind: string; name: string | null; city: string | null; country: string | null;
  lat: number | null; lon: number | null; price: number | null; stars: number | null; review_score: number | null;
  chain: string | null; status: string; available: boolean | null; attributes: Record<string, unknown>;
}
export interface InteractionRow {
  event_id: string; user_id: string; item_id: string; type: string; value: number | null;
  ts_ms: number; session_id: string | null; context: Record<string, unknown>;
}
export interface BlockRow { item_id: string; user_id: string | null; reason: string | null }

export const USER_COLUMNS = 'id, home_country, device, attributes';
export const ITEM_COLUMNS = 'id, kind, name, city, country, lat, lon, price, stars, review_score, chain, status, available, attributes';
/** ts leaves the database as epoch ms (a float8, exact for ms precision). */
export const INTERACTION_COLUMNS = `event_id, user_id, item_id, type, value, round(extract(epoch from ts) * 1000)::float8 AS ts_ms, session_id, context`;

export const toUser = (r: UserRow): User => ({ id: r.id, homeCountry: r.home_country, device: r.device, attributes: r.attributes });

export const toItem = (r: ItemRow): Item => ({
  id: r.id, kind: r.kind as ItemKind, name: r.name, city: r.city, country: r.country, lat: r.lat, lon: r.lon,
  price: r.price, stars: r.stars, reviewScore: r.review_score, chain: r.chain, status: r.status as ItemStatus,
  available: r.available, attributes: r.attributes,
});

export const toInteraction = (r: InteractionRow): Interaction => ({
  eventId: r.event_id, userId: r.user_id, itemId: r.item_id, type: r.type as EventType, value: r.value,
  ts: r.ts_ms, sessionId: r.session_id, context: r.context,
});

export const toBlock = (r: BlockRow): Block => ({ itemId: r.item_id, userId: r.user_id, reason: r.reason });

/**
 * Keep the last record per id (one multi-row upsert must not touch a row twice), sorted by id so that
 * concurrent upserts lock rows in the same order and cannot deadlock.
 */
export function sortedById<T extends { id: string }>(records: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const r of records) byId.set(r.id, r);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Column-wise arrays for `unnest($1::text[], …)` bulk statements. */
export function columns<T, K extends string>(records: readonly T[], pick: Record<K, (r: T) => unknown>): Record<K, unknown[]> {
  const out = {} as Record<K, unknown[]>;
  for (const key of Object.keys(pick) as K[]) {
    const f = pick[key];
    const col = new Array<unknown>(records.length);
    for (let i = 0; i < records.length; i++) col[i] = f(records[i] as T);
    out[key] = col;
  }
  return out;
}
