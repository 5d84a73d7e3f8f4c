/**
 * @module training/registry
 * The model registry: numbered versions of the trained stages in an ArtifactStore, each with a
 * manifest; one version is promoted (CURRENT) and is what servers load.
 *
 * Layout:  models/v<N>/manifest.json, models/v<N>/<stage files>, models/v<N>/<dir>/<files> (e.g. a
 * saved vector index), models/CURRENT (text: "v<N>").
 */
import { access, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ArtifactStore } from '../ports/artifacts.ts';
import { RecsysError, ERROR_CODES } from '../errors.ts';

export const MANIFEST_FORMAT = 'wayfarer-model@1';

export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  version: string;
  /** ISO time the version was registered. */
  createdAt: string;
  /** Stage name → file name within the version folder. */
  files: Record<string, string>;
  /**
   * Directory stages (e.g. 'two-tower-index', a saved VectorIndex) → the file names inside
   * `models/v<N>/<name>/`. Absent in versions without any.
   */
  dirs?: Record<string, string[]>;
  /** What the models were trained on. */
  trainedOn: { interactions: number; users: number; items: number; maxTs: number | null };
  /** Offline metrics at registration, when evaluated. */
  metrics: Record<string, number>;
  /** Things the trainer could not use (e.g. "no context fields: popularity is global only"). */
  notes: string[];
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface RegistryOptions {
  /**
   * The artifact store's root folder when it is a local folder (FsArtifactStore): directory stages
   * are then opened in place (a vector index is memory-mapped from the version folder, no copy).
   */
  localRoot?: string;
  /** Where directory stages of a non-local store are copied before opening (default: a temp folder). */
  cacheDir?: string;
}

/** Names of stage files and directories: no path separators, no dot-files. */
const STAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export class ModelRegistry {
  constructor(private readonly artifacts: ArtifactStore, private readonly options: RegistryOptions = {}) {}

  /**
   * Store a new version's files, directories and manifest; returns the version id. Does not promote.
   * `dirs` maps a directory stage name to a local folder whose files are copied into the version
   * (a folder's `header.json`, when present, is copied last, as vector-index readers expect).
   */
  async register(
    files: Record<string, Uint8Array | string>, meta: Omit<ModelManifest, 'format' | 'version' | 'createdAt' | 'files' | 'dirs'>,
    now = new Date(), dirs: Record<string, string> = {},
  ): Promise<ModelManifest> {
    const version = `v${(await this.lastNumber()) + 1}`;
    const fileNames: Record<string, string> = {};
    for (const [name, data] of Object.entries(files)) {
      await this.artifacts.put(`models/${version}/${name}`, data);
      fileNames[name] = name;
    }
    const dirFiles: Record<string, string[]> = {};
    for (const [name, from] of Object.entries(dirs)) dirFiles[name] = await this.copyDirIn(from, `models/${version}/${checkName(name)}`);
    const manifest: ModelManifest = {
      format: MANIFEST_FORMAT, version, createdAt: now.toISOString(), files: fileNames,
      ...(Object.keys(dirFiles).length > 0 ? { dirs: dirFiles } : {}), ...meta,
    };
    // The manifest goes last: a version without one is incomplete and is ignored.
    await this.artifacts.put(`models/${version}/manifest.json`, JSON.stringify(manifest, null, 2));
    return manifest;
  }

  async promote(version: string): Promise<void> {
    await this.manifest(version);
    await this.artifacts.put('models/CURRENT', version);
  }

  /** The promoted version's manifest, or undefined when nothing has been promoted. */
  async current(): Promise<ModelManifest | undefined> {
    const cur = await this.artifacts.get('models/CURRENT');
    return cur === undefined ? undefined : this.manifest(dec.decode(cur).trim());
  }

  async manifest(version: string): Promise<ModelManifest> {
    const raw = await this.artifacts.get(`models/${version}/manifest.json`);
    if (raw === undefined) throw new RecsysError({ code: ERROR_CODES.MODEL_MISSING, message: `model version ${version} not found in ${this.artifacts.location}` });
    const m = JSON.parse(dec.decode(raw)) as ModelManifest;
    if (m.format !== MANIFEST_FORMAT) {
      throw new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `model ${version}: unknown manifest format '${String(m.format)}'` });
    }
    return m;
  }

  /** A stage file of a version, or undefined when that version has no such stage. */
  async file(manifest: ModelManifest, stage: string): Promise<Uint8Array | undefined> {
    const name = manifest.files[stage];
    return name === undefined ? undefined : this.artifacts.get(`models/${manifest.version}/${name}`);
  }

  /**
   * A local folder holding a directory stage of a version, or undefined when the version has no
   * such stage. On a local store it is the version folder itself; otherwise the files are copied
   * once into the cache folder (header last).
   */
  async localDir(manifest: ModelManifest, name: string): Promise<string | undefined> {
    const names = manifest.dirs?.[name];
    if (names === undefined) return undefined;
    if (this.options.localRoot !== undefined) return path.join(this.options.localRoot, 'models', manifest.version, checkName(name));
    const dir = path.join(this.options.cacheDir ?? path.join(os.tmpdir(), 'wayfarer-models'), manifest.version, checkName(name));
    if (await exists(path.join(dir, '.complete'))) return dir;
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    for (const file of headerLast(names)) {
      const bytes = await this.artifacts.get(`models/${manifest.version}/${name}/${file}`);
      if (bytes === undefined) throw new RecsysError({ code: ERROR_CODES.MODEL_MISSING, message: `model ${manifest.version}: ${name}/${file} is missing in ${this.artifacts.location}` });
      await writeFile(path.join(dir, file), bytes);
    }
    await writeFile(path.join(dir, '.complete'), '');
    return dir;
  }

  async versions(): Promise<string[]> {
    const keys = await this.artifacts.list('models/');
    return keys.filter((k) => k.endsWith('/manifest.json')).map((k) => k.split('/')[1] as string)
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  }

  /** Copy the regular files of a local folder under `prefix`; returns their names. */
  private async copyDirIn(from: string, prefix: string): Promise<string[]> {
    const entries = await readdir(from, { withFileTypes: true });
    const names = entries.filter((e) => e.isFile() && !e.name.startsWith('.') && !e.name.includes('.tmp-')).map((e) => e.name).sort();
    for (const file of headerLast(names)) await this.artifacts.put(`${prefix}/${file}`, await readFile(path.join(from, file)));
    return names;
  }

  private async lastNumber(): Promise<number> {
    const keys = await this.artifacts.list('models/');
    let max = 0;
    for (const k of keys) {
      const m = /^models\/v(\d+)\//.exec(k);
      if (m !== null) max = Math.max(max, Number(m[1]));
    }
    return max;
  }
}

export const jsonBytes = (value: unknown): Uint8Array => enc.encode(JSON.stringify(value));
export const parseJsonBytes = (bytes: Uint8Array): unknown => JSON.parse(dec.decode(bytes));

function checkName(name: string): string {
  if (!STAGE_NAME.test(name)) throw new RecsysError({ code: ERROR_CODES.INVALID_INPUT, message: `model registry: bad stage directory name '${name}'` });
  return name;
}

/** Files in copy order: `header.json` (the marker of a complete vector index) last. */
function headerLast(names: readonly string[]): string[] {
  return [...names.filter((n) => n !== 'header.json'), ...names.filter((n) => n === 'header.json')];
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
