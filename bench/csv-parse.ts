/**
 * @module bench/csv-parse
 * Throughput of the streaming delimited reader and of the csv loader on a generated 4-column TSV
 * (MovieLens u.data layout). Usage: `node --import tsx bench/csv-parse.ts [rows=2000000]`.
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readDelimited, readDelimitedBatches } from '../src/data/csv.ts';
import { RejectLog } from '../src/data/import-types.ts';
import { csvLogLoader } from '../src/data/loaders/csv-log.ts';

async function writeFile(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += `${i % 943}\t${i % 1682}\t${1 + (i % 5)}\t${874724710 + i}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

async function time(label: string, rows: number, run: () => Promise<number>): Promise<void> {
  const t0 = performance.now();
  const n = await run();
  const s = (performance.now() - t0) / 1000;
  if (n !== rows) throw new Error(`${label}: expected ${rows} rows, got ${n}`);
  console.log(`${label.padEnd(28)} ${s.toFixed(2)} s  ${Math.round(rows / s).toLocaleString('en-US')} rows/s`);
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 2_000_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'wayfarer-bench-'));
  const file = path.join(dir, 'u.data');
  try {
    await writeFile(file, rows);
    console.log(`${rows.toLocaleString('en-US')} rows, ${(statSync(file).size / 1e6).toFixed(1)} MB`);
    const opts = { delimiter: '\t', header: false } as const;
    for (let round = 0; round < 2; round++) {
      await time('readDelimitedBatches', rows, async () => {
        let n = 0;
        for await (const batch of readDelimitedBatches(file, opts)) n += batch.length;
        return n;
      });
      await time('readDelimited (per record)', rows, async () => {
        let n = 0;
        for await (const rec of readDelimited(file, opts)) n += rec.fields.length > 0 ? 1 : 0;
        return n;
      });
    }
    await time('csv loader (full records)', rows, async () => {
      let n = 0;
      const ctx = { rejects: new RejectLog(), batchSize: 5000 };
      const options = { delimiter: 'tab', header: false, columns: ['user', 'item', 'rating', 'timestamp'] } as const;
      for await (const b of csvLogLoader.read(file, { ...options, columns: [...options.columns] }, ctx)) n += b.interactions.length;
      return n;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
