/**
 * @module training/registry
 * The model registry: numbered versions of the trained stages in an ArtifactStore, each with a
 * manifest; one version is promoted (CURRENT) and is what servers load.
 *
 * Layout:  models/v<N>/manifest.json, models/v<N>/<stage files>, models/CURRENT (text: "v<N>").
 */
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
  /** What the models were trained on. */
  trainedOn: { interactions: number; users: number; items: number; maxTs: number | null };
  /** Offline metrics at registration, when evaluated. */
  metrics: Record<string, number>;
  /** Things the trainer could not use (e.g. "no context fields: popularity is global only"). */
  notes: string[];
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class ModelRegistry {
  constructor(private readonly artifacts: ArtifactStore) {}

  /** Store a new version's files and manifest; returns the version id. Does not promote. */
  async register(files: Record<string, Uint8Array | string>, meta: Omit<ModelManifest, 'format' | 'version' | 'createdAt' | 'files'>, now = new Date()): Promise<ModelManifest> {
    const version = `v${(await this.lastNumber()) + 1}`;
    const fileNames: Record<string, string> = {};
    for (const [name, data] of Object.entries(files)) {
      await this.artifacts.put(`models/${version}/${name}`, data);
      fileNames[name] = name;
    }
    const manifest: ModelManifest = { format: MANIFEST_FORMAT, version, createdAt: now.toISOString(), files: fileNames, ...meta };
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

  async versions(): Promise<string[]> {
    const keys = await this.artifacts.list('models/');
    return keys.filter((k) => k.endsWith('/manifest.json')).map((k) => k.split('/')[1] as string)
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
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
