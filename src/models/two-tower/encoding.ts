/**
 * @module models/two-tower/encoding
 * Feature encoding of both towers: vocabularies built from users, items and interactions, and
 * the categorical indices of a user query (id, home country, device, destination, season, month,
 * trip length, recent items) and of an item (id, city, country, price band, stars, review band,
 * chain). Missing or unseen values map to index 0, so every path also works for unknown ids.
 */
import type { Attributes, Interaction, Item, ItemId, User, UserId } from '../../domain/types.ts';
import { SEASONS, contextString, seasonOfMonth } from '../popularity/context.ts';
import type { TwoTowerConfig } from './config.ts';
import { ITEM_FIELDS, USER_FIELDS } from './config.ts';
import {
  MONTH_BANDS, NIGHTS_BANDS, NIGHTS_EDGES, REVIEW_BANDS, REVIEW_EDGES, STAR_BANDS, UNKNOWN, Vocabulary, VocabularyBuilder,
  bucketOf, quantileEdges, starBucket,
} from './vocab.ts';

/** What the user tower sees at request time. Every field is optional: absent means unknown. */
export interface UserQuery {
  /** Unknown or absent ids take the cold-start path (context features only). */
  userId?: UserId | null;
  homeCountry?: string | null;
  /** Device class; `context.device` (the request's device) wins when both are given. */
  device?: string | null;
  /** Request context as in Interaction.context: destination, checkin, checkout (ISO dates or UTC ms), home_country, device. */
  context?: Attributes;
  /** Recent interest items (clicks, bookings, ratings), newest first; only the first `recentItems` count. */
  recentItems?: readonly ItemId[];
  /** Request time, UTC ms: the month falls back to it when the context has no check-in. */
  ts?: number;
}

/** The serialisable part of an encoder (vocabulary tokens without the unknown entry, and price edges). */
export interface EncoderState {
  users: string[];
  items: string[];
  cities: string[];
  countries: string[];
  devices: string[];
  chains: string[];
  /** Ascending nightly-price edges of the quantile bands. */
  priceEdges: number[];
}

const DAY_MS = 86_400_000;
const seasonVocab = new Vocabulary(SEASONS);

/** UTC ms of an ISO date (fast path 'YYYY-MM-DD…'), a date string Date.parse understands, or epoch ms. */
export function parseInstant(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  if (v.length >= 10 && v.charCodeAt(4) === 45 && v.charCodeAt(7) === 45) {
    const y = Number(v.slice(0, 4));
    const m = Number(v.slice(5, 7));
    const d = Number(v.slice(8, 10));
    if (v.length === 10 && y > 0 && m >= 1 && m <= 12 && d >= 1 && d <= 31) return Date.UTC(y, m - 1, d);
  }
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

/** Maps users, items and request contexts to the categorical indices of the towers. */
export class FeatureEncoder {
  readonly users: Vocabulary;
  readonly items: Vocabulary;
  readonly cities: Vocabulary;
  readonly countries: Vocabulary;
  readonly devices: Vocabulary;
  readonly chains: Vocabulary;

  constructor(readonly state: Readonly<EncoderState>, readonly recentItems: number) {
    this.users = new Vocabulary(state.users);
    this.items = new Vocabulary(state.items);
    this.cities = new Vocabulary(state.cities);
    this.countries = new Vocabulary(state.countries);
    this.devices = new Vocabulary(state.devices);
    this.chains = new Vocabulary(state.chains);
  }

  /** Vocabulary size (incl. unknown) of each user field, in USER_FIELDS order. */
  userFieldSizes(): number[] {
    return [this.users.size, this.countries.size, this.devices.size, this.cities.size, seasonVocab.size, MONTH_BANDS, NIGHTS_BANDS];
  }

  /** Vocabulary size (incl. unknown) of each item field, in ITEM_FIELDS order. */
  itemFieldSizes(): number[] {
    return [this.items.size, this.cities.size, this.countries.size, this.state.priceEdges.length + 2, STAR_BANDS, REVIEW_BANDS, this.chains.size];
  }

  /**
   * Encode a query: USER_FIELDS indices into `fields[at…]`, recent item indices into
   * `recent[rAt…]` (newest first, unknown items dropped, 0-padded to `recentItems`).
   */
  encodeUser(q: UserQuery, fields: Int32Array, at = 0, recent?: Int32Array, rAt = 0): void {
    const ctx = q.context ?? {};
    fields[at] = this.users.indexOf(q.userId);
    fields[at + 1] = this.countries.indexOf(q.homeCountry ?? contextString(ctx, 'home_country'));
    fields[at + 2] = this.devices.indexOf(contextString(ctx, 'device') ?? q.device);
    fields[at + 3] = this.cities.indexOf(contextString(ctx, 'destination'));
    const checkin = parseInstant(ctx['checkin']);
    const checkout = parseInstant(ctx['checkout']);
    encodeMonth(checkin ?? q.ts ?? null, fields, at);
    fields[at + 6] = checkin !== null && checkout !== null && checkout > checkin ? bucketOf(Math.round((checkout - checkin) / DAY_MS), NIGHTS_EDGES) : UNKNOWN;
    if (recent === undefined) return;
    let n = 0;
    for (const id of q.recentItems ?? []) {
      if (n >= this.recentItems) break;
      const idx = this.items.indexOf(id);
      if (idx !== UNKNOWN) recent[rAt + n++] = idx;
    }
    recent.fill(UNKNOWN, rAt + n, rAt + this.recentItems);
  }

  /** Encode an item's ITEM_FIELDS indices into `out[at…]`; `dropId` gives the cold-start (unknown id) encoding. */
  encodeItem(item: Item, out: Int32Array, at = 0, dropId = false): void {
    out[at] = dropId ? UNKNOWN : this.items.indexOf(item.id);
    out[at + 1] = this.cities.indexOf(item.city);
    out[at + 2] = this.countries.indexOf(item.country);
    out[at + 3] = bucketOf(item.price, this.state.priceEdges);
    out[at + 4] = starBucket(item.stars);
    out[at + 5] = bucketOf(item.reviewScore, REVIEW_EDGES);
    out[at + 6] = this.chains.indexOf(item.chain);
  }

  /**
   * Features of every vocabulary item, rows in item-index order (ITEM_FIELDS.length columns).
   * Row 0 (unknown item) is all zeros; items without a catalogue record only have their id.
   */
  itemFeatureTable(catalogue: Iterable<Item>): Int32Array {
    const width = ITEM_FIELDS.length;
    const table = new Int32Array(this.items.size * width);
    for (let i = 1; i < this.items.size; i++) table[i * width] = i;
    for (const item of catalogue) {
      const idx = this.items.indexOf(item.id);
      if (idx !== UNKNOWN) this.encodeItem(item, table, idx * width);
    }
    return table;
  }
}

/** The season and month fields (USER_FIELDS 4 and 5) of a time, UTC ms; unknown for null. */
export function encodeMonth(ts: number | null, fields: Int32Array, at: number): void {
  const month0 = ts === null ? -1 : new Date(ts).getUTCMonth();
  fields[at + 4] = month0 < 0 ? UNKNOWN : seasonVocab.indexOf(seasonOfMonth(month0));
  fields[at + 5] = month0 < 0 ? UNKNOWN : month0 + 1;
}

/** Number of categorical user fields (excluding the pooled recent items). */
export const USER_FIELD_COUNT = USER_FIELDS.length;
export const ITEM_FIELD_COUNT = ITEM_FIELDS.length;

/**
 * Build the vocabularies from the catalogue (users, items) and the interaction log (ids, and the
 * destination / device / home country of contexts). Order is first-seen: catalogue first.
 */
export function buildEncoder(users: Iterable<User>, items: Iterable<Item>, interactions: Iterable<Interaction>, config: TwoTowerConfig): FeatureEncoder {
  const v = {
    users: new VocabularyBuilder(), items: new VocabularyBuilder(), cities: new VocabularyBuilder(),
    countries: new VocabularyBuilder(), devices: new VocabularyBuilder(), chains: new VocabularyBuilder(),
  };
  const prices: number[] = [];
  for (const u of users) {
    v.users.add(u.id);
    v.countries.add(u.homeCountry);
    v.devices.add(u.device);
  }
  for (const it of items) {
    v.items.add(it.id);
    v.cities.add(it.city);
    v.countries.add(it.country);
    v.chains.add(it.chain);
    if (it.price !== null && it.kind !== 'city' && it.kind !== 'destination') prices.push(it.price);
  }
  for (const e of interactions) {
    v.users.add(e.userId);
    v.items.add(e.itemId);
    v.cities.add(contextString(e.context, 'destination'));
    v.devices.add(contextString(e.context, 'device'));
    v.countries.add(contextString(e.context, 'home_country'));
  }
  const state: EncoderState = {
    users: [...v.users.build().tokens], items: [...v.items.build().tokens], cities: [...v.cities.build().tokens],
    countries: [...v.countries.build().tokens], devices: [...v.devices.build().tokens], chains: [...v.chains.build().tokens],
    priceEdges: quantileEdges(prices, config.priceBands),
  };
  return new FeatureEncoder(state, config.recentItems);
}
