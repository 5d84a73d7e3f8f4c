/**
 * @module adapters/duckdb/as-of-sql
 * The SQL of the offline store's two reads.
 *
 * Point-in-time (features/point-in-time.ts): a row becomes visible at vis = greatest(event_ts, created_ts)
 * (visible at t iff vis < t). Per entity, a window over rows ordered by vis keeps the running winner:
 * the max of (event_ts, created_ts), packed into one HUGEINT so that the running max is a scalar
 * aggregate (a STRUCT max measured 2–3× slower); a RANGE frame lets rows with equal vis enter together.
 * An ASOF JOIN then finds, for each probe (k, t), the last timeline entry with vis < t: its winner is the
 * visible row with the greatest event_ts, even when a later-created row for an older event arrived after
 * it (a correction never outranks a newer event, and never shows before it was created). The winner's
 * values are joined back by (key, event_ts, created_ts); exact duplicates come out as several rows with
 * their write order, and the reader keeps the latest write (file in write order, then row in file).
 */

const bound = (ms: number): number => Math.trunc(Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, ms)));

// (event_ts, created_ts) as one ordered HUGEINT: event_ts in the high 64 bits, created_ts + 2^63 in the low.
const PACK = `(event_ts::HUGEINT << 64) + (created_ts::HUGEINT + 9223372036854775808::HUGEINT)`;
const EVENT_OF = (x: string): string => `(${x} >> 64)::BIGINT`;
const CREATED_OF = (x: string): string => `(${x} - ((${x} >> 64) << 64) - 9223372036854775808::HUGEINT)::BIGINT`;

/**
 * Columns: probe index, event_ts (DOUBLE), write order (DOUBLE: file_index · 2^32 + row in file), then the
 * stored fields (`fields` selects them from alias v). Probes without a visible, fresh row are absent;
 * a probe whose winner has exact duplicates appears once per duplicate.
 */
export function asOfSql(history: string, probeTable: string, ttlMs: number, fields: string): string {
  return `
WITH hist AS (
  SELECT entity_key AS k, greatest(event_ts, created_ts) AS vis, ${PACK} AS ec
  FROM ${history}
  WHERE entity_key IN (SELECT DISTINCT k FROM ${probeTable})
),
timeline AS (
  SELECT k, vis, max(ec) OVER (PARTITION BY k ORDER BY vis RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS best
  FROM hist
),
hit AS (
  SELECT p.i, p.k, ${EVENT_OF('tl.best')} AS e, ${CREATED_OF('tl.best')} AS c
  FROM ${probeTable} p ASOF JOIN timeline tl ON p.k = tl.k AND p.t > tl.vis
  WHERE p.t - ${EVENT_OF('tl.best')} <= ${bound(ttlMs)}
)
SELECT hit.i, CAST(hit.e AS DOUBLE) AS event_ts, CAST(v.file_index AS DOUBLE) * 4294967296 + CAST(v.file_row_number AS DOUBLE) AS w, ${fields}
FROM hit JOIN ${history} v ON v.entity_key = hit.k AND v.event_ts = hit.e AND v.created_ts = hit.c`;
}

/**
 * Columns: entity_key, event_ts, created_ts (DOUBLE), then the stored fields: the latest row per key among
 * rows with start ≤ event_ts < end (greatest event_ts, created_ts, file, row).
 */
export function latestSql(history: string, range: { start: number; end: number }, fields: string): string {
  return `
SELECT entity_key, CAST(event_ts AS DOUBLE) AS event_ts, CAST(created_ts AS DOUBLE) AS created_ts, ${fields}
FROM ${history}
WHERE event_ts >= ${bound(range.start)} AND event_ts < ${bound(range.end)}
QUALIFY row_number() OVER (PARTITION BY entity_key ORDER BY event_ts DESC, created_ts DESC, file_index DESC, file_row_number DESC) = 1
ORDER BY entity_key`;
}
