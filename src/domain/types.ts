/**
 * @module domain/types
 * The canonical data model: users, items, interactions and blocks. Types only, no I/O.
 * Ids are opaque strings (datasets bring their own); timestamps are UTC epoch milliseconds.
 */

export type UserId = string;
export type ItemId = string;

export const ITEM_KINDS = ['hotel', 'city', 'destination', 'listing'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export const ITEM_STATUSES = ['active', 'invalid'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

/** Event types, in increasing order of intent. `rating` carries its score in `value`. */
export const EVENT_TYPES = ['search', 'impression', 'click', 'booking', 'rating'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Free-form JSON attributes (stored as jsonb). */
export type Attributes = Record<string, unknown>;

export interface User {
  id: UserId;
  /** ISO country code or dataset country name; null when unknown. */
  homeCountry: string | null;
  /** Device class (desktop, mobile, tablet, …); null when unknown. */
  device: string | null;
  attributes: Attributes;
}

export interface Item {
  id: ItemId;
  kind: ItemKind;
  name: string | null;
  city: string | null;
  country: string | null;
  lat: number | null;
  lon: number | null;
  /** Nightly price in the catalog's currency; null when unknown. */
  price: number | null;
  /** Star rating 0–5; null when unknown. */
  stars: number | null;
  /** Review score 0–10; null when unknown. */
  reviewScore: number | null;
  chain: string | null;
  /** `invalid` listings are never recommended. */
  status: ItemStatus;
  /** Availability when known (true/false), null when the source does not say. */
  available: boolean | null;
  attributes: Attributes;
}

export interface Interaction {
  /** Globally unique; re-importing or redelivering the same event is a no-op. */
  eventId: string;
  userId: UserId;
  /** The item acted on. For `search` events, the searched destination (a city/destination item). */
  itemId: ItemId;
  type: EventType;
  /** Rating score, booking value, dwell time…; null when the event has none. */
  value: number | null;
  /** UTC epoch milliseconds. */
  ts: number;
  /** Session or trip id grouping events; null when unknown. */
  sessionId: string | null;
  /** Request context: destination, check-in/out, device, party size, … */
  context: Attributes;
}

/** A block: global when `userId` is null, otherwise for that user only. */
export interface Block {
  itemId: ItemId;
  userId: UserId | null;
  reason: string | null;
}

/** Build an item with every optional field null; `fields` fills in what is known. */
export function makeItem(id: ItemId, kind: ItemKind, fields: Partial<Omit<Item, 'id' | 'kind'>> = {}): Item {
  return {
    id, kind, name: null, city: null, country: null, lat: null, lon: null, price: null, stars: null,
    reviewScore: null, chain: null, status: 'active', available: null, attributes: {}, ...fields,
  };
}

/** Build a user with every optional field null; `fields` fills in what is known. */
export function makeUser(id: UserId, fields: Partial<Omit<User, 'id'>> = {}): User {
  return { id, homeCountry: null, device: null, attributes: {}, ...fields };
}
