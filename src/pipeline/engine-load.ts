/**
 * @module pipeline/engine-load
 * Builds a serving Engine: the promoted model version from the registry, plus live state
 * (catalog, blocks, bookings, recent activity, recent impressions) read from the store.
 */
import type { Store } from '../ports/store.ts';
import { RecsysError, ERROR_CODES } from '../errors.ts';
import { PopularityModel } from '../models/popularity/popularity.ts';
import { CovisitationModel } from '../models/covisitation/covisitation.ts';
import type { ModelRegistry} from '../training/registry.ts';
import { parseJsonBytes, type ModelManifest } from '../training/registry.ts';
import { STAGE_FILES } from '../training/train-baselines.ts';
import { FilterState, type FilterStateOptions } from './filter/filter-state.ts';
import { RecentActivity } from './recent-activity.ts';
import { ServingCatalog } from './catalog.ts';
import { Engine, type EngineDeps, type EngineModels, type EngineState } from './engine.ts';

const DAY_MS = 86_400_000;

export interface LoadOptions {
  /** Days of interest events (before the newest trained event) replayed into recent activity. */
  recentDays?: number;
  filters?: Partial<FilterStateOptions>;
  /** Progress notes while loading. */
  log?: (line: string) => void;
}

/** Load the promoted models; throws REC_ERR_MODEL_MISSING when nothing is promoted yet. */
export async function loadModels(registry: ModelRegistry): Promise<{ manifest: ModelManifest; models: EngineModels }> {
  const manifest = await registry.current();
  if (manifest === undefined) {
    throw new RecsysError({ code: ERROR_CODES.MODEL_MISSING, message: 'no promoted model version: run `wayfarer train` (or `wayfarer start`, which trains when needed)' });
  }
  const read = async (name: string): Promise<unknown> => {
    const bytes = await registry.file(manifest, name);
    if (bytes === undefined) throw new RecsysError({ code: ERROR_CODES.MODEL_MISSING, message: `model ${manifest.version} has no ${name}` });
    return parseJsonBytes(bytes);
  };
  return {
    manifest,
    models: {
      version: manifest.version,
      popularity: PopularityModel.fromArtifact(await read(STAGE_FILES.popularity)),
      covisitation: CovisitationModel.fromArtifact(await read(STAGE_FILES.covisitation)),
    },
  };
}

/** Read the live state the filters and the candidate sources need from the store. */
export async function loadState(store: Store, now: number, maxTs: number | null, opts: LoadOptions = {}): Promise<EngineState> {
  const catalog = new ServingCatalog();
  const filters = new FilterState(opts.filters);
  const recent = new RecentActivity();
  for await (const items of store.scanItems()) { catalog.addItems(items); filters.loadItems(items); }
  for await (const users of store.scanUsers()) catalog.addUsers(users);
  filters.loadBlocks(await store.listBlocks());
  // Bookings are few and matter forever (never recommend what was booked); scan them all.
  for await (const batch of store.scanInteractions({ types: ['booking'] })) filters.onEvents(batch);
  const recentFrom = (maxTs ?? now) - (opts.recentDays ?? 30) * DAY_MS;
  for await (const batch of store.scanInteractions({ fromTs: recentFrom, types: ['click', 'booking', 'rating'] })) {
    for (const e of batch) recent.add(e);
  }
  const windowMs = filters.options.impressionWindowMs;
  for await (const batch of store.scanInteractions({ fromTs: now - windowMs, types: ['impression'] })) filters.onEvents(batch);
  opts.log?.(`state loaded: ${catalog.itemCount} items, ${catalog.userCount} users, ${recent.size} users with recent activity`);
  return { catalog, filters, recent };
}

export async function loadEngine(deps: EngineDeps, registry: ModelRegistry, opts: LoadOptions = {}): Promise<Engine> {
  const { manifest, models } = await loadModels(registry);
  const state = await loadState(deps.store, deps.clock(), manifest.trainedOn.maxTs, opts);
  return new Engine(deps, models, state);
}
