/**
 * @module models/covisitation/options
 * Co-visitation options with defaults and validation.
 */
import { InvalidInputError } from '../../errors.ts';
import type { EventType } from '../../domain/types.ts';

export interface CovisitationConfig {
  /** Session window in events: each event pairs with up to `window − 1` earlier events of its session (default 10). */
  window: number;
  /** Neighbours kept per item after training and online updates (default 100). */
  topN: number;
  /** Half-life of the time decay of pair weights, ms (default 30 days; Infinity = no decay). */
  halfLifeMs: number;
  /** Interest weight per event type (default click 1, booking 3, rating 1, impression 0, search 0); 0 = ignored. */
  typeWeights: Record<EventType, number>;
  /** Weight of the backward pair (later → earlier item) relative to the forward one (default 0.5): makes "next" neighbours rank first. */
  backwardFactor: number;
  /** Weight of a user's consecutive items across sessions, relative to in-session pairs (default 0.3). */
  userSequenceWeight: number;
  /** Events without sessionId: a gap longer than this (ms) starts a new session of the user (default 30 min). */
  sessionGapMs: number;
  /** Training: session windows idle longer than this (ms, event time) are dropped to bound memory (default 7 days). */
  sessionIdleMs: number;
  /** Training: when more distinct pairs are held, the lowest-weight half is pruned (default 5,000,000). */
  maxPairs: number;
}

export type CovisitationOptions = Partial<Omit<CovisitationConfig, 'typeWeights'>> & { typeWeights?: Partial<Record<EventType, number>> };

export const DEFAULT_COVISITATION_CONFIG: CovisitationConfig = Object.freeze({
  window: 10,
  topN: 100,
  halfLifeMs: 30 * 86_400_000,
  typeWeights: Object.freeze({ search: 0, impression: 0, click: 1, booking: 3, rating: 1 }),
  backwardFactor: 0.5,
  userSequenceWeight: 0.3,
  sessionGapMs: 30 * 60_000,
  sessionIdleMs: 7 * 86_400_000,
  maxPairs: 5_000_000,
});

/** Fill defaults and validate; throws InvalidInputError naming the bad field. */
export function resolveCovisitationOptions(opts: CovisitationOptions = {}): CovisitationConfig {
  const d = DEFAULT_COVISITATION_CONFIG;
  const c: CovisitationConfig = { ...d, ...stripUndefined(opts), typeWeights: { ...d.typeWeights, ...opts.typeWeights } };
  const checks: [keyof CovisitationConfig, boolean][] = [
    ['window', Number.isInteger(c.window) && c.window >= 1],
    ['topN', Number.isInteger(c.topN) && c.topN >= 1],
    ['halfLifeMs', c.halfLifeMs > 0],
    ['backwardFactor', c.backwardFactor >= 0],
    ['userSequenceWeight', c.userSequenceWeight >= 0],
    ['sessionGapMs', c.sessionGapMs >= 0],
    ['sessionIdleMs', c.sessionIdleMs >= 0],
    ['maxPairs', Number.isInteger(c.maxPairs) && c.maxPairs >= 2],
  ];
  for (const [field, ok] of checks) if (!ok) throw new InvalidInputError(`covisitation: invalid ${field}: ${JSON.stringify(c[field])}`);
  for (const [type, w] of Object.entries(c.typeWeights)) {
    if (!(w >= 0) || !Number.isFinite(w)) throw new InvalidInputError(`covisitation: typeWeights.${type} must be a finite number ≥ 0, got ${w}`);
  }
  return c;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
