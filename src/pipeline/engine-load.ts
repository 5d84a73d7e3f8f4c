/**
 * @module pipeline/engine-load
 * Builds a serving Engine: the promoted model version from the registry, plus live state
 * (catalog, blocks, bookings, recent activity, recent impressions) read from the store.
 */
import type { Item } from '../domain/types.ts';
import type { CatalogReader, Store } from '../ports/store.ts';
import { RecsysError, ERROR_CODES } from '../errors.ts';
import { PopularityModel } from '../models/popularity/popularity.ts';
import { CovisitationModel } from '../models/covisitation/covisitation.ts';
import { parseJsonBytes, type ModelManifest, type ModelRegistry } from '../training/registry.ts';
import { STAGE_FILES } from '../training/train-baselines.ts';
import { TWO_TOWER_FILES, openTwoTowerSource } from '../training/train-two-tower.ts';
import { FilterState, type FilterStateOptions } from './filter/filter-state.ts';
import { RecentActivity } from './recent-activity.ts';
import { ServingCatalog } from './catalog.ts';
import { Engine, type EngineDeps, type EngineModels, type EngineState } from './engine.ts';
import type { TwoTowerSource, VectorIndexFactory } from './two-tower-source.ts';
import { isRetrievable } from './two-tower-source.ts';

const DAY_MS = 86_400_000;

export interface LoadOptions {
  /** Days of interest events (before the newest trained event) replayed into recent activity. */
  recentDays?: number;
  filters?: Partial<FilterStateOptions>;
  /** Progress notes while loading. */
  log?: (line: string) => void;
  /** Opens the two-tower's saved index; without it the two-tower is not loaded. */
  indexes?: VectorIndexFactory;
}

/**
 * Load the promoted models; throws REC_ERR_MODEL_MISSING when nothing is promoted yet. The
 * two-tower (when the version has one and `opts.indexes` is given) opens its saved index without
 * rebuilding; if it cannot be loaded the engine serves without it, and says so in the log.
 */
export async function loadModels(registry: ModelRegistry, opts: Pick<LoadOptions, 'indexes' | 'log'> = {}): Promise<{ manifest: ModelManifest; models: EngineModels }> {
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
      twoTower: await loadTwoTower(registry, manifest, opts),
    },
  };
}

async function loadTwoTower(registry: ModelRegistry, manifest: ModelManifest, opts: Pick<LoadOptions, 'indexes' | 'log'>): Promise<TwoTowerSource | undefined> {
  if (manifest.files[TWO_TOWER_FILES.model] === undefined || opts.indexes === undefined) return undefined;
  const started = performance.now();
  try {
    const file = async (name: string): Promise<Uint8Array> => {
      const bytes = await registry.file(manifest, name);
      if (bytes === undefined) throw new RecsysError({ code: ERROR_CODES.MODEL_MISSING, message: `model ${manifest.version} has no ${name}` });
      return bytes;
    };
    const indexDir = await registry.localDir(manifest, TWO_TOWER_FILES.indexDir);
    if (indexDir === undefined) throw new RecsysError({ code: ERROR_CODES.MODEL_MISSING, message: `model ${manifest.version} has no ${TWO_TOWER_FILES.indexDir}` });
    const source = await openTwoTowerSource({
      model: await file(TWO_TOWER_FILES.model), weights: await file(TWO_TOWER_FILES.weights),
      vectorsHeader: await file(TWO_TOWER_FILES.vectorsHeader), vectors: await file(TWO_TOWER_FILES.vectors), indexDir,
    }, opts.indexes);
    opts.log?.(`two-tower loaded: ${source.index.size.toLocaleString()} items in the ${source.index.isExact ? 'exact' : 'ANN'} index (${(performance.now() - started).toFixed(0)} ms)`);
    return source;
  } catch (err) {
    // Degrade, do not fail: co-visitation and popularity still serve.
    opts.log?.(`two-tower NOT loaded, serving without it: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/** Read the live state the filters and the candidate sources need from the store. */
/**
 * The catalog part of the live state: items (statuses into the filters), users and blocks, with no
 * events applied yet. `onItems` sees each batch of items as it is read.
 */
export async function loadCatalogState(store: CatalogReader, filterOptions?: Partial<FilterStateOptions>, onItems?: (items: readonly Item[]) => void): Promise<EngineState> {
  const catalog = new ServingCatalog();
  const filters = new FilterState(filterOptions);
  for await (const items of store.scanItems()) {
    catalog.addItems(items);
    filters.loadItems(items);
    onItems?.(items);
  }
  for await (const users of store.scanUsers()) catalog.addUsers(users);
  filters.loadBlocks(await store.listBlocks());
  return { catalog, filters, recent: new RecentActivity() };
}

export async function loadState(store: Store, now: number, maxTs: number | null, opts: LoadOptions = {}, twoTower?: TwoTowerSource): Promise<EngineState> {
  let reconciled = 0;
  const state = await loadCatalogState(store, opts.filters, (items) => { if (twoTower !== undefined) reconciled += reconcileIndex(twoTower, items); });
  const { catalog, filters, recent } = state;
  if (reconciled > 0) opts.log?.(`two-tower: ${reconciled.toLocaleString()} items added or changed since training embedded from their features`);
  // Bookings are few and matter forever (never recommend what was booked); scan them all.
  for await (const batch of store.scanInteractions({ types: ['booking'] })) filters.onEvents(batch);
  const recentFrom = (maxTs ?? now) - (opts.recentDays ?? 30) * DAY_MS;
  for await (const batch of store.scanInteractions({ fromTs: recentFrom, types: ['click', 'booking', 'rating'] })) {
    for (const e of batch) recent.add(e);
  }
  const windowMs = filters.options.impressionWindowMs;
  for await (const batch of store.scanInteractions({ fromTs: now - windowMs, types: ['impression'] })) filters.onEvents(batch);
  opts.log?.(`state loaded: ${catalog.itemCount} items, ${catalog.userCount} users, ${recent.size} users with recent activity`);
  return state;
}

export async function loadEngine(deps: EngineDeps, registry: ModelRegistry, opts: LoadOptions = {}): Promise<Engine> {
  const { manifest, models } = await loadModels(registry, opts);
  const state = await loadState(deps.store, deps.clock(), manifest.trainedOn.maxTs, opts, models.twoTower);
  return new Engine(deps, models, state);
}

/**
 * Items added through the API after training (or switched on or off) are not in the saved index:
 * embed and upsert the retrievable ones, remove the others. Returns how many changed. An item whose
 * features changed but stays indexed keeps its trained vector until the next training.
 */
function reconcileIndex(twoTower: TwoTowerSource, items: readonly Item[]): number {
  const changed = items.filter((i) => isRetrievable(i) !== twoTower.index.has(i.id));
  if (changed.length > 0) twoTower.upsertItems(changed);
  return changed.length;
}
