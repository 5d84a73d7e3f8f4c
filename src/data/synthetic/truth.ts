/**
 * @module data/synthetic/truth
 * The hidden truth of a synthetic marketplace: latent tastes and preferences that generated the
 * events, kept in Float32Arrays, and the noise-free utility any user–hotel pair has under them.
 */

/** Version tag of the truth layout and of the utility formula. */
export const TRUTH_FORMAT = 'synthetic-truth@1';

/** userPrefs row: [preferred log price, price tolerance (log-scale sd), preferred stars, stars weight]. */
export const USER_PREF_STRIDE = 4;
/** itemAttrs row: [log price, stars, quality (popularity and reviews)]. */
export const ITEM_ATTR_STRIDE = 3;

/** Global weights of the utility terms. */
export interface UtilityWeights {
  /** Weight of the Gaussian price-fit penalty. */
  price: number;
  /** Weight of the item quality term. */
  quality: number;
}

/** The arrays and sizes of the truth; item index n is hotel `h<n>`, user index n is `u<n>`. */
export interface TruthData {
  format: typeof TRUTH_FORMAT;
  seed: number;
  dim: number;
  userCount: number;
  /** Hotels only: city items have no utility. */
  itemCount: number;
  /** `userCount × dim`, row-major. */
  userLatent: Float32Array;
  /** `userCount × USER_PREF_STRIDE`. */
  userPrefs: Float32Array;
  /** `itemCount × dim`, row-major. */
  itemLatent: Float32Array;
  /** `itemCount × ITEM_ATTR_STRIDE`. */
  itemAttrs: Float32Array;
  weights: UtilityWeights;
}

/** Truth plus the oracle. */
export interface HiddenTruth extends TruthData {
  /**
   * True utility of hotel `itemIndex` for user `userIndex`, without noise:
   * dot(user, item) − price·½((log p − μ)/σ)² − starsWeight·|stars − preferred| + quality·q.
   */
  utility(userIndex: number, itemIndex: number): number;
  /** Index of a `u<n>` id, or -1 when the id is not one of this world's users. */
  userIndex(userId: string): number;
  /** Index of an `h<n>` id, or -1 when the id is not one of this world's hotels. */
  itemIndex(itemId: string): number;
}

export const DEFAULT_WEIGHTS: UtilityWeights = { price: 0.8, quality: 1 };

/** Noise-free utility under `t` (same formula as HiddenTruth.utility). */
export function trueUtility(t: TruthData, user: number, item: number): number {
  const dim = t.dim;
  const ub = user * dim;
  const ib = item * dim;
  let dot = 0;
  for (let k = 0; k < dim; k++) dot += t.userLatent[ub + k]! * t.itemLatent[ib + k]!;
  const p = user * USER_PREF_STRIDE;
  const a = item * ITEM_ATTR_STRIDE;
  const z = (t.itemAttrs[a]! - t.userPrefs[p]!) / t.userPrefs[p + 1]!;
  return dot
    - t.weights.price * 0.5 * z * z
    - t.userPrefs[p + 3]! * Math.abs(t.itemAttrs[a + 1]! - t.userPrefs[p + 2]!)
    + t.weights.quality * t.itemAttrs[a + 2]!;
}

function indexOf(id: string, prefix: string, count: number): number {
  if (id.length < 2 || id[0] !== prefix) return -1;
  const digits = id.slice(1);
  if (!/^(0|[1-9][0-9]*)$/.test(digits)) return -1;
  const n = Number(digits);
  return n < count ? n : -1;
}

/** Wrap truth data with the oracle and id lookups. */
export function createTruth(data: TruthData): HiddenTruth {
  return {
    ...data,
    utility: (u, i) => trueUtility(data, u, i),
    userIndex: (id) => indexOf(id, 'u', data.userCount),
    itemIndex: (id) => indexOf(id, 'h', data.itemCount),
  };
}

/** Allocate zeroed truth arrays for the given sizes. */
export function allocateTruth(seed: number, dim: number, userCount: number, itemCount: number): TruthData {
  return {
    format: TRUTH_FORMAT, seed, dim, userCount, itemCount,
    userLatent: new Float32Array(userCount * dim),
    userPrefs: new Float32Array(userCount * USER_PREF_STRIDE),
    itemLatent: new Float32Array(itemCount * dim),
    itemAttrs: new Float32Array(itemCount * ITEM_ATTR_STRIDE),
    weights: { ...DEFAULT_WEIGHTS },
  };
}
