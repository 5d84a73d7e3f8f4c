/**
 * @module data/dates
 * Date parsing for dataset imports, everything to UTC epoch milliseconds. Calendar-checked
 * (2016-02-30 and 31/13/2016 are null), hand-rolled for speed: importers parse tens of millions.
 */

const DAY_MS = 86_400_000;
/** Numbers below this are epoch seconds, at or above it epoch milliseconds (1e11 s ≈ year 5138). */
const SECONDS_LIMIT = 1e11;

export type EpochUnit = 'auto' | 's' | 'ms';

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeap(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Digits s[from, from+len) as a number, or -1 if any is not a digit. */
function digits(s: string, from: number, len: number): number {
  let n = 0;
  for (let i = from; i < from + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return -1; // also catches NaN past the end of the string
    n = n * 10 + c;
  }
  return n;
}

/** UTC ms for a calendar date and time, or null when any part is out of range. */
function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number | null {
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return null;
  // Date.UTC maps years 0–99 to 1900–1999; shift by 400 years (exactly 146,097 days) instead.
  if (y < 100) return Date.UTC(y + 400, mo - 1, d, h, mi, s, ms) - 146_097 * DAY_MS;
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/** Time part after a date: `HH:MM[:SS[.fff]][Z|±HH[:]MM]` from index `i`; returns ms since midnight minus offset. */
function parseTimePart(s: string, i: number): number | null {
  const h = digits(s, i, 2);
  const mi = digits(s, i + 3, 2);
  if (h < 0 || mi < 0 || s[i + 2] !== ':' || h > 23 || mi > 59) return null;
  let j = i + 5;
  let sec = 0;
  let frac = 0;
  if (s[j] === ':') {
    sec = digits(s, j + 1, 2);
    if (sec < 0 || sec > 59) return null;
    j += 3;
    if (s[j] === '.' || s[j] === ',') {
      let k = j + 1;
      while (k < s.length && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k++;
      if (k === j + 1) return null;
      frac = Math.round(Number(`0.${s.slice(j + 1, k)}`) * 1000);
      j = k;
    }
  }
  const offset = parseZone(s, j);
  if (offset === null) return null;
  return h * 3_600_000 + mi * 60_000 + sec * 1000 + frac - offset;
}

/** Zone suffix at `j` to end of string: '', 'Z', '±HH', '±HHMM' or '±HH:MM'; offset in ms, null if malformed. */
function parseZone(s: string, j: number): number | null {
  const rest = s.length - j;
  if (rest === 0) return 0;
  if (rest === 1 && (s[j] === 'Z' || s[j] === 'z')) return 0;
  const sign = s[j] === '+' ? 1 : s[j] === '-' ? -1 : 0;
  if (sign === 0) return null;
  const oh = digits(s, j + 1, 2);
  let om = 0;
  if (rest === 6 && s[j + 3] === ':') om = digits(s, j + 4, 2);
  else if (rest === 5) om = digits(s, j + 3, 2);
  else if (rest !== 3) return null;
  if (oh < 0 || oh > 23 || om < 0 || om > 59) return null;
  return sign * (oh * 3_600_000 + om * 60_000);
}

/** `yyyy-mm-dd`, optionally followed by `T` or a space and a time (`parseTimePart`). */
export function parseIsoDateTime(text: string): number | null {
  const s = text.trim();
  if (s.length < 10 || s[4] !== '-' || s[7] !== '-') return null;
  const day = utc(digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2));
  if (day === null) return null;
  if (s.length === 10) return day;
  if (s[10] !== 'T' && s[10] !== 't' && s[10] !== ' ') return null;
  const time = parseTimePart(s, 11);
  return time === null ? null : day + time;
}

/** `dd/mm/yyyy`, optionally followed by a space and `HH:MM[:SS]` (day first, as in Booking.com exports). */
export function parseDayMonthYear(text: string): number | null {
  const s = text.trim();
  const a = s.indexOf('/');
  const b = s.indexOf('/', a + 1);
  if (a < 1 || a > 2 || b - a < 2 || b - a > 3) return null;
  const d = digits(s, 0, a);
  const mo = digits(s, a + 1, b - a - 1);
  const y = digits(s, b + 1, 4);
  const day = utc(y, mo, d);
  if (day === null) return null;
  if (s.length === b + 5) return day;
  if (s[b + 5] !== ' ') return null;
  const time = parseTimePart(s, b + 6);
  return time === null ? null : day + time;
}

/** Airbnb's compact `yyyymmddHHMMSS` (exactly 14 digits), e.g. `20090319043255`. */
export function parseCompactDateTime(text: string): number | null {
  const s = text.trim();
  if (s.length !== 14 || digits(s, 0, 14) < 0) return null;
  return utc(digits(s, 0, 4), digits(s, 4, 2), digits(s, 6, 2), digits(s, 8, 2), digits(s, 10, 2), digits(s, 12, 2));
}

/** Any textual date format: ISO date/datetime, `dd/mm/yyyy`, or compact `yyyymmddHHMMSS`. */
export function parseDateTime(text: string): number | null {
  const s = text.trim();
  if (s.length === 0) return null;
  if (s[4] === '-') return parseIsoDateTime(s);
  if (s.length === 14) return parseCompactDateTime(s);
  return parseDayMonthYear(s);
}

/**
 * A numeric epoch. `auto` takes values below 1e11 as seconds and others as milliseconds.
 * Fractions are allowed (`1469088000.5`); the result is rounded to whole milliseconds.
 */
export function parseEpoch(text: string, unit: EpochUnit = 'auto'): number | null {
  const s = text.trim();
  if (!/^-?\d+(\.\d+)?$/.test(s)) return null;
  const n = Number(s);
  if (!Number.isFinite(n)) return null;
  const seconds = unit === 's' || (unit === 'auto' && Math.abs(n) < SECONDS_LIMIT);
  const ms = Math.round(seconds ? n * 1000 : n);
  return Math.abs(ms) <= 8.64e15 ? ms : null;
}

/**
 * Parse any supported form to UTC epoch ms: ISO (`2016-07-21`, `2016-07-21 10:00:00`, `…T10:00:00Z`,
 * offsets), `dd/mm/yyyy`, compact `yyyymmddHHMMSS`, or epoch seconds/ms (auto-detected by magnitude).
 * Null for empty or invalid input. Times without a zone are taken as UTC.
 */
export function parseDate(text: string): number | null {
  const s = text.trim();
  if (s.length === 0) return null;
  if (digits(s, 0, s.length) >= 0) return s.length === 14 ? parseCompactDateTime(s) : parseEpoch(s, 'auto');
  return parseDateTime(s) ?? parseEpoch(s, 'auto');
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * `YYYY-MM-DD` (UTC) of an epoch ms. Pure arithmetic (H. Hinnant's civil-from-days), several times
 * faster than `toISOString` on import hot paths; years outside 0–9999 fall back to it.
 */
export function formatIsoDate(ms: number): string {
  const z = Math.floor(ms / DAY_MS) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (y < 1000 || y > 9999 || !Number.isFinite(ms)) return new Date(ms).toISOString().slice(0, 10);
  return `${y}-${pad2(m)}-${pad2(d)}`;
}

/** Whole days between two epoch ms values (rounded, so DST-free UTC dates give exact nights). */
export function daysBetween(fromMs: number, toMs: number): number {
  return Math.round((toMs - fromMs) / DAY_MS);
}
