import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsArtifactStore } from './fs-artifact-store.ts';

describe('FsArtifactStore', () => {
  const store = new FsArtifactStore(mkdtempSync(path.join(os.tmpdir(), 'wf-art-')));

  it('puts, gets and lists by prefix', async () => {
    await store.put('models/v1/a.json', '{"a":1}');
    await store.put('models/v2/b.bin', new Uint8Array([1, 2, 3]));
    await store.put('other/x', 'x');
    expect(new TextDecoder().decode(await store.get('models/v1/a.json'))).toBe('{"a":1}');
    expect([...(await store.get('models/v2/b.bin')) ?? []]).toEqual([1, 2, 3]);
    expect(await store.list('models/')).toEqual(['models/v1/a.json', 'models/v2/b.bin']);
    expect(await store.get('missing')).toBeUndefined();
  });

  it('refuses keys that escape the root', async () => {
    await expect(store.put('../evil', 'x')).rejects.toThrow(/escapes/);
  });
});
