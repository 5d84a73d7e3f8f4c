/**
 * @module domain/candidate
 * What flows through the serving pipeline: candidates from sources, then scored items.
 */
import type { ItemId } from './types.ts';

/** Names of candidate sources. */
export type SourceName = 'two-tower' | 'covisitation' | 'popular' | (string & {});

/** A candidate from one or more sources. Scores are comparable within a source only. */
export interface Candidate {
  itemId: ItemId;
  /** The source that contributed it first (by quota order); the merged list keeps every source's score. */
  source: SourceName;
  /** Score assigned by `source`. */
  score: number;
  /** Every source that proposed this item, with its score (features for the rankers). */
  sourceScores: Record<string, number>;
  /** Short machine reasons, e.g. { kind: 'covisited', itemId: 'h42' } or { kind: 'popular', context: 'country=DE' }. */
  reasons: Reason[];
}

export type Reason =
  | { kind: 'popular'; context: string }
  | { kind: 'covisited'; itemId: ItemId }
  | { kind: 'similar-taste' }
  | { kind: 'cold-start' }
  | { kind: 'rule'; rule: string }
  /** A ranking feature that raised the item's score (see ranking/rankers.ts explain). */
  | { kind: 'feature'; feature: FeatureReason };

export type FeatureReason = 'near-viewed' | 'same-chain' | 'price-fit' | 'stars-fit' | 'well-rated' | 'trending' | 'booked-often' | 'good-value' | 'viewed-before';
