/**
 * The user's path with their own log: a tab-separated file of (user, item, rating, timestamp)
 * without a header goes through `data import` → `train` → `recommend`, and `eval` prints metrics.
 * Runs the real CLI in a child process against an embedded store in a temporary data dir.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/util/rng.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-cli-'));

async function wayfarer(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: root, env: { ...process.env, WAYFARER_DATA_DIR: path.join(dir, 'data') }, maxBuffer: 1 << 24,
  });
}

/** Users in five taste groups rating items of their group's block, MovieLens-style. */
function writeLog(file: string): number {
  const rng = createRng(5);
  const lines: string[] = [];
  let ts = 978_300_760;
  for (let u = 1; u <= 200; u++) {
    for (let j = 0; j < 8 + rng.int(20); j++) {
      const item = rng.next() < 0.8 ? (u % 5) * 40 + Math.floor(40 * rng.next() ** 2) : rng.int(200);
      ts += 1 + rng.int(5000);
      lines.push(`${u}\t${item}\t${1 + rng.int(5)}\t${ts}`);
    }
  }
  lines.splice(10, 0, 'this line is broken');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return lines.length - 1;
}

describe('CLI: import → train → recommend → eval on a user-supplied log', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const log = path.join(dir, 'ratings.tsv');
  const good = writeLog(log);
  const importArgs = ['data', 'import', '--dataset', 'csv', '--delimiter', 'tab', '--no-header', '--columns', 'user,item,rating,timestamp', '--path', log];

  it('imports every good row, reports the bad one by line, and is idempotent', async () => {
    const first = await wayfarer(...importArgs);
    expect(first.stdout).toContain(`${good} new interactions, 0 already present, 1 bad rows`);
    expect(first.stdout).toMatch(/ratings\.tsv:11: expected 4 columns, got 1/);
    const again = await wayfarer(...importArgs);
    expect(again.stdout).toContain(`0 new interactions, ${good} already present`);
  });

  it('trains, says once what context it lacks, and writes recommendations', async () => {
    const t = await wayfarer('train');
    expect(t.stdout).toMatch(/promoted v1/);
    expect(t.stdout.match(/no home country/g)).toHaveLength(1);
    const out = path.join(dir, 'recs.csv');
    const r = await wayfarer('recommend', '--users', 'all', '--k', '10', '--out', out);
    expect(r.stdout).toMatch(/for each of 200 users/);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('user_id,rank,item_id,score');
    expect(rows).toHaveLength(1 + 200 * 10);
    // Items the user already rated are excluded by default.
    const seen = new Set(readFileSync(log, 'utf8').split('\n').map((l) => l.split('\t')).filter((f) => f.length === 4).map((f) => `${f[0]}|${f[1]}`));
    expect(rows.slice(1).filter((row) => { const [u, , i] = row.split(','); return seen.has(`${u}|${i}`); })).toEqual([]);
  });

  it('prints the offline metrics per source and merged', async () => {
    const e = await wayfarer('eval', '--split', 'time', '--k', '10');
    expect(e.stdout).toMatch(/Recall@10\s+Prec@10\s+NDCG@10\s+MAP@10\s+Hit@10\s+Coverage/);
    for (const s of ['popular', 'covisitation', 'merged']) expect(e.stdout).toMatch(new RegExp(`^${s}\\s+0\\.\\d{4}`, 'm'));
    const merged = /^merged\s+([\d.]+)/m.exec(e.stdout);
    expect(Number(merged?.[1])).toBeGreaterThan(0);
  });

  it('exits 2 with a message naming the bad flag', async () => {
    await expect(wayfarer('data', 'import', '--dataset', 'nope', '--path', log)).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--dataset must be one of/) as unknown });
    await expect(wayfarer('eval', '--split', 'sideways')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--split must be time or random/) as unknown });
    await expect(wayfarer('eval', '--diversity', '0.9,1.5')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--diversity takes λ values between 0 and 1, got '1.5'/) as unknown });
  });
});
