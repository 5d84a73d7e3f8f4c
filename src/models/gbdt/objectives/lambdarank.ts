/**
 * @module models/gbdt/objectives/lambdarank
 * LambdaMART (LightGBM LambdarankNDCG): per query, every pair with different labels where one
 * document ranks in the top `truncationLevel` by current score gets lambda weighted by |ΔNDCG|,
 * divided by (0.01 + |Δscore|) and normalised per query by log2(1 + Σλ)/Σλ when `norm` is on.
 * The sigmoid is computed exactly (LightGBM uses a lookup table; results differ in the last bits).
 */
import { InvalidInputError } from '../../../errors.ts';
import { queryBoundaries } from '../dataset.ts';
import { discount, maxDcgAtK, sortByScore } from '../dcg.ts';
import type { Objective } from './objective.ts';

/** LambdaMART settings (resolved GbdtParams fields). */
export interface LambdarankOptions {
  truncationLevel: number;
  labelGain: readonly number[];
  norm: boolean;
  sigmoid?: number;
}

/** Checks that ranking labels are integer grades with a gain; throws naming the row. */
export function checkRankLabels(labels: Float32Array, labelGain: readonly number[]): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= labelGain.length) {
      throw new InvalidInputError(`gbdt lambdarank: label of row ${i} is ${y}, expected an integer in [0, ${labelGain.length - 1}]`);
    }
  }
}

interface QueryBuffers {
  order: Int32Array;
  lambdas: Float64Array;
  hessians: Float64Array;
}

function queryGradients(
  labels: Float32Array, scores: Float64Array, start: number, cnt: number,
  inverseMaxDcg: number, o: Required<LambdarankOptions>, buf: QueryBuffers,
): void {
  const { lambdas, hessians } = buf;
  lambdas.fill(0, 0, cnt);
  hessians.fill(0, 0, cnt);
  const order = sortByScore(scores, start, cnt, buf.order);
  const bestScore = scores[start + order[0]!]!;
  const worstScore = scores[start + order[cnt - 1]!]!;
  let sumLambdas = 0;
  for (let i = 0; i < cnt - 1 && i < o.truncationLevel; i++) {
    for (let j = i + 1; j < cnt; j++) {
      const li = labels[start + order[i]!]!;
      const lj = labels[start + order[j]!]!;
      if (li === lj) continue;
      const [hiRank, loRank] = li > lj ? [i, j] : [j, i];
      const hi = order[hiRank]!;
      const lo = order[loRank]!;
      const deltaScore = scores[start + hi]! - scores[start + lo]!;
      const dcgGap = o.labelGain[labels[start + hi]!]! - o.labelGain[labels[start + lo]!]!;
      let deltaNdcg = dcgGap * Math.abs(discount(hiRank) - discount(loRank)) * inverseMaxDcg;
      if (o.norm && bestScore !== worstScore) deltaNdcg /= 0.01 + Math.abs(deltaScore);
      const p = 1 / (1 + Math.exp(o.sigmoid * deltaScore));
      const lambda = -o.sigmoid * deltaNdcg * p;
      const hessian = o.sigmoid * o.sigmoid * deltaNdcg * p * (1 - p);
      lambdas[lo]! -= lambda;
      hessians[lo]! += hessian;
      lambdas[hi]! += lambda;
      hessians[hi]! += hessian;
      sumLambdas -= 2 * lambda;
    }
  }
  if (o.norm && sumLambdas > 0) {
    const factor = Math.log2(1 + sumLambdas) / sumLambdas;
    for (let i = 0; i < cnt; i++) {
      lambdas[i]! *= factor;
      hessians[i]! *= factor;
    }
  }
}

/** LambdaMART over `labels` grouped by query sizes `groups`. */
export function createLambdarankObjective(labels: Float32Array, groups: Int32Array, opts: LambdarankOptions): Objective {
  checkRankLabels(labels, opts.labelGain);
  const o: Required<LambdarankOptions> = { sigmoid: 1, ...opts };
  const bounds = queryBoundaries(groups);
  const inverseMaxDcg = new Float64Array(groups.length);
  let maxGroup = 1;
  for (let q = 0; q < groups.length; q++) {
    const cnt = groups[q]!;
    maxGroup = Math.max(maxGroup, cnt);
    const best = maxDcgAtK(labels, bounds[q]!, cnt, o.truncationLevel, o.labelGain);
    inverseMaxDcg[q] = best > 0 ? 1 / best : 0;
  }
  const buf: QueryBuffers = { order: new Int32Array(maxGroup), lambdas: new Float64Array(maxGroup), hessians: new Float64Array(maxGroup) };
  return {
    spec: { name: 'lambdarank' },
    constantHessian: 0,
    initScore: () => 0,
    gradients(scores, grad, hess) {
      for (let q = 0; q < groups.length; q++) {
        const start = bounds[q]!;
        const cnt = groups[q]!;
        queryGradients(labels, scores, start, cnt, inverseMaxDcg[q]!, o, buf);
        for (let i = 0; i < cnt; i++) {
          grad[start + i] = buf.lambdas[i]!;
          hess[start + i] = buf.hessians[i]!;
        }
      }
    },
  };
}
