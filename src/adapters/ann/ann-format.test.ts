import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../errors.ts';
import type { AnnHeader } from './ann-format.ts';
import { readHeader, readIds, writeIds, writeIndexDir } from './ann-format.ts';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'wayfarer-ann-format-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const header: AnnHeader = { format: 'ann@1', library: 'usearch', dim: 4, metric: 'ip', size: 2, params: { connectivity: 16 } };

describe('ann@1 directory', () => {
  it('writes files then the header, leaving no temporary files', async () => {
    const dir = tmp();
    await writeIndexDir(dir, header, [{ name: 'ids.json', write: (t) => writeIds(t, ['a', undefined, 'b']) }]);
    expect(readdirSync(dir).sort()).toEqual(['header.json', 'ids.json']);
    expect(await readHeader(dir, 'usearch')).toEqual(header);
    expect(await readIds(dir)).toEqual(['a', undefined, 'b']);
  });

  it('a failed write reports REC_ERR_MODEL_FORMAT, cleans up and leaves no header', async () => {
    const dir = tmp();
    const failing = writeIndexDir(dir, header, [
      { name: 'ids.json', write: (t) => writeIds(t, ['a']) },
      { name: 'index.bin', write: () => { throw new Error('disk full'); } },
    ]);
    await expect(failing).rejects.toMatchObject({ code: ERROR_CODES.MODEL_FORMAT, cause: expect.objectContaining({ message: 'disk full' }) as unknown });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('readHeader names what is wrong', async () => {
    const dir = tmp();
    const file = path.join(dir, 'header.json');
    await expect(readHeader(dir, 'usearch')).rejects.toMatchObject({ code: ERROR_CODES.MODEL_MISSING });
    writeFileSync(file, '{not json');
    await expect(readHeader(dir, 'usearch')).rejects.toThrow('header.json is not JSON');
    writeFileSync(file, JSON.stringify({ ...header, format: 'ann@0' }));
    await expect(readHeader(dir, 'usearch')).rejects.toThrow("expected format 'ann@1', got 'ann@0'");
    writeFileSync(file, JSON.stringify(header));
    await expect(readHeader(dir, 'hnswlib')).rejects.toThrow("written by 'usearch', cannot be opened as 'hnswlib'");
    writeFileSync(file, JSON.stringify({ ...header, dim: -1 }));
    await expect(readHeader(dir, 'usearch')).rejects.toThrow('bad dim -1');
    writeFileSync(file, JSON.stringify({ ...header, metric: 'l2' }));
    await expect(readHeader(dir, 'usearch')).rejects.toMatchObject({ code: ERROR_CODES.MODEL_FORMAT, message: expect.stringContaining("unsupported metric 'l2'") as unknown });
  });

  it('readIds rejects non-string ids', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'ids.json'), JSON.stringify(['a', 7]));
    await expect(readIds(dir)).rejects.toThrow('key 1 maps to a non-string id');
  });
});
