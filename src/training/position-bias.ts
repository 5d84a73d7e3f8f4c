/**
 * @module training/position-bias
 * How much of a list users examine at each position, estimated from the log alone: the position-based
 * click model (P(click) = examination of the position × attractiveness of the item), fitted by EM over
 * the logged impressions (with their positions) and the clicks of the same session. Its inverse weights
 * logged clicks so that an offline comparison of two orders of the displayed items does not reward the
 * order the old display happened to use.
 */
import type { Interaction, ItemId, UserId } from '../domain/types.ts';

export interface PositionBias {
  /**
   * Examination of each 1-based position relative to position 1: index 0 is position 1 (always 1);
   * positions past the end share the last value.
   */
  examination: Float64Array;
  /** Impressions and clicks on them that the fit used. */
  impressions: number;
  clicks: number;
  /** EM iterations run. */
  iterations: number;
}

export interface PositionBiasOptions {
  /** Positions from this one on are pooled into one (default 25). */
  maxPosition?: number;
  /** A session's impressions wait this long for their clicks (default 6 h of event time). */
  sessionMs?: number;
}

const MIN_CLICKS = 50;
/** A position needs this many clicks of its own; deeper positions are pooled with the last one that has them. */
const MIN_CLICKS_AT = 10;

/**
 * Collects impressions with a logged 1-based position (`value`) and a session, and marks one clicked
 * when the session then clicks the item. An item the user had already clicked or booked is left out when
 * shown again: a user finding it again is not examining the list. Feed events in time order.
 */
export class PositionBiasEstimator {
  private readonly maxPosition: number;
  private readonly sessionMs: number;
  private items = new Int32Array(1 << 16);
  private positions = new Uint8Array(1 << 16);
  private clicked = new Uint8Array(1 << 16);
  private n = 0;
  private readonly itemIndex = new Map<ItemId, number>();
  private readonly sessions = new Map<string, { ts: number; shown: Map<ItemId, number> }>();
  private readonly known = new Map<UserId, Set<ItemId>>();
  private lastSweep = -Infinity;

  constructor(o: PositionBiasOptions = {}) {
    this.maxPosition = Math.min(255, Math.max(1, o.maxPosition ?? 25));
    this.sessionMs = o.sessionMs ?? 6 * 3_600_000;
  }

  add(e: Interaction): void {
    if (e.ts - this.lastSweep > this.sessionMs) this.sweep(e.ts);
    if (e.type === 'impression') this.impression(e);
    else if (e.type === 'click' || e.type === 'booking') {
      const s = e.sessionId == null ? undefined : this.sessions.get(e.sessionId);
      const at = s?.shown.get(e.itemId);
      if (at !== undefined && at >= 0) this.clicked[at] = 1;
      let known = this.known.get(e.userId);
      if (known === undefined) this.known.set(e.userId, (known = new Set()));
      known.add(e.itemId);
    }
  }

  private impression(e: Interaction): void {
    const pos = e.value;
    if (e.sessionId == null || typeof pos !== 'number' || !Number.isInteger(pos) || pos < 1) return;
    let s = this.sessions.get(e.sessionId);
    if (s === undefined) this.sessions.set(e.sessionId, (s = { ts: e.ts, shown: new Map() }));
    s.ts = e.ts;
    if (s.shown.has(e.itemId)) return; // the first showing in a session is the one examined
    if (this.known.get(e.userId)?.has(e.itemId) === true) { s.shown.set(e.itemId, -1); return; }
    if (this.n === this.items.length) this.grow();
    let item = this.itemIndex.get(e.itemId);
    if (item === undefined) this.itemIndex.set(e.itemId, (item = this.itemIndex.size));
    this.items[this.n] = item;
    this.positions[this.n] = Math.min(pos, this.maxPosition) - 1;
    this.clicked[this.n] = 0;
    s.shown.set(e.itemId, this.n++);
  }

  private grow(): void {
    const size = this.items.length * 2;
    const items = new Int32Array(size); items.set(this.items); this.items = items;
    const positions = new Uint8Array(size); positions.set(this.positions); this.positions = positions;
    const clicked = new Uint8Array(size); clicked.set(this.clicked); this.clicked = clicked;
  }

  private sweep(now: number): void {
    for (const [id, s] of this.sessions) if (now - s.ts > this.sessionMs) this.sessions.delete(id);
    this.lastSweep = now;
  }

  /**
   * Fit the model by EM (until examination moves less than 1e-5, at most `maxIterations`); undefined with
   * fewer than 50 clicked impressions. Positions are fitted one by one down to the first with fewer than 10
   * clicks; that one and every deeper one share one value (their clicks are too few to tell apart).
   * Attractiveness has a prior of one impression at the mean click rate, so that a once-shown item does not
   * sit at 0 or 1.
   */
  estimate(maxIterations = 200): PositionBias | undefined {
    const { n, items, positions, clicked } = this;
    const P = this.maxPosition;
    const clicksAt = new Float64Array(P);
    let clicks = 0;
    for (let j = 0; j < n; j++) if (clicked[j] === 1) { clicksAt[positions[j]!]! += 1; clicks++; }
    if (clicks < MIN_CLICKS) return undefined;
    let used = 0; // the last position fitted on its own; deeper ones are pooled into it
    while (used + 1 < P && clicksAt[used]! >= MIN_CLICKS_AT) used++;
    const shownAt = new Float64Array(used + 1);
    for (let j = 0; j < n; j++) shownAt[Math.min(positions[j]!, used)]! += 1;
    while (shownAt[used] === 0) used--; // nothing shown that deep
    const D = this.itemIndex.size;
    const shownItem = new Float64Array(D);
    for (let j = 0; j < n; j++) shownItem[items[j]!]! += 1;
    const prior = clicks / n;
    const exam = new Float64Array(P).fill(0.5);
    const attract = new Float64Array(D).fill(Math.min(0.9, 2 * prior));
    const examSum = new Float64Array(P);
    const attractSum = new Float64Array(D);
    let it = 0;
    for (let moved = Infinity; it < maxIterations && moved > 1e-5; it++) {
      examSum.fill(0);
      attractSum.fill(0);
      for (let j = 0; j < n; j++) {
        const p = Math.min(positions[j]!, used);
        const d = items[j]!;
        if (clicked[j] === 1) { examSum[p]! += 1; attractSum[d]! += 1; continue; }
        const t = exam[p]!;
        const g = attract[d]!;
        const none = 1 - t * g; // P(no click)
        examSum[p]! += (t * (1 - g)) / none; // examined, not attracted
        attractSum[d]! += ((1 - t) * g) / none; // attracted, not examined
      }
      moved = 0;
      for (let p = 0; p <= used; p++) {
        const next = examSum[p]! / shownAt[p]!;
        moved = Math.max(moved, Math.abs(next - exam[p]!));
        exam[p] = next;
      }
      for (let d = 0; d < D; d++) attract[d] = (attractSum[d]! + prior) / (shownItem[d]! + 1);
    }
    const examination = new Float64Array(P);
    for (let p = 0; p < P; p++) examination[p] = exam[Math.min(p, used)]! / exam[0]!;
    return { examination, impressions: n, clicks, iterations: it };
  }
}

/**
 * The inverse-propensity weight of a click at a 1-based position: 1 / relative examination, capped at
 * `maxWeight` (default 20) so that one click deep in a list cannot outweigh the rest.
 */
export function clickWeight(bias: PositionBias, position: number, maxWeight = 20): number {
  const e = bias.examination;
  const at = Math.min(e.length, Math.max(1, Math.floor(position))) - 1;
  return Math.min(maxWeight, 1 / Math.max(e[at]!, 1e-9));
}
