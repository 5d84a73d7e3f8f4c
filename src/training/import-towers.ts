/**
 * @module training/import-towers
 * Bring-your-own two-tower: registers a new model version whose two-tower is a team's ONNX user and
 * item towers. Every other stage of the promoted version is carried over; the towers are checked
 * against the input contract, every retrievable catalog item is embedded by the item tower and
 * indexed. Nothing is written to the registry unless every check passes.
 */
import { rm } from 'node:fs/promises';
import type { ItemId } from '../domain/types.ts';
import { ERROR_CODES, InvalidInputError, RecsysError } from '../errors.ts';
import {
  encoderOfVocab, loadOnnxTowers, onnxContractError, parseTowerVocab, towerVocabJson, type OnnxTowers, type TowerVocabFile,
} from '../models/two-tower/index.ts';
import { ItemVectors } from '../pipeline/item-vectors.ts';
import { isRetrievable, type VectorIndexFactory } from '../pipeline/two-tower-source.ts';
import type { CatalogReader } from '../ports/store.ts';
import type { ModelManifest, ModelRegistry } from './registry.ts';
import { ONNX_TOWER_FILES, TWO_TOWER_FILES, TWO_TOWER_NAMES, buildSavedIndex } from './train-two-tower.ts';

/** What a team brings. */
export interface TowerImport {
  /** ONNX bytes of the user tower (contract two-tower-user@1). */
  userModel: Uint8Array;
  /** ONNX bytes of the item tower (contract two-tower-item@1). */
  itemModel: Uint8Array;
  /** Text of the vocabulary file (models/two-tower/vocab-file.ts: two-tower-vocab@1, a bare vocabularies object or a two-tower.json). */
  vocab: string;
  /** Where the three came from (file names), for the version's notes. */
  origin?: { user: string; item: string; vocab: string };
}

export interface ImportTowersOptions {
  /** Promote the new version (default false: registered only). */
  promote?: boolean;
  /** Items per item-tower run (default 8,192). */
  embedBatch?: number;
  /** Running count of items embedded. */
  onProgress?: (items: number) => void;
  log?: (line: string) => void;
  now?: Date;
}

export interface ImportTowersResult {
  manifest: ModelManifest;
  /** The promoted version the new one was built on. */
  base: string;
  /** Items embedded and indexed. */
  items: number;
  dim: number;
  promoted: boolean;
}

/** Largest |‖v‖ − 1| accepted: the contract asks for L2-normalised outputs (scores are dot products). */
const NORM_TOLERANCE = 1e-3;

const elapsed = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

/**
 * Validate the towers, embed and index the catalog, register the version (and promote it when
 * asked). Throws REC_ERR_MODEL_MISSING when nothing is promoted yet, InvalidInputError for a bad
 * vocabulary file or an empty catalog, REC_ERR_MODEL_FORMAT naming the contract violation.
 */
export async function importTowers(
  catalog: CatalogReader, registry: ModelRegistry, indexes: VectorIndexFactory, input: TowerImport, o: ImportTowersOptions = {},
): Promise<ImportTowersResult> {
  const log = o.log ?? (() => undefined);
  const base = await registry.current();
  if (base === undefined) {
    throw new RecsysError({ code: ERROR_CODES.MODEL_MISSING, message: 'import-towers builds on the promoted model version (popularity, co-visitation): run `wayfarer train` first' });
  }
  const vocab = parseTowerVocab(input.vocab);
  const towers = await loadOnnxTowers(input.userModel, input.itemModel, encoderOfVocab(vocab));
  let embedded: { ids: ItemId[]; vectors: Float32Array };
  try {
    log(`import-towers: the towers follow the contract (D = ${towers.dim}, R = ${vocab.recentItems}); building on ${base.version}`);
    await checkUserTower(towers, vocab);
    embedded = await embedCatalog(catalog, towers, o.embedBatch ?? 8192, log, o.onProgress);
  } finally {
    await towers.close();
  }
  let t0 = performance.now();
  const { index, indexDir } = await buildSavedIndex(embedded.ids, embedded.vectors, towers.dim, indexes);
  try {
    log(`import-towers: ${index.isExact ? 'exact' : 'ANN'} index of ${index.size.toLocaleString('en-US')} items built in ${elapsed(t0)}`);
    t0 = performance.now();
    const carried = await carryOver(registry, base);
    const table = ItemVectors.of(embedded.ids, embedded.vectors, towers.dim).toFiles();
    const files = {
      ...carried.files,
      [ONNX_TOWER_FILES.user]: input.userModel, [ONNX_TOWER_FILES.item]: input.itemModel, [ONNX_TOWER_FILES.vocab]: towerVocabJson(vocab),
      [TWO_TOWER_FILES.vectorsHeader]: table.header, [TWO_TOWER_FILES.vectors]: table.vectors,
    };
    const manifest = await registry.register(files, versionMeta(base, input, vocab, towers.dim, embedded.ids.length), o.now ?? new Date(), { ...carried.dirs, [TWO_TOWER_FILES.indexDir]: indexDir });
    log(`import-towers: registered ${manifest.version} in ${elapsed(t0)} (${Object.keys(carried.files).length + Object.keys(carried.dirs).length} stages carried over from ${base.version})`);
    if (o.promote === true) await registry.promote(manifest.version);
    return { manifest, base: base.version, items: embedded.ids.length, dim: towers.dim, promoted: o.promote === true };
  } finally {
    index.close();
    await rm(indexDir, { recursive: true, force: true });
  }
}

/** The user tower on a realistic query (a known user, recent items, a destination and dates) must give a unit vector. */
async function checkUserTower(towers: OnnxTowers, vocab: TowerVocabFile): Promise<void> {
  const v = vocab.vocabularies;
  const u = await towers.userEmbedding({
    userId: v.users[0] ?? null, recentItems: v.items.slice(0, vocab.recentItems), homeCountry: v.countries[0] ?? null, device: v.devices[0] ?? null,
    context: { destination: v.cities[0] ?? null, checkin: '2026-07-01', checkout: '2026-07-05' },
  });
  const problem = unitRowProblem(u, 0, towers.dim);
  if (problem !== null) throw onnxContractError(`user tower output ${problem} for a known user with history`);
}

/** Why row `r` breaks the contract (not finite, not unit length), or null. */
function unitRowProblem(x: Float32Array, r: number, dim: number): string | null {
  let ss = 0;
  for (let j = r * dim; j < (r + 1) * dim; j++) {
    const a = x[j] as number;
    if (!Number.isFinite(a)) return `has a non-finite value (${a})`;
    ss += a * a;
  }
  const norm = Math.sqrt(ss);
  return Math.abs(norm - 1) > NORM_TOLERANCE ? `is not L2-normalised (norm ${norm.toPrecision(4)}; the contract requires unit vectors, scores are dot products)` : null;
}

/** Every retrievable item of the catalog through the item tower, in batches; each row checked. */
async function embedCatalog(
  catalog: CatalogReader, towers: OnnxTowers, batch: number, log: (line: string) => void, onProgress?: (items: number) => void,
): Promise<{ ids: ItemId[]; vectors: Float32Array }> {
  const t0 = performance.now();
  const ids: ItemId[] = [];
  const chunks: Float32Array[] = [];
  for await (const page of catalog.scanItems()) {
    const items = page.filter(isRetrievable);
    for (let from = 0; from < items.length; from += batch) {
      const slice = items.slice(from, from + batch);
      const emb = await towers.itemEmbeddings(slice);
      slice.forEach((it, i) => {
        const problem = unitRowProblem(emb, i, towers.dim);
        if (problem !== null) throw onnxContractError(`item tower output for item '${it.id}' ${problem}`);
        ids.push(it.id);
      });
      chunks.push(emb);
      onProgress?.(ids.length);
    }
  }
  if (ids.length === 0) throw new InvalidInputError('import-towers: the store has no retrievable items (active, not a city or destination) to embed: import a catalog first');
  const vectors = new Float32Array(ids.length * towers.dim);
  let at = 0;
  for (const c of chunks) { vectors.set(c, at); at += c.length; }
  log(`import-towers: embedded ${ids.length.toLocaleString('en-US')} items with the imported item tower in ${elapsed(t0)}`);
  return { ids, vectors };
}

/** The promoted version's files and folders except its two-tower ones (built-in or imported). */
async function carryOver(registry: ModelRegistry, base: ModelManifest): Promise<{ files: Record<string, Uint8Array>; dirs: Record<string, string> }> {
  const files: Record<string, Uint8Array> = {};
  for (const stage of Object.keys(base.files)) {
    if (TWO_TOWER_NAMES.has(stage)) continue;
    const bytes = await registry.file(base, stage);
    if (bytes === undefined) throw new RecsysError({ code: ERROR_CODES.MODEL_MISSING, message: `model ${base.version}: ${stage} is listed but missing` });
    files[stage] = bytes;
  }
  const dirs: Record<string, string> = {};
  for (const name of Object.keys(base.dirs ?? {})) {
    if (TWO_TOWER_NAMES.has(name)) continue;
    const dir = await registry.localDir(base, name);
    if (dir !== undefined) dirs[name] = dir;
  }
  return { files, dirs };
}

function versionMeta(base: ModelManifest, input: TowerImport, vocab: TowerVocabFile, dim: number, items: number): Pick<ModelManifest, 'trainedOn' | 'metrics' | 'notes'> {
  const metrics = Object.fromEntries(Object.entries(base.metrics).filter(([k]) => !k.startsWith('two_tower_')));
  const from = input.origin === undefined ? '' : ` (${input.origin.user}, ${input.origin.item}, vocabulary ${input.origin.vocab})`;
  return {
    trainedOn: base.trainedOn,
    metrics: { ...metrics, two_tower_imported_items: items, two_tower_dim: dim },
    notes: [
      ...base.notes.filter((n) => !n.startsWith('two-tower')),
      `two-tower: imported ONNX towers${from}, D = ${dim}, R = ${vocab.recentItems}; ${items.toLocaleString('en-US')} items embedded by the imported item tower; other stages carried over from ${base.version}`,
    ],
  };
}
