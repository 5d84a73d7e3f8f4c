/**
 * @module models/popularity/artifact
 * The saved form of a popularity model, 'popularity@1': plain JSON, scores decayed to `now`.
 * Kept apart from the runtime class; `fromArtifact` validates and rebuilds the mutable state.
 */
import { ERROR_CODES, RecsysError } from '../../errors.ts';
import { EVENT_TYPES } from '../../domain/types.ts';
import type { PopularityConfig } from './context.ts';
import { resolvePopularityOptions } from './context.ts';
import { PopularityState, addScore, newTable, scoreOf } from './state.ts';

export const POPULARITY_FORMAT = 'popularity@1';

/** One context's ranked list. `items` index into the artifact's `items`; parallel to `scores`. */
export interface PopularityContextArtifact {
  /** Context key, e.g. 'global', 'country=DE', 'destination=Paris', 'season=summer', 'country=DE,season=summer'. */
  key: string;
  /** Weighted events counted in the context. */
  support: number;
  /** Total decayed weight of the context at `now` (denominator of an item's share). */
  mass: number;
  /** Ranked items, best first (at most `config.maxListSize`). */
  items: number[];
  /** Decayed weight of each ranked item at `now`. */
  scores: number[];
}

export interface PopularityArtifact {
  format: typeof POPULARITY_FORMAT;
  config: PopularityConfig;
  /** Instant (UTC ms) the scores are decayed to. */
  now: number;
  /** Every item the model knows, in dense-index order. */
  items: string[];
  /** Distinct city / destination names referenced below. */
  places: string[];
  /** Per item: index into `places` of its catalog city, or -1. */
  itemCity: number[];
  /** Per item: index into `places` of the destination learned from events, or -1. */
  itemDestination: number[];
  contexts: PopularityContextArtifact[];
  /** Weighted events trained on. */
  events: number;
  /** Contexts unavailable in the training data. */
  notes: string[];
}

/** Serialise the state; scores are decayed to `now`. */
export function popularityToArtifact(state: PopularityState, now: number, notes: readonly string[]): PopularityArtifact {
  const places: string[] = [];
  const placeIdx = new Map<string, number>();
  const place = (p: string | undefined): number => {
    if (p === undefined) return -1;
    let i = placeIdx.get(p);
    if (i === undefined) {
      i = places.length;
      places.push(p);
      placeIdx.set(p, i);
    }
    return i;
  };
  const f = state.decayTo(now);
  const contexts: PopularityContextArtifact[] = [];
  for (const t of state.tables.values()) {
    contexts.push({ key: t.key, support: t.support, mass: t.mass * f, items: [...t.top], scores: t.top.map((i) => scoreOf(t, i) * f) });
  }
  return {
    // JSON has no Infinity: a no-decay half-life is saved as Number.MAX_VALUE, which decays nothing either.
    format: POPULARITY_FORMAT, config: { ...state.config, halfLifeMs: Math.min(state.config.halfLifeMs, Number.MAX_VALUE) }, now, items: [...state.items], places,
    itemCity: state.itemCity.map(place), itemDestination: state.learnedDestination.map(place),
    contexts, events: state.events, notes: [...notes],
  };
}

function formatError(message: string): RecsysError {
  return new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `${POPULARITY_FORMAT} artifact: ${message}` });
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

/** Check the shape of a parsed artifact; throws RecsysError(REC_ERR_MODEL_FORMAT) naming the problem. */
export function validatePopularityArtifact(raw: unknown): PopularityArtifact {
  if (typeof raw !== 'object' || raw === null) throw formatError('not an object');
  const a = raw as Record<string, unknown>;
  if (a['format'] !== POPULARITY_FORMAT) throw formatError(`expected format '${POPULARITY_FORMAT}', got ${JSON.stringify(a['format'])}`);
  const items = a['items'];
  if (!Array.isArray(items) || !items.every((x) => typeof x === 'string')) throw formatError('items must be an array of strings');
  if (!Array.isArray(a['places']) || !a['places'].every((x) => typeof x === 'string')) throw formatError('places must be an array of strings');
  for (const k of ['itemCity', 'itemDestination'] as const) {
    const v = a[k];
    if (!isNumberArray(v) || v.length !== items.length) throw formatError(`${k} must be a number array as long as items`);
  }
  if (typeof a['now'] !== 'number' || typeof a['events'] !== 'number') throw formatError('now and events must be numbers');
  if (!Array.isArray(a['notes'])) throw formatError('notes must be an array');
  if (!Array.isArray(a['contexts'])) throw formatError('contexts must be an array');
  for (const c of a['contexts'] as unknown[]) {
    const ctx = c as Record<string, unknown>;
    const ok = typeof ctx['key'] === 'string' && typeof ctx['support'] === 'number' && typeof ctx['mass'] === 'number'
      && isNumberArray(ctx['items']) && isNumberArray(ctx['scores']) && ctx['items'].length === ctx['scores'].length
      && ctx['items'].every((i) => Number.isInteger(i) && i >= 0 && i < items.length);
    if (!ok) throw formatError(`context ${JSON.stringify(ctx['key'])} is malformed`);
  }
  const config = a['config'] as Record<string, unknown> | undefined;
  const weights = config?.['weights'] as Record<string, unknown> | undefined;
  if (weights === undefined || !EVENT_TYPES.every((t) => typeof weights[t] === 'number')) throw formatError('config.weights is missing an event type');
  return raw as PopularityArtifact;
}

/** Rebuild the mutable state from a validated artifact; log-time origin t0 = artifact.now. */
export function popularityFromArtifact(a: PopularityArtifact): PopularityState {
  let config: PopularityConfig;
  try {
    config = resolvePopularityOptions(a.config);
  } catch (err) {
    throw new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `${POPULARITY_FORMAT} artifact: bad config`, cause: err });
  }
  const s = new PopularityState(config);
  a.items.forEach((id, i) => {
    s.intern(id);
    s.itemCity[i] = a.places[a.itemCity[i] ?? -1];
    s.learnedDestination[i] = a.places[a.itemDestination[i] ?? -1];
  });
  s.t0 = a.now;
  s.maxTs = a.now;
  s.events = a.events;
  for (const c of a.contexts) {
    const t = newTable(c.key, Math.max(8, c.items.length));
    c.items.forEach((idx, j) => addScore(t, idx, c.scores[j] ?? 0));
    t.support = c.support;
    t.mass = c.mass; // the whole context's mass, not only the ranked items'
    t.top = [...c.items];
    s.tables.set(c.key, t);
  }
  for (const k of s.tables.keys()) {
    if (k.startsWith('country=')) s.seen.country = true;
    if (k.startsWith('destination=')) s.seen.destination = true;
  }
  return s;
}
