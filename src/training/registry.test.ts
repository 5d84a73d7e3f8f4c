import { mkdtempSync } from 'node:fs';
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
});
