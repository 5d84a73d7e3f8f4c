/**
 * @module models/gbdt/objectives/objective
 * The contract between the boosting loop and a loss: an init score and per-row gradients/hessians
 * of the loss with respect to the raw scores.
 */
import type { ObjectiveSpec } from '../model.ts';

/** A training loss. Implementations are pure apart from writing into the given arrays. */
export interface Objective {
  /** What the model file records (`objective=` header). */
  readonly spec: ObjectiveSpec;
  /** > 0 when every hessian equals this value (lets histograms skip summing hessians). */
  readonly constantHessian: number;
  /** Starting raw score of every row (LightGBM boost_from_average); 0 when the loss has none. */
  initScore(): number;
  /** Writes d loss / d score and d² loss / d score² of every row for the current raw scores. */
  gradients(scores: Float64Array, grad: Float32Array, hess: Float32Array): void;
}
