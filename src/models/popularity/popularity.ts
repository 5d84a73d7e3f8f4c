/**
 * @module models/popularity/popularity
 * Popularity by context with exponential time decay: the batch trainer, plus the public surface
 * of the model (query with back-off, online update, 'popularity@1' artifact).
 */
import type { Interaction, ItemId, UserId } from '../../domain/types.ts';
import type { PopularityOptions } from './context.ts';
import { resolvePopularityOptions } from './context.ts';
import { PopularityModel } from './popularity-model.ts';
import { PopularityState } from './state.ts';

export { PopularityModel } from './popularity-model.ts';
export type { PopularityQuery } from './popularity-model.ts';
export type { PopularityArtifact, PopularityContextArtifact } from './artifact.ts';
export { POPULARITY_FORMAT } from './artifact.ts';
export type { PopularityConfig, PopularityOptions, Season } from './context.ts';
export { DEFAULT_POPULARITY_CONFIG, SEASONS, eventSeason, eventWeight, resolvePopularityOptions, seasonOf } from './context.ts';

/**
 * Accumulates batches of interactions (in any order, ideally by ts as the store yields them)
 * into decayed per-context counts. Call `setItemCity` for the catalog before adding events.
 * `build` hands the tables over to the model: the trainer cannot be used afterwards.
 */
export class PopularityTrainer {
  private state: PopularityState | null;

  constructor(options: PopularityOptions = {}) {
    this.state = new PopularityState(resolvePopularityOptions(options));
  }

  private live(): PopularityState {
    if (this.state === null) throw new Error('PopularityTrainer: already built; create a new trainer');
    return this.state;
  }

  /** Weighted events counted so far. */
  get events(): number {
    return this.live().events;
  }

  /** Record an item's catalog city: its events then also count for `destination=<city>`. */
  setItemCity(itemId: ItemId, city: string | null): void {
    this.live().setItemCity(itemId, city);
  }

  /**
   * Count a batch. `homeCountryOf` supplies a user's home country (e.g. from the user catalog)
   * for events whose context has no `home_country`.
   */
  add(batch: readonly Interaction[], homeCountryOf?: (userId: UserId) => string | null | undefined): void {
    const s = this.live();
    for (const e of batch) s.add(e, homeCountryOf?.(e.userId));
  }

  /** Rank every context and return the model. `now` (UTC ms) defaults to the largest ts seen. */
  build(now?: number): PopularityModel {
    const s = this.live();
    this.state = null;
    s.rankAll();
    const at = now ?? (Number.isFinite(s.maxTs) ? s.maxTs : 0);
    return new PopularityModel(s, at, notesFor(s));
  }
}

/** One note per context family that the data never provided. */
function notesFor(s: PopularityState): string[] {
  const notes: string[] = [];
  if (s.events === 0) notes.push('popularity: no weighted events; every query returns nothing');
  if (!s.seen.country) notes.push('popularity: no home country in the data (context.home_country or caller): contexts country and country×season unavailable');
  if (!s.seen.destination) notes.push('popularity: no destination in the data (context.destination or item city): destination contexts unavailable');
  return notes;
}
