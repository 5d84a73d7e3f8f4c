/**
 * @module features/registry.test
 * The definitions registry: content-hash versions, idempotent registration, history, integrity on load.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../adapters/filesystem/fs-artifact-store.ts';
import { FeatureRegistry, canonicalJson, definitionsVersion } from './registry.ts';
import { WAYFARER_FEATURES, defaultFeatureDefinitions } from './defaults.ts';
import { tempDir } from './testing.ts';

describe('FeatureRegistry', () => {
  const removers: (() => Promise<void>)[] = [];
  afterEach(async () => { for (const r of removers.splice(0)) await r(); });
  async function open(): Promise<{ registry: FeatureRegistry; artifacts: FsArtifactStore }> {
    const tmp = await tempDir('registry');
    removers.push(tmp.remove);
    const artifacts = new FsArtifactStore(tmp.dir);
    let t = 1000;
    return { registry: new FeatureRegistry(artifacts, () => t++), artifacts };
  }

  it('versions definitions by content, whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const reordered = JSON.parse(JSON.stringify(WAYFARER_FEATURES, Object.keys(WAYFARER_FEATURES).reverse())) as unknown;
    expect(definitionsVersion(defaultFeatureDefinitions())).toMatch(/^[0-9a-f]{16}$/);
    expect(definitionsVersion(defaultFeatureDefinitions())).toBe(definitionsVersion(defaultFeatureDefinitions()));
    expect(reordered).toBeDefined();
  });

  it('registers once per content and keeps the history, latest last', async () => {
    const { registry } = await open();
    const first = await registry.register(WAYFARER_FEATURES);
    expect(first.created).toBe(true);
    expect((await registry.register(structuredClone(WAYFARER_FEATURES))).created).toBe(false);
    const changed = structuredClone(WAYFARER_FEATURES);
    changed.views[0]!.ttlMs = 1234;
    const second = await registry.register(changed);
    expect(second.version).not.toBe(first.version);
    expect((await registry.versions()).map((v) => v.version)).toEqual([first.version, second.version]);
    expect((await registry.load()).definitions.views[0]!.ttlMs).toBe(1234);
    expect((await registry.load(first.version)).definitions).toEqual(defaultFeatureDefinitions());
  });

  it('rejects invalid definitions, unknown versions and tampered content', async () => {
    const { registry, artifacts } = await open();
    await expect(registry.load()).rejects.toThrow(/no feature definitions registered/);
    await expect(registry.register({ entities: [] })).rejects.toThrow(/invalid feature definitions/);
    const { version } = await registry.register(WAYFARER_FEATURES);
    await expect(registry.load('0000000000000000')).rejects.toThrow(/not found/);
    const key = `features/registry/${version}.json`;
    const stored = JSON.parse(Buffer.from((await artifacts.get(key))!).toString('utf8')) as { definitions: { views: { ttlMs: number }[] } };
    stored.definitions.views[0]!.ttlMs = 1;
    await artifacts.put(key, JSON.stringify(stored));
    await expect(registry.load(version)).rejects.toThrow(/does not match its hash/);
  });
});
