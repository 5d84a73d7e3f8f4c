/**
 * @module pipeline/engine-load
 * Builds a serving Engine: the promoted model version from the registry, plus live state
 * (catalog, blocks, bookings, recent activity, recent impressions) read from the store.
 */
import type { Interaction, Item } from '../domain/types.ts';
import type { CatalogReader, InteractionReader, ScanOptions, Store } from '../ports/store.ts';
import type { FeatureStore } from '../features/feature-store.ts';
import { RANKING_FILES, rankersFromFiles, type Rankers } from '../ranking/rankers.ts';
import { RecsysError, ERROR_CODES } from '../errors.ts';
import { PopularityModel } from '../models/popularity/popularity.ts';
import { CovisitationModel } from '../models/covisitation/covisitation.ts';
import { parseJsonBytes, type ModelManifest, type ModelRegistry } from '../training/registry.ts';
import { STAGE_FILES } from '../training/train-baselines.ts';
import { openTwoTowerSource, readTwoTowerParts } from '../training/train-two-tower.ts';
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
  /** Only events before this (training replays state as of a past time). */
  untilTs?: number;
  /** Only events this accepts (the evaluation's random split). */
  include?: (e: Interaction) => boolean;
  /** A feature store to warm up with the last `warmupDays` of events (its online rows are rebuilt from them). */
  features?: FeatureStore;
  /** Days of events replayed into `features` (default 14: the longest sliding window plus two half-lives of decay). */
  warmupDays?: number;
  /** Called with the catalog once it is read, before any event is applied (feature stores look items up in it). */
  catalogReady?: (catalog: ServingCatalog) => void;
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
      rankers: await loadRankers(registry, manifest),
    },
  };
}

/** The version's rankers, or undefined when it has none. A broken ranking file fails the load: it was promoted. */
async function loadRankers(registry: ModelRegistry, manifest: ModelManifest): Promise<Rankers | undefined> {
  if (manifest.files[RANKING_FILES.header] === undefined) return undefined;
  const text = async (name: string): Promise<string | undefined> => {
    const bytes = await registry.file(manifest, name);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  };
  const header = await text(RANKING_FILES.header);
  const ranker = await text(RANKING_FILES.ranker);
  if (header === undefined || ranker === undefined) throw new RecsysError({ code: ERROR_CODES.MODEL_MISSING, message: `model ${manifest.version} has no ${RANKING_FILES.ranker}` });
  return rankersFromFiles(JSON.parse(header), ranker, await text(RANKING_FILES.reranker));
}

async function loadTwoTower(registry: ModelRegistry, manifest: ModelManifest, opts: Pick<LoadOptions, 'indexes' | 'log'>): Promise<TwoTowerSource | undefined> {
  if (opts.indexes === undefined) return undefined;
  const started = performance.now();
  try {
    // Built-in model files, or imported ONNX towers (`wayfarer model import-towers`).
    const parts = await readTwoTowerParts(registry, manifest);
    if (parts === undefined) return undefined;
    const source = await openTwoTowerSource(parts, opts.indexes);
    opts.log?.(`two-tower${source.towers.kind === 'onnx' ? ' (imported ONNX towers)' : ''} loaded: ${source.index.size.toLocaleString()} items in the ${source.index.isExact ? 'exact' : 'ANN'} index (${(performance.now() - started).toFixed(0)} ms)`);
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
  const scan = (o: ScanOptions): AsyncIterable<Interaction[]> => scanWhere(store, opts.untilTs === undefined ? o : { ...o, toTs: opts.untilTs }, opts.include);
  const stale: Item[] = [];
  const state = await loadCatalogState(store, opts.filters, (items) => { if (twoTower !== undefined) for (const i of staleInIndex(twoTower, items)) stale.push(i); });
  if (stale.length > 0) await twoTower?.upsertItems(stale);
  const { catalog, filters, recent } = state;
  opts.catalogReady?.(catalog);
  if (stale.length > 0) opts.log?.(`two-tower: ${stale.length.toLocaleString()} items added or changed since training embedded from their features`);
  // Bookings are few and matter forever (never recommend what was booked); scan them all.
  for await (const batch of scan({ types: ['booking'] })) filters.onEvents(batch);
  const recentFrom = (maxTs ?? now) - (opts.recentDays ?? 30) * DAY_MS;
  for await (const batch of scan({ fromTs: recentFrom, types: ['click', 'booking', 'rating'] })) {
    for (const e of batch) recent.add(e);
  }
  const windowMs = filters.options.impressionWindowMs;
  for await (const batch of scan({ fromTs: now - windowMs, types: ['impression'] })) filters.onEvents(batch);
  opts.log?.(`state loaded: ${catalog.itemCount} items, ${catalog.userCount} users, ${recent.size} users with recent activity`);
  if (opts.features !== undefined) {
    const t0 = performance.now();
    let n = 0;
    for await (const batch of scan({ fromTs: (maxTs ?? now) - (opts.warmupDays ?? DEFAULT_WARMUP_DAYS) * DAY_MS })) {
      await opts.features.applyEvents(batch);
      n += batch.length;
    }
    opts.log?.(`feature store warmed up with ${n.toLocaleString('en-US')} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return state;
}

/** Days of events the online feature rows are rebuilt from, at load and in the rankers' training. */
export const DEFAULT_WARMUP_DAYS = 14;

/** The store's interactions matching `scan`, keeping only those `include` accepts (all without it). */
export async function* scanWhere(store: InteractionReader, scan: ScanOptions, include?: (e: Interaction) => boolean): AsyncIterable<Interaction[]> {
  for await (const batch of store.scanInteractions(scan)) yield include === undefined ? batch : batch.filter(include);
}

export async function loadEngine(deps: EngineDeps, registry: ModelRegistry, opts: LoadOptions = {}): Promise<Engine> {
  const { manifest, models } = await loadModels(registry, opts);
  const state = await loadState(deps.store, deps.clock(), manifest.trainedOn.maxTs, opts, models.twoTower);
  return new Engine(deps, models, state);
}

/**
 * Items added through the API after training (or switched on or off) are not in the saved index:
 * the items to upsert (embedded if retrievable, removed otherwise). An item whose features changed
 * but stays indexed keeps its trained vector until the next training.
 */
function staleInIndex(twoTower: TwoTowerSource, items: readonly Item[]): Item[] {
  return items.filter((i) => isRetrievable(i) !== twoTower.index.has(i.id));
}
