/**
 * @module models/covisitation/pairs
 * Which item pairs an event creates, shared by batch training and online updates so that both
 * produce the same weights: in-session pairs within a window (forward full weight, backward
 * damped, 1/distance) and the user's previous item from another session (user-sequence weight).
 */
import type { Interaction } from '../../domain/types.ts';
import type { CovisitationConfig } from './options.ts';

/** Receives a directed pair (from → to) and its weight, before time decay. */
export type PairSink = (from: number, to: number, weight: number) => void;

/** The last `capacity` weighted events of one session, as a ring. */
export class SessionWindow {
  private readonly items: Int32Array;
  private readonly weights: Float64Array;
  private head = 0;
  private size = 0;
  /** ts of the session's first event and of its latest one. */
  startTs: number;
  lastTs: number;
  /** Identity of the current session (a new one after `reset`), assigned by the owner. */
  id = 0;

  constructor(readonly capacity: number, ts: number) {
    this.items = new Int32Array(capacity);
    this.weights = new Float64Array(capacity);
    this.startTs = ts;
    this.lastTs = ts;
  }

  push(item: number, weight: number, ts: number): void {
    this.lastTs = ts;
    if (this.capacity === 0) return;
    this.items[this.head] = item;
    this.weights[this.head] = weight;
    this.head = (this.head + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Start a new session in the same slot. */
  reset(ts: number): void {
    this.size = 0;
    this.head = 0;
    this.startTs = ts;
    this.lastTs = ts;
  }

  /** Events kept (≤ capacity). */
  get length(): number {
    return this.size;
  }

  /** Item at `distance` (1 = most recent, up to `length`). */
  itemAt(distance: number): number {
    return this.items[(this.head - distance + this.capacity) % this.capacity] as number;
  }

  /** Weight at `distance` (1 = most recent, up to `length`). */
  weightAt(distance: number): number {
    return this.weights[(this.head - distance + this.capacity) % this.capacity] as number;
  }
}

/** The user's previous weighted event, when it belongs to another session. */
export interface PreviousVisit {
  item: number;
  weight: number;
}

/** Emit the pairs of a new event (item, weight) given its session window and the user's previous visit. */
export function emitPairs(
  win: SessionWindow | null, userPrev: PreviousVisit | null, item: number, weight: number,
  cfg: CovisitationConfig, sink: PairSink,
): void {
  const back = cfg.backwardFactor;
  const n = win === null ? 0 : win.length;
  for (let d = 1; d <= n; d++) {
    const p = (win as SessionWindow).itemAt(d);
    if (p === item) continue;
    const base = ((win as SessionWindow).weightAt(d) * weight) / d;
    sink(p, item, base);
    if (back > 0) sink(item, p, base * back);
  }
  if (userPrev !== null && userPrev.item !== item && cfg.userSequenceWeight > 0) {
    const base = userPrev.weight * weight * cfg.userSequenceWeight;
    sink(userPrev.item, item, base);
    if (back > 0) sink(item, userPrev.item, base * back);
  }
}

/**
 * Online path: rebuild from a user's recent interactions (any order, any types; the event itself
 * is ignored if present) the window and previous visit that batch training would have had, and
 * emit the event's pairs. Items are mapped to dense ids with `intern`.
 */
export function emitPairsFromHistory(
  recent: readonly Interaction[], event: Interaction, cfg: CovisitationConfig,
  intern: (itemId: string) => number, sink: PairSink,
): void {
  const weight = cfg.typeWeights[event.type];
  if (!(weight > 0)) return;
  const prior = recent
    .filter((r) => r.eventId !== event.eventId && r.ts <= event.ts && cfg.typeWeights[r.type] > 0)
    .sort((a, b) => a.ts - b.ts);
  // Walk back from the event, collecting its session (same sessionId, or the null-session gap chain).
  const session: Interaction[] = [];
  let chainTs = event.ts;
  for (let i = prior.length - 1; i >= 0; i--) {
    const r = prior[i] as Interaction;
    if (event.sessionId !== null) {
      if (r.sessionId === event.sessionId) session.push(r);
    } else if (r.sessionId === null) {
      if (chainTs - r.ts > cfg.sessionGapMs) break;
      session.push(r);
      chainTs = r.ts;
    }
  }
  const win = new SessionWindow(cfg.window - 1, event.ts);
  for (const r of session.slice(0, cfg.window - 1).reverse()) win.push(intern(r.itemId), cfg.typeWeights[r.type], r.ts);
  const last = prior.at(-1);
  const userPrev = last !== undefined && !session.includes(last)
    ? { item: intern(last.itemId), weight: cfg.typeWeights[last.type] } : null;
  emitPairs(win, userPrev, intern(event.itemId), weight, cfg, sink);
}

/** Dense index of an item id, appending it to `items` (and `index`) when new. */
export function internItem(items: string[], index: Map<string, number>, itemId: string): number {
  let idx = index.get(itemId);
  if (idx === undefined) {
    idx = items.length;
    items.push(itemId);
    index.set(itemId, idx);
  }
  return idx;
}
