/**
 * @module models/two-tower/vocab
 * Vocabularies (string → dense index, index 0 = unknown / out-of-vocabulary) and the numeric
 * bucketings of the two-tower features (price quantiles, review score, stars, trip length, month).
 */

/** Index of the unknown / missing / out-of-vocabulary token in every vocabulary and bucketing. */
export const UNKNOWN = 0;

/** Dense indices for a fixed token list: token `tokens[i]` has index i + 1; anything else is 0. */
export class Vocabulary {
  private readonly index = new Map<string, number>();

  constructor(readonly tokens: readonly string[]) {
    tokens.forEach((t, i) => this.index.set(t, i + 1));
  }

  /** Number of indices including the unknown one (tokens + 1). */
  get size(): number {
    return this.tokens.length + 1;
  }

  /** Index of `token`, or UNKNOWN for null, undefined, '' and unseen tokens. */
  indexOf(token: string | null | undefined): number {
    if (token === null || token === undefined) return UNKNOWN;
    return this.index.get(token) ?? UNKNOWN;
  }

  /** Token of an index, or null for UNKNOWN and out-of-range indices. */
  tokenAt(i: number): string | null {
    return i >= 1 && i <= this.tokens.length ? (this.tokens[i - 1] ?? null) : null;
  }
}

/** Collects tokens in first-seen order (deterministic for a deterministic input order). */
export class VocabularyBuilder {
  private readonly seen = new Set<string>();
  private readonly order: string[] = [];

  add(token: string | null | undefined): void {
    if (token === null || token === undefined || token === '' || this.seen.has(token)) return;
    this.seen.add(token);
    this.order.push(token);
  }

  build(): Vocabulary {
    return new Vocabulary(this.order);
  }
}

/**
 * `bands − 1` ascending edges splitting the finite values into equal-count bands (duplicates
 * removed, so heavy ties give fewer bands). Empty input gives no edges (one band).
 */
export function quantileEdges(values: readonly number[], bands: number): number[] {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const edges: number[] = [];
  if (sorted.length === 0) return edges;
  for (let b = 1; b < bands; b++) {
    const v = sorted[Math.min(sorted.length - 1, Math.floor((b * sorted.length) / bands))] as number;
    if (edges.length === 0 || v > (edges[edges.length - 1] as number)) edges.push(v);
  }
  return edges;
}

/** Bucket of `value` among ascending `edges`: 1 + number of edges ≤ value; UNKNOWN for null / NaN. */
export function bucketOf(value: number | null | undefined, edges: readonly number[]): number {
  if (value === null || value === undefined || !Number.isFinite(value)) return UNKNOWN;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((edges[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return 1 + lo;
}

/** Review-score band edges on the 0–10 scale. */
export const REVIEW_EDGES: readonly number[] = [6, 7, 7.5, 8, 8.5, 9, 9.5];
/** Trip-length edges in nights: 1, 2, 3, 4–5, 6–7, 8–14, 15+. */
export const NIGHTS_EDGES: readonly number[] = [2, 3, 4, 6, 8, 15];
export const REVIEW_BANDS = REVIEW_EDGES.length + 2;
export const NIGHTS_BANDS = NIGHTS_EDGES.length + 2;
/** Stars 0–5 rounded to the nearest integer: indices 1–6. */
export const STAR_BANDS = 7;
/** Months 1–12: indices 1–12. */
export const MONTH_BANDS = 13;

/** Star bucket: round(stars) clamped to 0–5, plus 1; UNKNOWN when missing. */
export function starBucket(stars: number | null): number {
  if (stars === null || !Number.isFinite(stars)) return UNKNOWN;
  return 1 + Math.min(5, Math.max(0, Math.round(stars)));
}
