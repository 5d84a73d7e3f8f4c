/**
 * @module models/popularity/context
 * Popularity options, event weights and the context keys an event counts towards
 * (global, country, destination, season, country×season).
 */
import { InvalidInputError } from '../../errors.ts';
import type { Attributes, EventType, Interaction } from '../../domain/types.ts';

export const SEASONS = ['winter', 'spring', 'summer', 'autumn'] as const;
/** Meteorological season of the northern hemisphere (Dec–Feb winter, Mar–May spring, …). */
export type Season = (typeof SEASONS)[number];

/** Resolved popularity options; every field has a default (see `resolvePopularityOptions`). */
export interface PopularityConfig {
  /** Half-life of the exponential time decay in ms: an event this old counts half (default 14 days; Infinity = no decay). */
  halfLifeMs: number;
  /**
   * Weight per event type (defaults: search 0, impression 0, click 1, booking 5, rating 1).
   * A rating's weight is multiplied by value/5 when it has a value. Weights must be ≥ 0.
   */
  weights: Record<EventType, number>;
  /** Weighted events a context needs before it is used as the primary context of a query (default 20). */
  minSupport: number;
  /** Ranked items kept per context for serving and in the artifact (default 1000); larger k is truncated. */
  maxListSize: number;
}

/** Options as callers give them: any subset, weights per type. */
export type PopularityOptions = Partial<Omit<PopularityConfig, 'weights'>> & { weights?: Partial<Record<EventType, number>> };

export const DAY_MS = 86_400_000;
export const DEFAULT_POPULARITY_CONFIG: PopularityConfig = Object.freeze({
  halfLifeMs: 14 * DAY_MS,
  weights: Object.freeze({ search: 0, impression: 0, click: 1, booking: 5, rating: 1 }),
  minSupport: 20,
  maxListSize: 1000,
});

/** Fill defaults and validate; throws InvalidInputError naming the bad field. */
export function resolvePopularityOptions(opts: PopularityOptions = {}): PopularityConfig {
  const c: PopularityConfig = {
    halfLifeMs: opts.halfLifeMs ?? DEFAULT_POPULARITY_CONFIG.halfLifeMs,
    weights: { ...DEFAULT_POPULARITY_CONFIG.weights, ...opts.weights },
    minSupport: opts.minSupport ?? DEFAULT_POPULARITY_CONFIG.minSupport,
    maxListSize: opts.maxListSize ?? DEFAULT_POPULARITY_CONFIG.maxListSize,
  };
  if (!(c.halfLifeMs > 0)) throw new InvalidInputError(`popularity: halfLifeMs must be > 0, got ${c.halfLifeMs}`);
  if (!(c.minSupport >= 0)) throw new InvalidInputError(`popularity: minSupport must be ≥ 0, got ${c.minSupport}`);
  if (!Number.isInteger(c.maxListSize) || c.maxListSize < 1) throw new InvalidInputError(`popularity: maxListSize must be a positive integer, got ${c.maxListSize}`);
  for (const [type, w] of Object.entries(c.weights)) {
    if (!(w >= 0) || !Number.isFinite(w)) throw new InvalidInputError(`popularity: weights.${type} must be a finite number ≥ 0, got ${w}`);
  }
  return c;
}

/** Weight of one event: the type's weight, times value/5 for a rating that has a value (clamped at 0). */
export function eventWeight(e: Pick<Interaction, 'type' | 'value'>, weights: Readonly<Record<EventType, number>>): number {
  const w = weights[e.type];
  if (e.type === 'rating' && e.value !== null && Number.isFinite(e.value)) return w * Math.max(0, e.value / 5);
  return w;
}

/** Season of a 0-based month (0 = January). */
export function seasonOfMonth(month0: number): Season {
  if (month0 === 11 || month0 <= 1) return 'winter';
  if (month0 <= 4) return 'spring';
  if (month0 <= 7) return 'summer';
  return 'autumn';
}

/** Season of a UTC epoch-ms instant. */
export function seasonOf(tsMs: number): Season {
  return seasonOfMonth(new Date(tsMs).getUTCMonth());
}

/** 0-based month of `context.checkin` (ISO date string or epoch ms), or null when absent or unparseable. */
function checkinMonth(context: Attributes): number | null {
  const v = context['checkin'];
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v).getUTCMonth();
  if (typeof v !== 'string') return null;
  // Fast path for 'YYYY-MM…' (what every loader writes); Date.parse for anything else.
  const c5 = v.charCodeAt(5) - 48;
  const c6 = v.charCodeAt(6) - 48;
  if (v.charCodeAt(4) === 45 && c5 >= 0 && c5 <= 1 && c6 >= 0 && c6 <= 9) {
    const m = c5 * 10 + c6;
    if (m >= 1 && m <= 12) return m - 1;
  }
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).getUTCMonth();
}

/** Season of an event: from the month of `context.checkin` when present, else from `ts`. */
export function eventSeason(e: Pick<Interaction, 'ts' | 'context'>): Season {
  const m = checkinMonth(e.context);
  return m === null ? seasonOf(e.ts) : seasonOfMonth(m);
}

/** A context attribute as a non-empty string (numbers are stringified), or null. */
export function contextString(context: Attributes, key: string): string | null {
  const v = context[key];
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** Context keys, which are also the `context` of the `popular` reasons. */
export const contextKeys = {
  global: 'global',
  country: (c: string): string => `country=${c}`,
  destination: (d: string): string => `destination=${d}`,
  season: (s: Season): string => `season=${s}`,
  countrySeason: (c: string, s: Season): string => `country=${c},season=${s}`,
} as const;
