/**
 * @module training/train-baselines
 * Trains the baseline candidate sources (popularity by context, co-visitation) in one
 * bounded-memory pass over the interactions, and returns the models and their artifacts.
 */
import type { Interaction, Item, User, UserId } from '../domain/types.ts';
import type { InteractionReader, CatalogReader, ScanOptions } from '../ports/store.ts';
import { PopularityTrainer, type PopularityModel } from '../models/popularity/popularity.ts';
import { CovisitationTrainer, type CovisitationModel } from '../models/covisitation/covisitation.ts';
import { jsonBytes } from './registry.ts';
import type { ModelManifest } from './registry.ts';
import type { TrainingTaps } from './train-two-tower.ts';

/** What training reads: each a fresh stream of batches (interactions ordered by ts). */
export interface TrainingData {
  items(): AsyncIterable<Item[]>;
  users(): AsyncIterable<User[]>;
  interactions(): AsyncIterable<Interaction[]>;
}

export interface TrainedBaselines {
  popularity: PopularityModel;
  covisitation: CovisitationModel;
  /** Registry files: file name → bytes. */
  files: Record<string, Uint8Array>;
  trainedOn: ModelManifest['trainedOn'];
  notes: string[];
}

export const STAGE_FILES = { popularity: 'popularity.json', covisitation: 'covisitation.json' } as const;

/** The store as training data, optionally restricted to interactions in [fromTs, toTs). */
export function storeTrainingData(store: InteractionReader & CatalogReader, scan: ScanOptions = {}): TrainingData {
  return { items: () => store.scanItems(), users: () => store.scanUsers(), interactions: () => store.scanInteractions(scan) };
}

/**
 * One pass over items, users and interactions; models never see more than one batch at a time.
 * `taps` see every batch too (the two-tower stage collects its data from the same pass).
 */
export async function trainBaselines(data: TrainingData, onProgress?: (interactions: number) => void, taps: TrainingTaps = {}): Promise<TrainedBaselines> {
  const popTrainer = new PopularityTrainer();
  const covisTrainer = new CovisitationTrainer();
  let items = 0;
  for await (const batch of data.items()) {
    for (const item of batch) popTrainer.setItemCity(item.id, item.city);
    taps.items?.(batch);
    items += batch.length;
  }
  const homeCountry = new Map<UserId, string>();
  let users = 0;
  for await (const batch of data.users()) {
    for (const u of batch) if (u.homeCountry !== null) homeCountry.set(u.id, u.homeCountry);
    taps.users?.(batch);
    users += batch.length;
  }
  let interactions = 0;
  let maxTs: number | null = null;
  const countryOf = (u: UserId): string | undefined => homeCountry.get(u);
  for await (const batch of data.interactions()) {
    if (batch.length === 0) continue;
    popTrainer.add(batch, countryOf);
    covisTrainer.add(batch);
    taps.interactions?.(batch);
    interactions += batch.length;
    maxTs = Math.max(maxTs ?? -Infinity, (batch[batch.length - 1] as Interaction).ts);
    onProgress?.(interactions);
  }
  const popularity = popTrainer.build();
  const covisitation = covisTrainer.build();
  const notes = [...popularity.notes];
  if (interactions === 0) notes.push('no interactions: the models are empty');
  return {
    popularity, covisitation,
    files: { [STAGE_FILES.popularity]: jsonBytes(popularity.toArtifact()), [STAGE_FILES.covisitation]: jsonBytes(covisitation.toArtifact()) },
    trainedOn: { interactions, users, items, maxTs },
    notes,
  };
}
