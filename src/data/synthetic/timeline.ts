/**
 * @module data/synthetic/timeline
 * When sessions happen: a traffic curve over the simulated period (evening peaks, busier Sundays
 * and Mondays, a January planning wave) mapped to timestamps, and a calendar of ISO dates.
 */

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Relative traffic per UTC hour of day. */
const DIURNAL = [
  0.35, 0.25, 0.2, 0.18, 0.2, 0.3, 0.5, 0.75, 0.9, 1, 1, 1.05,
  1.1, 1.05, 1, 1, 1.05, 1.15, 1.3, 1.45, 1.55, 1.45, 1.1, 0.7,
];
/** Relative traffic per UTC weekday, Sunday first. */
const WEEKLY = [1.15, 1.12, 1.02, 1, 0.97, 0.88, 0.86];

export interface Timeline {
  /** First instant of the period (UTC ms, inclusive). */
  readonly startTs: number;
  /** End of the period (UTC ms, exclusive). */
  readonly endTs: number;
  /** Timestamp at which a share `f` ∈ [0, 1] of all traffic has happened; non-decreasing in f. */
  at(f: number): number;
}

function hourWeight(ts: number): number {
  const d = new Date(ts);
  const dayOfYear = (ts - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS;
  const wave = 1 + 0.25 * Math.cos((2 * Math.PI * (dayOfYear - 12)) / 365);
  return DIURNAL[d.getUTCHours()]! * WEEKLY[d.getUTCDay()]! * wave;
}

/** The traffic curve over `days` days from `startTs`, in hourly bins. */
export function createTimeline(startTs: number, days: number): Timeline {
  const endTs = startTs + days * DAY_MS;
  const bins = Math.max(1, Math.ceil((endTs - startTs) / HOUR_MS));
  const cdf = new Float64Array(bins + 1);
  for (let b = 0; b < bins; b++) cdf[b + 1] = cdf[b]! + hourWeight(startTs + b * HOUR_MS);
  const total = cdf[bins]!;
  return {
    startTs,
    endTs,
    at(f: number): number {
      const target = Math.min(1, Math.max(0, f)) * total;
      let lo = 0;
      let hi = bins;
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid]! <= target) lo = mid;
        else hi = mid;
      }
      const width = cdf[lo + 1]! - cdf[lo]!;
      const frac = width > 0 ? (target - cdf[lo]!) / width : 0;
      return Math.min(endTs - 1, Math.floor(startTs + (lo + frac) * HOUR_MS));
    },
  };
}

export interface Calendar {
  /** ISO date (YYYY-MM-DD) of a UTC epoch day number. */
  iso(epochDay: number): string;
  /** Month (0–11) of a UTC epoch day number. */
  month(epochDay: number): number;
}

/** A calendar with cached ISO strings for epoch days in [firstDay, firstDay + span). */
export function createCalendar(firstDay: number, span: number): Calendar {
  const isos: string[] = [];
  const months = new Uint8Array(span);
  for (let i = 0; i < span; i++) {
    const d = new Date((firstDay + i) * DAY_MS);
    isos.push(d.toISOString().slice(0, 10));
    months[i] = d.getUTCMonth();
  }
  const slow = (day: number): Date => new Date(day * DAY_MS);
  return {
    iso: (day) => isos[day - firstDay] ?? slow(day).toISOString().slice(0, 10),
    month: (day) => (day >= firstDay && day < firstDay + span ? months[day - firstDay]! : slow(day).getUTCMonth()),
  };
}
