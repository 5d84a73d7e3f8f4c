/**
 * @module models/covisitation/covisitation
 * Item-to-item co-visitation from sessions and trips: the streaming trainer, plus the public
 * surface of the model (query by recent items, similar items, online update, 'covisitation@1').
 */
import type { Interaction, ItemId } from '../../domain/types.ts';
import { CovisitationModel } from './covisitation-model.ts';
import type { CovisitationConfig, CovisitationOptions } from './options.ts';
import { resolveCovisitationOptions } from './options.ts';
import { PairTable } from './pair-table.ts';
import { SessionWindow, emitPairs, internItem } from './pairs.ts';

export { CovisitationModel } from './covisitation-model.ts';
export type { RecentItem } from './covisitation-model.ts';
export type { CovisitationArtifact } from './artifact.ts';
export { COVISITATION_FORMAT } from './artifact.ts';
export type { CovisitationConfig, CovisitationOptions } from './options.ts';
export { DEFAULT_COVISITATION_CONFIG, resolveCovisitationOptions } from './options.ts';

/** Sweep idle sessions every this many events. */
const SWEEP_EVERY = 1 << 16;
const MAX_EXPONENT = 600;

/** A user's previous weighted event: item, weight and session identity (`SessionWindow.id`). */
interface UserLast {
  item: number;
  weight: number;
  session: number;
}

/**
 * Streams interaction batches (ordered by ts, as the store yields them) into pair weights.
 * Sessions are `sessionId`, or the user's events split at gaps > `sessionGapMs` when it is null.
 * Memory is bounded by `maxPairs` and by dropping session windows idle > `sessionIdleMs`.
 * `build` returns the model; the trainer cannot be used afterwards.
 */
export class CovisitationTrainer {
  readonly config: CovisitationConfig;
  private readonly tauMs: number;
  private readonly items: ItemId[] = [];
  private readonly index = new Map<ItemId, number>();
  private readonly pairs: PairTable;
  private readonly sessions = new Map<string, SessionWindow>();
  private readonly users = new Map<string, UserLast>();
  private t0 = Number.NaN;
  private maxTs = -Infinity;
  private eventCount = 0;
  private sessionIds = 0;
  private built = false;

  constructor(options: CovisitationOptions = {}) {
    this.config = resolveCovisitationOptions(options);
    this.tauMs = this.config.halfLifeMs / Math.LN2;
    this.pairs = new PairTable(this.config.maxPairs);
  }

  /** Weighted events seen, distinct pairs held, prunes done so far. */
  get progress(): { events: number; pairs: number; prunes: number; openSessions: number } {
    return { events: this.eventCount, pairs: this.pairs.pairs, prunes: this.pairs.prunes, openSessions: this.sessions.size };
  }

  add(batch: readonly Interaction[]): void {
    if (this.built) throw new Error('CovisitationTrainer: already built; create a new trainer');
    for (const e of batch) this.addEvent(e);
  }

  private addEvent(e: Interaction): void {
    const weight = this.config.typeWeights[e.type];
    if (!(weight > 0)) return;
    if (Number.isNaN(this.t0)) this.t0 = e.ts;
    else if ((e.ts - this.t0) / this.tauMs > MAX_EXPONENT) this.rebase(e.ts);
    if (e.ts > this.maxTs) this.maxTs = e.ts;
    const item = this.intern(e.itemId);
    const win = this.windowFor(e);
    const session = win.id;
    const last = this.users.get(e.userId);
    const userPrev = last !== undefined && last.session !== session ? last : null;
    const f = Math.exp((e.ts - this.t0) / this.tauMs);
    emitPairs(win, userPrev, item, weight, this.config, (a, b, x) => this.pairs.add(a, b, x * f));
    win.push(item, weight, e.ts);
    if (last === undefined) this.users.set(e.userId, { item, weight, session });
    else {
      last.item = item;
      last.weight = weight;
      last.session = session;
    }
    if (++this.eventCount % SWEEP_EVERY === 0) this.sweep(e.ts);
  }

  /** The event's session window; a null-session gap > sessionGapMs starts a new session. */
  private windowFor(e: Interaction): SessionWindow {
    const key = e.sessionId === null ? `u\u0000${e.userId}` : `s\u0000${e.sessionId}`;
    let win = this.sessions.get(key);
    if (win === undefined) {
      win = new SessionWindow(this.config.window - 1, e.ts);
      win.id = ++this.sessionIds;
      this.sessions.set(key, win);
    } else if (e.sessionId === null && e.ts - win.lastTs > this.config.sessionGapMs) {
      win.reset(e.ts);
      win.id = ++this.sessionIds;
    }
    return win;
  }

  private intern(itemId: ItemId): number {
    return internItem(this.items, this.index, itemId);
  }

  /** Drop windows that cannot receive pairs any more (user sessions past the gap) or idle too long. */
  private sweep(ts: number): void {
    for (const [key, win] of this.sessions) {
      const idle = key.charCodeAt(0) === 117 /* 'u' */ ? this.config.sessionGapMs : this.config.sessionIdleMs;
      if (ts - win.lastTs > idle) this.sessions.delete(key);
    }
  }

  private rebase(ts: number): void {
    this.pairs.scale(Math.exp((this.t0 - ts) / this.tauMs));
    this.t0 = ts;
  }

  /** Keep the top-N neighbours per item and return the model. `now` (UTC ms) defaults to the largest ts seen. */
  build(now?: number): CovisitationModel {
    if (this.built) throw new Error('CovisitationTrainer: already built; create a new trainer');
    this.built = true;
    const at = now ?? (Number.isFinite(this.maxTs) ? this.maxTs : 0);
    const factor = Number.isNaN(this.t0) ? 1 : Math.exp((this.t0 - at) / this.tauMs);
    const csr = this.pairs.toCsr(this.items.length, this.config.topN, factor);
    const stats = { events: this.eventCount, pairs: this.pairs.pairs, prunes: this.pairs.prunes };
    this.sessions.clear();
    this.users.clear();
    this.pairs.rows.clear(); // the model holds the CSR; free the training pairs
    return new CovisitationModel(this.config, this.items, this.index, csr, at, at, stats);
  }
}
