import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.ts';
import { LetorParser, parseLetor, parseQueryFile, readLetorFile } from './letor.ts';

const SAMPLE = `# a header comment
2 qid:10 1:0.5 3:1.5 # doc a
0 qid:10 2:-1

1 qid:7 1:2 2:NaN 3:0
`;

describe('LETOR / SVMlight reader', () => {
  it('parses labels, qids and sparse values with absent features = 0 and indices as given', () => {
    const ds = parseLetor(SAMPLE);
    expect(ds.numRows).toBe(3);
    expect(ds.numFeatures).toBe(4); // indices 1..3 used as columns 1..3; column 0 stays empty
    expect(Array.from(ds.labels)).toEqual([2, 0, 1]);
    expect(Array.from(ds.groups!)).toEqual([2, 1]);
    expect(Array.from(ds.features.subarray(0, 4))).toEqual([0, 0.5, 0, 1.5]);
    expect(Array.from(ds.features.subarray(4, 8))).toEqual([0, 0, -1, 0]);
    expect(ds.features[9]).toBe(2);
    expect(ds.features[10]).toBeNaN();
  });

  it('reads plain SVMlight lines without qid and 0-based indices', () => {
    const ds = parseLetor('1 0:1 2:3\n0 1:4\n');
    expect(ds.groups).toBeUndefined();
    expect(ds.numFeatures).toBe(3);
    expect(Array.from(ds.features)).toEqual([1, 0, 3, 0, 4, 0]);
  });

  it('fixes the width when numFeatures is given, ignoring higher indices', () => {
    const ds = parseLetor('1 1:1 9:9\n', { numFeatures: 3 });
    expect(ds.numFeatures).toBe(3);
    expect(Array.from(ds.features)).toEqual([0, 1, 0]);
  });

  it('keeps doubles for scoring (LightGBM predicts on doubles) and float32 for training', () => {
    const parser = new LetorParser();
    parser.pushLine('0 1:0.1 2:4.05');
    const rows = parser.finishFloat64();
    expect(Array.from(rows.features)).toEqual([0, 0.1, 4.05]);
    expect(parseLetor('0 1:0.1\n').features[1]).toBe(Math.fround(0.1));
  });

  it('lets a .query file override qid tokens', () => {
    const ds = parseLetor(SAMPLE, {}, parseQueryFile('1\n2\n'));
    expect(Array.from(ds.groups!)).toEqual([1, 2]);
    expect(() => parseLetor(SAMPLE, { source: 'x.txt' }, parseQueryFile('2\n2\n'))).toThrow(/x.txt: query file groups sum to 4 rows, data has 3/);
  });

  it('reports bad lines with their line numbers', () => {
    const bad = (text: string): string => {
      try {
        parseLetor(text, { source: 'f.txt' });
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidInputError);
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(bad('1 1:2\nx 1:2\n')).toBe('f.txt line 2: label "x" is not a number');
    expect(bad('1 1:2\n\n1 abc\n')).toBe('f.txt line 3: token "abc" is not idx:value');
    expect(bad('1 -1:2\n')).toMatch(/line 1: feature index "-1"/);
    expect(bad('1 1:zz\n')).toMatch(/line 1: value "zz" of feature 1 is not a number/);
    expect(bad('1 qid:1 1:1\n1 qid:2 1:1\n1 qid:1 1:1\n')).toMatch(/line 3: qid:1 is not contiguous/);
    expect(bad('1 qid:1 1:1\n1 1:1\n')).toMatch(/line 2: row has no qid/);
    expect(bad('1 1:1 qid:1\n')).toMatch(/line 1: misplaced or empty "qid:1"/);
    expect(() => parseQueryFile('3\n0\n', 'q.query')).toThrow('q.query line 2: "0" is not a positive group size');
  });

  it('streams files from disk with and without a .query side file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gbdt-letor-'));
    const data = join(dir, 'train.txt');
    writeFileSync(data, SAMPLE);
    writeFileSync(`${data}.query`, '3\n');
    const plain = await readLetorFile(data);
    expect(Array.from(plain.groups!)).toEqual([2, 1]);
    const withQuery = await readLetorFile(data, { queryFile: `${data}.query` });
    expect(Array.from(withQuery.groups!)).toEqual([3]);
    await expect(readLetorFile(join(dir, 'missing.txt'))).rejects.toThrow();
  });
});
