/**
 * @module models/two-tower/model
 * The runtime two-tower model: config, feature encoder, parameter layout and the parameter array.
 * Per tower: field embeddings concatenated (recent items mean-pooled) → Linear(hidden) → ReLU →
 * Linear(outputDim) → L2 normalisation; score = (u · v) / τ with a learned temperature τ.
 */
import type { TwoTowerConfig } from './config.ts';
import type { FeatureEncoder } from './encoding.ts';
import type { ParamLayout } from './params.ts';
import { buildLayout, initParams } from './params.ts';

export class TwoTowerModel {
  constructor(
    readonly config: TwoTowerConfig,
    readonly encoder: FeatureEncoder,
    readonly layout: ParamLayout,
    /** Every parameter (dense block, then embedding tables); see params.ts. */
    readonly params: Float32Array,
  ) {}

  /** Dimension of user and item embeddings. */
  get dim(): number {
    return this.config.outputDim;
  }

  /** The softmax temperature τ: scores are dot products of unit vectors divided by τ. */
  get temperature(): number {
    return Math.exp(-(this.params[this.layout.logScale] as number));
  }
}

/** The parameter layout of a config over an encoder's vocabularies. */
export function layoutFor(config: TwoTowerConfig, encoder: FeatureEncoder): ParamLayout {
  return buildLayout(config, encoder.userFieldSizes(), encoder.items.size, encoder.itemFieldSizes());
}

/** A freshly initialised model (seeded). `into` lets training place the parameters in shared memory. */
export function createTwoTowerModel(config: TwoTowerConfig, encoder: FeatureEncoder, seed: number, into?: (size: number) => Float32Array): TwoTowerModel {
  const layout = layoutFor(config, encoder);
  return new TwoTowerModel(config, encoder, layout, initParams(layout, config, seed, into?.(layout.total)));
}
