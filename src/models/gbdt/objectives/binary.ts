/**
 * @module models/gbdt/objectives/binary
 * Binary logloss with sigmoid(σ·s), σ = 1: gradient p − y, hessian p(1 − p); init score is the
 * log-odds of the mean label (LightGBM BinaryLogloss::BoostFromScore).
 */
import { InvalidInputError } from '../../../errors.ts';
import type { Objective } from './objective.ts';

const EPS = 1e-15;

/** Logloss over 0/1 `labels`; throws InvalidInputError naming the first other label. */
export function createBinaryObjective(labels: Float32Array, sigmoid = 1): Objective {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y !== 0 && y !== 1) throw new InvalidInputError(`gbdt binary: label of row ${i} is ${y}, expected 0 or 1`);
  }
  return {
    spec: { name: 'binary', sigmoid },
    constantHessian: 0,
    initScore() {
      let pos = 0;
      for (let i = 0; i < labels.length; i++) pos += labels[i]!;
      const p = Math.min(1 - EPS, Math.max(EPS, labels.length === 0 ? 0.5 : pos / labels.length));
      return Math.log(p / (1 - p)) / sigmoid;
    },
    gradients(scores, grad, hess) {
      for (let i = 0; i < labels.length; i++) {
        // LightGBM form with labels in {-1, +1}: response = −yσ / (1 + e^{yσs}). Labels are exactly 0
        // or 1 (checked above), so y = 2·label − 1 is the same ±1 without a branch on random labels.
        const y = 2 * labels[i]! - 1;
        const response = (-y * sigmoid) / (1 + Math.exp(y * sigmoid * scores[i]!));
        const abs = Math.abs(response);
        grad[i] = response;
        hess[i] = abs * (sigmoid - abs);
      }
    },
  };
}
