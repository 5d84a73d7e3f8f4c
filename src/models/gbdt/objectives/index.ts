/**
 * @module models/gbdt/objectives
 * Builds the objective named in the parameters for a training set.
 */
import { InvalidInputError } from '../../../errors.ts';
import type { GbdtDataset } from '../dataset.ts';
import type { GbdtParams } from '../params.ts';
import { createBinaryObjective } from './binary.ts';
import { createLambdarankObjective } from './lambdarank.ts';
import type { Objective } from './objective.ts';
import { createRegressionObjective } from './regression.ts';

export type { Objective } from './objective.ts';

/** The loss for `params.objective` over the training labels (and query groups for lambdarank). */
export function createObjective(params: GbdtParams, train: GbdtDataset): Objective {
  switch (params.objective) {
    case 'regression':
      return createRegressionObjective(train.labels);
    case 'binary':
      return createBinaryObjective(train.labels);
    case 'lambdarank':
      if (train.groups === undefined) throw new InvalidInputError('gbdt lambdarank: the training set has no query groups');
      return createLambdarankObjective(train.labels, train.groups, {
        truncationLevel: params.lambdarankTruncationLevel,
        labelGain: params.labelGain,
        norm: params.lambdarankNorm,
      });
  }
}
