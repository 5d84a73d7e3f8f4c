/**
 * @module training/train-stages
 * Trains every candidate stage of a model version from one pass over the data: popularity and
 * co-visitation (streamed), then the two-tower on what the pass collected. Returns what the
 * registry stores: files, the index folder, what the data was, notes and metrics.
 */
import type { Interaction } from '../domain/types.ts';
import { jsonBytes, type ModelManifest } from './registry.ts';
import { STAGE_FILES, trainBaselines, type TrainingData } from './train-baselines.ts';
import { rankingCut, trainRankingStage, type RankingStageOptions, type RankingStageResult } from './train-ranking.ts';
import { rankingFiles } from '../ranking/rankers.ts';
import type { EngineModels } from '../pipeline/engine.ts';
import { TWO_TOWER_FILES, TwoTowerCollector, trainTwoTowerStage, type TwoTowerStageOptions } from './train-two-tower.ts';
import type { VectorIndexFactory } from '../pipeline/two-tower-source.ts';

export interface TrainStagesOptions {
  /** Two-tower options, or false to train the baselines only. */
  twoTower?: TwoTowerStageOptions | false;
  /**
   * The rankers (GBDT + LambdaMART), trained by replaying the last part of the time range through the
   * engine (see train-ranking.ts); they need the store. Absent or false: no rankers.
   */
  ranking?: RankingStageOptions | false;
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
  /** The rankers' replay (state and feature store as of its last event), when it ran. */
  ranking?: RankingStageResult;
  /** The trained models (evaluation serves them without a registry round trip); released by `cleanup`. */
  models: Omit<EngineModels, 'version'>;
  /** Remove temporary files and release native memory once registered. */
  cleanup: () => Promise<void>;
}

/** `indexes` builds the two-tower's index; without it (or with `twoTower: false`) there is no two-tower. */
export async function trainStages(data: TrainingData, indexes: VectorIndexFactory | undefined, o: TrainStagesOptions = {}): Promise<TrainedStages> {
  const collector = o.twoTower === false || indexes === undefined ? undefined : new TwoTowerCollector();
  const ranking = o.ranking === false ? undefined : o.ranking;
  const t1 = ranking === undefined ? undefined : await rankingCut(ranking);
  const baselines = await trainBaselines(t1 === undefined ? data : { ...data, interactions: () => before(data.interactions(), t1) }, o.onProgress, collector?.taps);
  const out: TrainedStages = {
    files: { ...baselines.files }, dirs: {}, trainedOn: baselines.trainedOn, notes: [...baselines.notes], metrics: {}, cleanup: async () => undefined,
    models: { popularity: baselines.popularity, covisitation: baselines.covisitation },
  };
  const tt = collector === undefined || o.twoTower === false || indexes === undefined ? undefined : await trainTwoTowerStage(collector, indexes, { log: o.log ?? (() => undefined), ...o.twoTower });
  if (tt?.trained === false) out.notes.push(tt.note);
  if (tt?.trained === true) {
    Object.assign(out.files, tt.files);
    Object.assign(out.metrics, tt.metrics);
    out.notes.push(...tt.notes);
    out.dirs[TWO_TOWER_FILES.indexDir] = tt.indexDir;
    out.cleanup = tt.cleanup;
    out.models.twoTower = tt.source;
  }
  if (ranking === undefined || t1 === undefined) return out;
  const r = await trainRankingStage({ popularity: baselines.popularity, covisitation: baselines.covisitation, twoTower: tt?.trained === true ? tt.source : undefined }, t1, { ...(o.log === undefined ? {} : { log: o.log }), ...ranking });
  out.ranking = r;
  // The replay moved popularity and co-visitation up to its last event: register them as they are now.
  out.files[STAGE_FILES.popularity] = jsonBytes(baselines.popularity.toArtifact());
  out.files[STAGE_FILES.covisitation] = jsonBytes(baselines.covisitation.toArtifact());
  out.trainedOn = { ...out.trainedOn, interactions: out.trainedOn.interactions + r.replayedEvents, maxTs: r.lastTs ?? out.trainedOn.maxTs };
  if (!r.result.trained) {
    out.notes.push(r.result.note);
    return out;
  }
  Object.assign(out.metrics, r.result.metrics);
  out.notes.push(...r.result.notes);
  Object.assign(out.files, rankingFiles(r.result.rankers, r.result.metrics));
  out.models.rankers = r.result.rankers;
  return out;
}

async function* before(batches: AsyncIterable<Interaction[]>, t1: number): AsyncIterable<Interaction[]> {
  for await (const batch of batches) {
    const kept = batch.filter((e) => e.ts < t1);
    if (kept.length > 0) yield kept;
    if (kept.length < batch.length) return;
  }
}
