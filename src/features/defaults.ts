/**
 * @module features/defaults
 * Wayfarer's default feature definitions: the streaming features the ranking stage reads (user activity
 * over sliding windows, recent items and preferences, item popularity with decay, last user×item
 * interaction) and the context entities batch views key on.
 */
import type { EventType } from '../domain/types.ts';
import { defineFeatures, type FeatureDefinitions, type FeatureDefinitionsInput } from './definitions.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The feature service the ranking stage reads. */
export const RANKING_SERVICE = 'ranking';

const COUNTED: readonly EventType[] = ['search', 'impression', 'click', 'booking', 'rating'];
const WINDOWS = [['1h', HOUR], ['24h', DAY], ['7d', 7 * DAY]] as const;

const activityFeatures = COUNTED.flatMap((type) => WINDOWS.map(([label, windowMs]) => ({
  name: `${type}_count_${label}`, type: 'int' as const,
  description: `${type} events of the user in the last ${label} (sliding; ${windowMs / 12 / 60_000}-minute buckets)`,
  agg: { kind: 'window_count' as const, events: [type], windowMs },
})));

const popularity = (label: string, halfLifeMs: number): FeatureDefinitionsInput['views'][number]['features'] => [
  { name: `impressions_${label}`, type: 'float', description: `impressions, half-life ${label}`, agg: { kind: 'decayed_count', events: ['impression'], halfLifeMs } },
  { name: `clicks_${label}`, type: 'float', description: `clicks, half-life ${label}`, agg: { kind: 'decayed_count', events: ['click'], halfLifeMs } },
  { name: `bookings_${label}`, type: 'float', description: `bookings, half-life ${label}`, agg: { kind: 'decayed_count', events: ['booking'], halfLifeMs } },
  {
    name: `cvr_${label}`, type: 'float', description: `bookings per click, half-life ${label}, smoothed towards 5 %`,
    agg: { kind: 'ratio', numerator: `bookings_${label}`, denominator: `clicks_${label}`, priorWeight: 5, priorMean: 0.05 },
  },
];

/** The definitions as JSON-ready input (the registry stores this shape). */
export const WAYFARER_FEATURES: FeatureDefinitionsInput = {
  entities: [
    { name: 'user', description: 'a traveller', keys: ['user'] },
    { name: 'item', description: 'a hotel, listing, city or destination', keys: ['item'] },
    { name: 'user_item', description: 'a traveller and an item', keys: ['user', 'item'] },
    { name: 'destination', description: 'the searched destination (request context)', keys: ['destination'] },
    { name: 'country', description: 'the searched country (request context)', keys: ['country'] },
  ],
  views: [
    { name: 'user_activity', entity: 'user', description: 'event counts by type over sliding windows', ttlMs: 8 * DAY, source: { type: 'stream' }, features: activityFeatures },
    {
      name: 'user_taste', entity: 'user', description: 'recent items and preferred price and stars', ttlMs: 180 * DAY, source: { type: 'stream' },
      features: [
        { name: 'last_viewed', type: 'string_list', description: 'last 20 items clicked, newest first', agg: { kind: 'last_items', events: ['click'], n: 20 } },
        { name: 'last_booked', type: 'string_list', description: 'last 10 items booked, newest first', agg: { kind: 'last_items', events: ['booking'], n: 10 } },
        { name: 'pref_price', type: 'float', description: 'mean nightly price of clicked (×1) and booked (×4) items', agg: { kind: 'mean_attribute', attribute: 'price', weights: { click: 1, booking: 4 } } },
        { name: 'pref_price_band', type: 'int', description: 'price band of pref_price: 0 <50, 1 <100, 2 <200, 3 <400, 4 ≥400', agg: { kind: 'band', of: 'pref_price', edges: [50, 100, 200, 400] } },
        { name: 'pref_stars', type: 'float', description: 'mean stars of clicked (×1) and booked (×4) items', agg: { kind: 'mean_attribute', attribute: 'stars', weights: { click: 1, booking: 4 } } },
      ],
    },
    {
      name: 'item_popularity', entity: 'item', description: 'impressions, clicks, bookings and conversion with time decay', ttlMs: 60 * DAY,
      source: { type: 'stream' }, features: [...popularity('1d', DAY), ...popularity('7d', 7 * DAY)],
    },
    {
      name: 'user_item_last', entity: 'user_item', description: "the user's last interaction with the item", ttlMs: 90 * DAY, source: { type: 'stream' },
      features: [
        { name: 'last_type', type: 'string', description: 'type of the last event', agg: { kind: 'last_event', field: 'type' } },
        { name: 'last_ts', type: 'int', description: 'time of the last event (UTC ms)', agg: { kind: 'last_event', field: 'ts' } },
      ],
    },
  ],
  services: [
    {
      name: RANKING_SERVICE, description: 'the GBDT ranker',
      features: [
        ...['click', 'booking', 'search'].flatMap((t) => WINDOWS.map(([label]) => `user_activity:${t}_count_${label}`)),
        'user_taste:pref_price', 'user_taste:pref_price_band', 'user_taste:pref_stars', 'user_taste:last_viewed',
        'item_popularity:clicks_1d', 'item_popularity:bookings_1d', 'item_popularity:cvr_1d', 'item_popularity:impressions_7d',
        'item_popularity:clicks_7d', 'item_popularity:bookings_7d', 'item_popularity:cvr_7d',
        'user_item_last:last_type', 'user_item_last:last_ts',
      ],
    },
  ],
};

/** The validated default definitions. */
export function defaultFeatureDefinitions(): FeatureDefinitions {
  return defineFeatures(WAYFARER_FEATURES);
}
