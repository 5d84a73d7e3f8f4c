/**
 * @module models/gbdt/objectives/regression
 * L2 regression: loss ½(s − y)², gradient s − y, hessian 1, init score = mean label.
 */
import type { Objective } from './objective.ts';

/** L2 loss over `labels`. */
export function createRegressionObjective(labels: Float32Array): Objective {
  return {
    spec: { name: 'regression' },
    constantHessian: 1,
    initScore() {
      let sum = 0;
      for (let i = 0; i < labels.length; i++) sum += labels[i]!;
      return labels.length === 0 ? 0 : sum / labels.length;
    },
    gradients(scores, grad, hess) {
      for (let i = 0; i < labels.length; i++) {
        grad[i] = scores[i]! - labels[i]!;
        hess[i] = 1;
      }
    },
  };
}
