/**
 * @module data/csv.test
 * The delimited reader on tricky inputs: quotes, quoted newlines, CRLF, BOM, chunk boundaries, bad quotes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DelimitedParser, parseDelimitedText, readDelimited, readDelimitedBatches, readHeader } from './csv.ts';
import type { DelimitedRecord, Delimiter } from './csv.ts';

const simple = (recs: DelimitedRecord[]) => recs.map((r) => ({ line: r.line, fields: r.fields }));

/** Feed `text` cut at every position (two chunks) and assert the same result as a single push. */
function expectChunkInvariant(text: string, d: Delimiter = ','): void {
  const whole = parseDelimitedText(text, d);
  for (let cut = 0; cut <= text.length; cut++) {
    const p = new DelimitedParser(d);
    const got = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut)), ...p.end()];
    expect(got, `cut at ${cut}`).toEqual(whole);
  }
}

describe('DelimitedParser', () => {
  it('splits plain LF and CRLF lines and ignores the trailing newline', () => {
    expect(simple(parseDelimitedText('a,b\n1,2\n', ','))).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ]);
    expect(simple(parseDelimitedText('a,b\r\n1,2\r\n3,4', ','))).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
    ]);
  });

  it('keeps empty fields, skips blank lines but counts them', () => {
    expect(simple(parseDelimitedText('a,,c\n\n\r\n,x,\n', ','))).toEqual([
      { line: 1, fields: ['a', '', 'c'] },
      { line: 4, fields: ['', 'x', ''] },
    ]);
  });

  it('strips a UTF-8 BOM', () => {
    expect(parseDelimitedText('\ufeffid,name\n1,é', ',')[0]?.fields).toEqual(['id', 'name']);
  });

  it('handles RFC 4180 quotes: delimiters, doubled quotes, quoted newlines and line numbers', () => {
    const text = 'id,text\n1,"a,b"\n2,"say ""hi"""\n3,"multi\nline\r\nvalue"\n4,""\n5,end\n';
    const recs = parseDelimitedText(text, ',');
    expect(simple(recs)).toEqual([
      { line: 1, fields: ['id', 'text'] },
      { line: 2, fields: ['1', 'a,b'] },
      { line: 3, fields: ['2', 'say "hi"'] },
      { line: 4, fields: ['3', 'multi\nline\r\nvalue'] },
      { line: 7, fields: ['4', ''] },
      { line: 8, fields: ['5', 'end'] },
    ]);
    expect(recs[3]?.raw).toBe('3,"multi\nline\r\nvalue"');
  });

  it('is lenient with stray quotes inside unquoted fields and text after a closing quote', () => {
    expect(parseDelimitedText('ab"c,d\n"x"y,z\n', ',').map((r) => r.fields)).toEqual([
      ['ab"c', 'd'],
      ['xy', 'z'],
    ]);
  });

  it('quoted last field followed by CRLF', () => {
    expect(parseDelimitedText('1,"a"\r\n2,"b"\r\n', ',').map((r) => r.fields)).toEqual([['1', 'a'], ['2', 'b']]);
  });

  it('supports tab, semicolon and pipe delimiters', () => {
    expect(parseDelimitedText('1\t2\t"3\t4"\n', '\t')[0]?.fields).toEqual(['1', '2', '3\t4']);
    expect(parseDelimitedText('1;2,5\n', ';')[0]?.fields).toEqual(['1', '2,5']);
    expect(parseDelimitedText('1|2\n', '|')[0]?.fields).toEqual(['1', '2']);
    expect(parseDelimitedText('1::"a:b"\n', ':')[0]?.fields).toEqual(['1', '', 'a:b']);
    expect(() => new DelimitedParser('\n')).toThrow(/bad delimiter/);
    expect(() => new DelimitedParser('ab')).toThrow(/bad delimiter/);
  });

  it('gives the same records however the input is cut into chunks', () => {
    expectChunkInvariant('\ufeffid,text\r\n1,"a,b"\r\n2,"say ""hi"""\r\n3,"multi\nline"\r\n\r\n4,x\r\n5,"q"');
    expectChunkInvariant('a\tb\n"c\td"\t""""\n', '\t');
  });

  it('round-trips seeded random tables through an RFC 4180 writer, cut into random chunks', () => {
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const alphabet = ['a', 'b', ',', '"', '\n', '\r\n', ' ', 'é', '\t', ';'];
    const quote = (f: string): string => (/[",\r\n]/.test(f) || f === '' ? `"${f.replaceAll('"', '""')}"` : f);
    for (let round = 0; round < 200; round++) {
      const width = 1 + rand(4);
      const rows = Array.from({ length: 1 + rand(6) }, () =>
        Array.from({ length: width }, () => Array.from({ length: rand(5) }, () => alphabet[rand(alphabet.length)]).join('')));
      const eol = rand(2) === 0 ? '\n' : '\r\n';
      const text = rows.map((r) => r.map(quote).join(',')).join(eol) + (rand(2) === 0 ? eol : '');
      const p = new DelimitedParser(',');
      const got: string[][] = [];
      for (let i = 0; i < text.length;) {
        const n = 1 + rand(7);
        got.push(...p.push(text.slice(i, i + n)).map((r) => r.fields));
        i += n;
      }
      got.push(...p.end().map((r) => r.fields));
      expect(got, JSON.stringify(text)).toEqual(rows);
    }
  });

  it('reports an unterminated quote at EOF as an error record and resyncs on the next line', () => {
    const recs = parseDelimitedText('id,v\n1,"open\n2,ok\n', ',');
    expect(recs.map((r) => [r.line, r.fields, r.error])).toEqual([
      [1, ['id', 'v'], undefined],
      [2, [], 'unterminated quoted field'],
      [3, ['2', 'ok'], undefined],
    ]);
  });

  it('bounds memory: a runaway quoted field beyond maxRecordChars is rejected and parsing goes on', () => {
    const p = new DelimitedParser(',', 50);
    const body = Array.from({ length: 20 }, (_, i) => `${i},row`).join('\n');
    const out = [...p.push(`h,v\n1,"never closed\n${body}\n`), ...p.end()];
    expect(out[1]).toMatchObject({ line: 2, error: 'unterminated quoted field' });
    expect(out.slice(2).map((r) => r.fields[0])).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(out[2]?.line).toBe(3);
  });

  it('rejects an over-long line without a newline and skips to the next line', () => {
    const p = new DelimitedParser(',', 10);
    const out = [...p.push('a,b\n'), ...p.push('x'.repeat(30)), ...p.push('yyy\n1,2\n'), ...p.end()];
    expect(out.map((r) => [r.line, r.fields, r.error !== undefined])).toEqual([
      [1, ['a', 'b'], false],
      [2, [], true],
      [3, ['1', '2'], false],
    ]);
  });
});

describe('readDelimited (files)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wayfarer-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams a file in small chunks with header skipping, progress and correct line numbers', async () => {
    const file = path.join(dir, 'a.csv');
    const rows = Array.from({ length: 500 }, (_, i) => (i % 50 === 7 ? `${i},"q,${i}\nnext"` : `${i},v${i}`));
    writeFileSync(file, `\ufeffid,value\r\n${rows.join('\r\n')}\r\n`);
    const progress: number[] = [];
    const recs: DelimitedRecord[] = [];
    for await (const r of readDelimited(file, { delimiter: ',', header: true, chunkBytes: 64, onProgress: (n) => progress.push(n) })) {
      recs.push(r);
    }
    expect(recs).toHaveLength(500);
    expect(recs[0]).toMatchObject({ line: 2, fields: ['0', 'v0'] });
    expect(recs[7]).toMatchObject({ line: 9, fields: ['7', 'q,7\nnext'] });
    expect(recs[8]).toMatchObject({ line: 11, fields: ['8', 'v8'] });
    expect(progress.at(-1)).toBeGreaterThan(0);
    expect(await readHeader(file, { delimiter: ',' })).toEqual(['id', 'value']);
  });

  it('trims header names and returns null for an empty file', async () => {
    const file = path.join(dir, 'h.csv');
    writeFileSync(file, 'a , b ,c\r\n1,2,3\r\n');
    expect(await readHeader(file, { delimiter: ',' })).toEqual(['a', 'b', 'c']);
    const empty = path.join(dir, 'empty.csv');
    writeFileSync(empty, '');
    expect(await readHeader(empty, { delimiter: ',' })).toBeNull();
    let n = 0;
    for await (const batch of readDelimitedBatches(empty, { delimiter: ',', header: true })) n += batch.length;
    expect(n).toBe(0);
  });

  it('decodes multi-byte UTF-8 split across chunk boundaries', async () => {
    const file = path.join(dir, 'u.csv');
    const rows = Array.from({ length: 100 }, (_, i) => `${i},Zürich—東京`);
    writeFileSync(file, rows.join('\n'));
    const got: string[] = [];
    for await (const r of readDelimited(file, { delimiter: ',', header: false, chunkBytes: 7 })) got.push(r.fields[1] ?? '');
    expect(got).toEqual(rows.map(() => 'Zürich—東京'));
  });
});
