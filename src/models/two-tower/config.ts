/**
 * @module models/two-tower/config
 * The two-tower architecture: feature fields of each tower, embedding sizes, MLP widths and
 * temperature bounds. Saved in the artifact; training options (batch, learning rates…) live in train.ts.
 */
import { InvalidInputError } from '../../errors.ts';

/** Categorical user-tower fields (one embedding row each), in input order. */
export const USER_FIELDS = ['user_id', 'home_country', 'device', 'destination', 'season', 'month', 'trip_length'] as const;
export type UserField = (typeof USER_FIELDS)[number];
/** Item-tower fields, in input order. */
export const ITEM_FIELDS = ['item_id', 'city', 'country', 'price_band', 'stars', 'review_band', 'chain'] as const;
export type ItemField = (typeof ITEM_FIELDS)[number];

export interface TwoTowerConfig {
  /** Dimension of the L2-normalised tower outputs (default 64). */
  outputDim: number;
  /** Width of the one hidden ReLU layer of each tower (default 128). */
  hiddenDim: number;
  /** Embedding width per user field; the tower input is their concatenation plus `recentDim`. */
  userDims: Record<UserField, number>;
  /** Width of the pooled recent-items embedding (mean of the last ≤ `recentItems` interest items). */
  recentDim: number;
  /** Embedding width per item field. */
  itemDims: Record<ItemField, number>;
  /** Recent interest events pooled into the user tower (default 10). */
  recentItems: number;
  /** Quantile buckets of nightly price, computed over the catalogue (default 8). */
  priceBands: number;
  /** Initial softmax temperature τ: score = (u · v) / τ (default 0.07). */
  temperature: number;
  /** Learn τ (as log 1/τ) during training, clamped to [minTemperature, maxTemperature] (default true). */
  learnTemperature: boolean;
  minTemperature: number;
  maxTemperature: number;
}

export const DEFAULT_TWO_TOWER_CONFIG: Readonly<TwoTowerConfig> = Object.freeze({
  outputDim: 64,
  hiddenDim: 128,
  userDims: Object.freeze({ user_id: 32, home_country: 8, device: 4, destination: 16, season: 4, month: 4, trip_length: 4 }),
  recentDim: 32,
  itemDims: Object.freeze({ item_id: 32, city: 16, country: 8, price_band: 8, stars: 4, review_band: 4, chain: 8 }),
  recentItems: 10,
  priceBands: 8,
  temperature: 0.07,
  learnTemperature: true,
  minTemperature: 0.02,
  maxTemperature: 0.5,
});

/** Any subset of the config; dims maps may be partial too. */
export type TwoTowerConfigInput = Partial<Omit<TwoTowerConfig, 'userDims' | 'itemDims'>> & {
  userDims?: Partial<Record<UserField, number>>;
  itemDims?: Partial<Record<ItemField, number>>;
};

function positiveInt(name: string, v: number, max = 4096): void {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new InvalidInputError(`two-tower: ${name} must be an integer in [1, ${max}], got ${v}`);
}

/** Fill defaults and validate; throws InvalidInputError naming the bad field. */
export function resolveTwoTowerConfig(input: TwoTowerConfigInput = {}): TwoTowerConfig {
  const d = DEFAULT_TWO_TOWER_CONFIG;
  const c: TwoTowerConfig = {
    ...d, ...input,
    userDims: { ...d.userDims, ...input.userDims },
    itemDims: { ...d.itemDims, ...input.itemDims },
  };
  positiveInt('outputDim', c.outputDim);
  positiveInt('hiddenDim', c.hiddenDim);
  positiveInt('recentDim', c.recentDim);
  positiveInt('recentItems', c.recentItems, 100);
  positiveInt('priceBands', c.priceBands, 100);
  for (const f of USER_FIELDS) positiveInt(`userDims.${f}`, c.userDims[f]);
  for (const f of ITEM_FIELDS) positiveInt(`itemDims.${f}`, c.itemDims[f]);
  if (!(c.minTemperature > 0 && c.minTemperature <= c.temperature && c.temperature <= c.maxTemperature)) {
    throw new InvalidInputError(`two-tower: need 0 < minTemperature ≤ temperature ≤ maxTemperature, got ${c.minTemperature}, ${c.temperature}, ${c.maxTemperature}`);
  }
  return c;
}

/** Width of the concatenated user-tower input (fields in USER_FIELDS order, then the pooled recent items). */
export function userInputDim(c: TwoTowerConfig): number {
  return USER_FIELDS.reduce((s, f) => s + c.userDims[f], 0) + c.recentDim;
}

/** Width of the concatenated item-tower input (fields in ITEM_FIELDS order). */
export function itemInputDim(c: TwoTowerConfig): number {
  return ITEM_FIELDS.reduce((s, f) => s + c.itemDims[f], 0);
}
