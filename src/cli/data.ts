/**
 * @module cli/data
 * `wayfarer data import|generate|stats`: data into the store, from public datasets, any CSV log,
 * or the synthetic travel marketplace.
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openStore } from '../app.ts';
import { DATASET_NAMES, getLoader } from '../data/loaders/index.ts';
import { RejectLog, type RejectedRow } from '../data/import-types.ts';
import { importBatches } from '../data/import.ts';
import { intFlag, UsageError, type CliContext } from './context.ts';
import { createProgress } from './progress.ts';
import { runGenerate } from './data-generate.ts';

interface ImportFlags {
  dataset: string;
  path: string;
  delimiter?: string;
  header: boolean;
  columns?: string;
  timestampUnit?: string;
  itemKind?: string;
  type?: string;
  rejects?: string;
  batchSize?: string;
}

export function registerDataCommands(program: Command, ctx: CliContext): void {
  const data = program.command('data').description('import, generate and inspect data');
  data.command('import')
    .description('import a dataset into the store (idempotent: re-running adds no duplicates)')
    .requiredOption('--dataset <name>', `one of ${DATASET_NAMES.join(', ')}`)
    .requiredOption('--path <fileOrFolder>', 'a file, or the folder holding the dataset files')
    .option('--delimiter <d>', 'csv: comma | tab | semicolon | pipe | a single character', 'comma')
    .option('--no-header', 'csv: the file has no header row')
    .option('--columns <list>', 'csv: column roles in order: user,item,timestamp,rating,value,type,session,_ (ignore)')
    .option('--timestamp-unit <unit>', 'csv: auto | s | ms | iso', 'auto')
    .option('--item-kind <kind>', 'csv: kind of the imported items (hotel, city, destination, listing)', 'listing')
    .option('--type <eventType>', 'csv: event type when there is no type column (default: rating if a rating column exists, else click)')
    .option('--rejects <file>', 'also write every bad row, with its line number and reason, to this file')
    .option('--batch-size <n>', 'records per transaction (default from config)')
    .action(async (flags: ImportFlags) => runImport(ctx, flags));

  data.command('generate')
    .description('generate a synthetic travel marketplace (deterministic by seed) into the store or files')
    .option('--users <n>', 'users', '20000')
    .option('--items <n>', 'hotels', '5000')
    .option('--events <n>', 'interactions', '500000')
    .option('--seed <n>', 'random seed', '42')
    .option('--days <n>', 'days of activity', '180')
    .option('--out <dir>', 'write CSV files to this folder instead of the store')
    .action(async (flags: { users: string; items: string; events: string; seed: string; days: string; out?: string }) => {
      await runGenerate(ctx, {
        users: intFlag('users', flags.users, 1), items: intFlag('items', flags.items, 1), events: intFlag('events', flags.events, 1),
        seed: intFlag('seed', flags.seed), days: intFlag('days', flags.days, 1), out: flags.out,
      });
    });

  data.command('stats')
    .description('count users, items, interactions and blocks in the store')
    .action(async () => {
      const store = await openStore(ctx.config());
      try {
        const c = await store.counts();
        ctx.out(`users ${c.users}\nitems ${c.items}\ninteractions ${c.interactions}\nblocks ${c.blocks}`);
      } finally {
        await store.close();
      }
    });
}

const DELIMITERS: Record<string, string> = { comma: ',', tab: '\t', semicolon: ';', pipe: '|' };

function csvOptions(flags: ImportFlags): Record<string, unknown> {
  const d = flags.delimiter ?? 'comma';
  const delimiter = DELIMITERS[d] ?? (d.length === 1 ? d : undefined);
  if (delimiter === undefined) throw new UsageError(`--delimiter must be comma, tab, semicolon, pipe or one character, got '${d}'`);
  return {
    delimiter, header: flags.header, timestampUnit: flags.timestampUnit ?? 'auto', itemKind: flags.itemKind ?? 'listing',
    ...(flags.columns === undefined ? {} : { columns: flags.columns.split(',').map((c) => c.trim()) }),
    ...(flags.type === undefined ? {} : { defaultType: flags.type }),
  };
}

async function runImport(ctx: CliContext, flags: ImportFlags): Promise<void> {
  if (!(DATASET_NAMES as readonly string[]).includes(flags.dataset)) {
    throw new UsageError(`--dataset must be one of ${DATASET_NAMES.join(', ')}, got '${flags.dataset}'`);
  }
  const config = ctx.config();
  const batchSize = flags.batchSize === undefined ? config.import.batchSize : intFlag('batch-size', flags.batchSize, 1);
  const rejectsFile = flags.rejects === undefined ? undefined : createWriteStream(flags.rejects);
  rejectsFile?.write('file\tline\treason\traw\n');
  const rejects = new RejectLog(config.import.maxRejectsReported, rejectsFile === undefined ? undefined
    : (r: RejectedRow, raw: string) => rejectsFile.write(`${r.file}\t${r.line}\t${r.reason}\t${JSON.stringify(raw)}\n`));
  const loader = getLoader(flags.dataset as (typeof DATASET_NAMES)[number]);
  const options = flags.dataset === 'csv' ? csvOptions(flags) : {};
  const bar = createProgress(`import ${flags.dataset}`, 0);
  const notices = new Set<string>();
  const store = await openStore(config);
  const started = Date.now();
  try {
    const totals = await importBatches(loader.read(flags.path, options, {
      rejects, batchSize,
      onProgress: (read, total) => bar.update(read, `${(read / 1e6).toFixed(1)}/${(total / 1e6).toFixed(1)} MB`),
      notice: (m) => { if (!notices.has(m)) { notices.add(m); ctx.info(`note: ${m}`); } },
    }), store, { concurrency: store.engine === 'postgres' ? 3 : 1 });
    bar.done();
    const secs = (Date.now() - started) / 1000;
    ctx.out(`imported ${flags.dataset} from ${path.resolve(flags.path)} in ${secs.toFixed(1)} s: ${totals.users} users, `
      + `${totals.items} items, ${totals.inserted} new interactions, ${totals.duplicates} already present, ${rejects.count} bad rows`);
    reportRejects(ctx, rejects, flags.rejects);
  } finally {
    bar.done();
    rejectsFile?.end();
    await store.close();
  }
}

function reportRejects(ctx: CliContext, rejects: RejectLog, file: string | undefined): void {
  if (rejects.count === 0) return;
  ctx.out(`bad rows (${rejects.count}, each skipped; every good row was imported):`);
  for (const r of rejects.kept) ctx.out(`  ${r.file}:${r.line}: ${r.reason}`);
  if (rejects.count > rejects.kept.length) ctx.out(`  … and ${rejects.count - rejects.kept.length} more`);
  if (file !== undefined) ctx.out(`all bad rows written to ${file}`);
}

