/**
 * @module features/registry
 * Records feature definitions with versions in an ArtifactStore. A version is the content hash of the
 * validated definitions (canonical JSON, sha-256), so registering the same definitions twice is a no-op.
 * Layout: `features/registry/index.json` (versions, oldest first) and `features/registry/<version>.json`.
 */
import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../ports/artifacts.ts';
import { NotFoundError, RecsysError, ERROR_CODES } from '../errors.ts';
import { defineFeatures, type FeatureDefinitions } from './definitions.ts';

const PREFIX = 'features/registry';
const FORMAT = 'feature-definitions@1';

export interface RegistryEntry {
  /** 16 hex digits of the sha-256 of the canonical definitions. */
  version: string;
  /** UTC ms of the first registration. */
  registeredAt: number;
}

interface StoredDefinitions extends RegistryEntry {
  format: typeof FORMAT;
  definitions: FeatureDefinitions;
}

/** JSON with object keys sorted, so equal definitions hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The version of validated definitions. */
export function definitionsVersion(defs: FeatureDefinitions): string {
  return createHash('sha256').update(canonicalJson(defs)).digest('hex').slice(0, 16);
}

export class FeatureRegistry {
  constructor(private readonly artifacts: ArtifactStore, private readonly clock: () => number = Date.now) {}

  /** Validate and record definitions; `created` is false when this version was already registered. */
  async register(spec: unknown): Promise<RegistryEntry & { created: boolean; definitions: FeatureDefinitions }> {
    const definitions = defineFeatures(spec);
    const version = definitionsVersion(definitions);
    const index = await this.versions();
    const known = index.find((e) => e.version === version);
    if (known !== undefined) return { ...known, created: false, definitions };
    const entry: RegistryEntry = { version, registeredAt: this.clock() };
    const stored: StoredDefinitions = { format: FORMAT, ...entry, definitions };
    // The definitions first, then the index: a reader never finds a version it cannot load.
    await this.artifacts.put(`${PREFIX}/${version}.json`, JSON.stringify(stored, null, 1));
    await this.artifacts.put(`${PREFIX}/index.json`, JSON.stringify([...index, entry], null, 1));
    return { ...entry, created: true, definitions };
  }

  /** Registered versions, oldest first. */
  async versions(): Promise<RegistryEntry[]> {
    const bytes = await this.artifacts.get(`${PREFIX}/index.json`);
    return bytes === undefined ? [] : (JSON.parse(Buffer.from(bytes).toString('utf8')) as RegistryEntry[]);
  }

  /** The definitions of a version (the latest when omitted), validated again on load. */
  async load(version?: string): Promise<RegistryEntry & { definitions: FeatureDefinitions }> {
    const wanted = version ?? (await this.versions()).at(-1)?.version;
    if (wanted === undefined) throw new NotFoundError(`no feature definitions registered in ${this.artifacts.location}`);
    const bytes = await this.artifacts.get(`${PREFIX}/${wanted}.json`);
    if (bytes === undefined) throw new NotFoundError(`feature definitions version '${wanted}' not found in ${this.artifacts.location}`);
    const stored = JSON.parse(Buffer.from(bytes).toString('utf8')) as StoredDefinitions;
    if (stored.format !== FORMAT) {
      throw new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `feature definitions ${wanted}: unknown format '${String(stored.format)}'` });
    }
    const definitions = defineFeatures(stored.definitions);
    if (definitionsVersion(definitions) !== wanted) {
      throw new RecsysError({ code: ERROR_CODES.MODEL_FORMAT, message: `feature definitions ${wanted}: content does not match its hash` });
    }
    return { version: wanted, registeredAt: stored.registeredAt, definitions };
  }
}
