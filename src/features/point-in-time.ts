/**
 * @module features/point-in-time
 * The point-in-time rule every offline read implements (DuckDB in SQL; this reference in plain code,
 * which the tests use as the oracle). At label time t, a row of an (entity, view):
 *   1. is visible iff eventTs < t AND createdTs < t — it described the past AND was known before t.
 *      Strictly before: a label at t is usually an event at t (a click, a booking), and features that
 *      already include the label's own event leak the target. A value created after t (a late write, a
 *      correction created after the fact) is invisible at t even when its eventTs is older;
 *   2. among visible rows the winner has the greatest eventTs, then the greatest createdTs (the latest
 *      correction known at t), then the latest write;
 *   3. the winner is dropped when t − eventTs > ttlMs (no fallback to older, even staler rows).
 * Online reads agree: the online store holds what was written before the read, aged the same way.
 */

/** What the rule looks at; `seq` is the write order (later writes have larger seq). */
export interface Versioned {
  readonly eventTs: number;
  readonly createdTs: number;
  readonly seq: number;
}

/** Rule 1. */
export function isVisibleAt(row: Versioned, t: number): boolean {
  return row.eventTs < t && row.createdTs < t;
}

/** Rule 2's order: positive when a wins over b. */
export function compareVersions(a: Versioned, b: Versioned): number {
  return a.eventTs - b.eventTs || a.createdTs - b.createdTs || a.seq - b.seq;
}

/** The row of one (entity, view) visible at t, or undefined (rules 1–3). */
export function pickAsOf<R extends Versioned>(rows: readonly R[], t: number, ttlMs: number): R | undefined {
  let best: R | undefined;
  for (const r of rows) {
    if (isVisibleAt(r, t) && (best === undefined || compareVersions(r, best) > 0)) best = r;
  }
  return best !== undefined && t - best.eventTs <= ttlMs ? best : undefined;
}
