/**
 * @module training/train-stages
 * Trains every candidate stage of a model version from one pass over the data: popularity and
 * co-visitation (streamed), then the two-tower on what the pass collected. Returns what the
 * registry stores: files, the index folder, what the data was, notes and metrics.
 */
import type { ModelManifest } from './registry.ts';
import { trainBaselines, type TrainingData } from './train-baselines.ts';
import { TWO_TOWER_FILES, TwoTowerCollector, trainTwoTowerStage, type TwoTowerStageOptions } from './train-two-tower.ts';
import type { VectorIndexFactory } from '../pipeline/two-tower-source.ts';

export interface TrainStagesOptions {
  /** Two-tower options, or false to train the baselines only. */
  twoTower?: TwoTowerStageOptions | false;
  /** Running count of interactions read. */
  onProgress?: (interactions: number) => void;
  log?: (line: string) => void;
}

export interface TrainedStages {
  files: Record<string, Uint8Array | string>;
  /** Directory stages: registry name → local folder to copy in. */
  dirs: Record<string, string>;
  trainedOn: ModelManifest['trainedOn'];
  notes: string[];
  metrics: Record<string, number>;
  /** Remove temporary files and release native memory once registered. */
  cleanup: () => Promise<void>;
}

export async function trainStages(data: TrainingData, indexes: VectorIndexFactory, o: TrainStagesOptions = {}): Promise<TrainedStages> {
  const collector = o.twoTower === false ? undefined : new TwoTowerCollector();
  const baselines = await trainBaselines(data, o.onProgress, collector?.taps);
  const out: TrainedStages = {
    files: { ...baselines.files }, dirs: {}, trainedOn: baselines.trainedOn, notes: [...baselines.notes], metrics: {}, cleanup: async () => undefined,
  };
  if (collector === undefined || o.twoTower === false) return out;
  const tt = await trainTwoTowerStage(collector, indexes, { log: o.log ?? (() => undefined), ...o.twoTower });
  if (!tt.trained) {
    out.notes.push(tt.note);
    return out;
  }
  Object.assign(out.files, tt.files);
  Object.assign(out.metrics, tt.metrics);
  out.notes.push(...tt.notes);
  out.dirs[TWO_TOWER_FILES.indexDir] = tt.indexDir;
  out.cleanup = tt.cleanup;
  return out;
}
