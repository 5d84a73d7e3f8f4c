import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../adapters/filesystem/fs-artifact-store.ts';
import { ModelRegistry, jsonBytes, parseJsonBytes } from './registry.ts';

describe('ModelRegistry', () => {
  it('registers numbered versions, promotes one, and loads its files', async () => {
    const reg = new ModelRegistry(new FsArtifactStore(mkdtempSync(path.join(os.tmpdir(), 'wf-reg-'))));
    expect(await reg.current()).toBeUndefined();
    const meta = { trainedOn: { interactions: 10, users: 2, items: 3, maxTs: 5 }, metrics: {}, notes: [] };
    const v1 = await reg.register({ 'popularity.json': jsonBytes({ a: 1 }) }, meta);
    const v2 = await reg.register({ 'popularity.json': jsonBytes({ a: 2 }) }, meta);
    expect([v1.version, v2.version]).toEqual(['v1', 'v2']);
    expect(await reg.current()).toBeUndefined();
    await reg.promote('v1');
    const cur = await reg.current();
    expect(cur?.version).toBe('v1');
    expect(parseJsonBytes((await reg.file(cur!, 'popularity.json'))!)).toEqual({ a: 1 });
    expect(await reg.file(cur!, 'missing')).toBeUndefined();
    expect(await reg.versions()).toEqual(['v1', 'v2']);
    await expect(reg.promote('v9')).rejects.toThrow(/v9 not found/);
  });

  it('stores a directory stage with the version and opens it in place or from a copy', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'wf-reg-'));
    const src = mkdtempSync(path.join(os.tmpdir(), 'wf-reg-src-'));
    writeFileSync(path.join(src, 'header.json'), '{"format":"ann@1"}');
    writeFileSync(path.join(src, 'ids.json'), '["a"]');
    mkdirSync(path.join(src, 'ignored-subdir'));
    const meta = { trainedOn: { interactions: 1, users: 1, items: 1, maxTs: 1 }, metrics: {}, notes: [] };
    const local = new ModelRegistry(new FsArtifactStore(root), { localRoot: root });
    const v1 = await local.register({ 'popularity.json': '{}' }, meta, new Date(), { 'two-tower-index': src });
    expect(v1.dirs).toEqual({ 'two-tower-index': ['header.json', 'ids.json'] });
    const inPlace = await local.localDir(v1, 'two-tower-index');
    expect(inPlace).toBe(path.join(root, 'models', 'v1', 'two-tower-index'));
    expect(readFileSync(path.join(inPlace!, 'ids.json'), 'utf8')).toBe('["a"]');
    expect(await local.localDir(v1, 'nope')).toBeUndefined();
    // A store without a local root: the files are copied into the cache folder once.
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'wf-reg-cache-'));
    const remote = new ModelRegistry(new FsArtifactStore(root), { cacheDir });
    const copied = await remote.localDir((await remote.manifest('v1')), 'two-tower-index');
    expect(copied).toBe(path.join(cacheDir, 'v1', 'two-tower-index'));
    expect(readdirSync(copied!).sort()).toEqual(['.complete', 'header.json', 'ids.json']);
    expect(await remote.localDir(v1, 'two-tower-index')).toBe(copied);
    await expect(local.register({}, meta, new Date(), { '../escape': src })).rejects.toThrow(/bad stage directory name/);
  });
});
