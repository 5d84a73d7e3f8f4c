/**
 * @module cli/train
 * `wayfarer train`, `wayfarer recommend` and `wayfarer eval`: batch work on whatever is in the store.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import readline from 'node:readline';
import type { Command } from 'commander';
import { openRegistry, openStore, trainAndPromote } from '../app.ts';
import { loadEngine } from '../pipeline/engine-load.ts';
import type { Store } from '../ports/store.ts';
import type { UserId } from '../domain/types.ts';
import { evaluate } from '../training/evaluate.ts';
import { intFlag, UsageError, type CliContext } from './context.ts';
import { createProgress } from './progress.ts';
import { printEvalReport } from './eval-report.ts';

export function registerBatchCommands(program: Command, ctx: CliContext): void {
  program.command('train')
    .description('train every available stage from the store, register a new model version and promote it')
    .action(async () => {
      const config = ctx.config();
      const store = await openStore(config);
      const bar = createProgress('train', 0);
      try {
        const m = await trainAndPromote(store, openRegistry(config), (l) => ctx.out(l), (n) => bar.update(n, `${n.toLocaleString()} interactions`));
        bar.done();
        ctx.out(`model ${m.version} saved under ${config.dataDir}/artifacts/models/${m.version}`);
      } finally {
        bar.done();
        await store.close();
      }
    });

  program.command('recommend')
    .description('write top-k recommendations per user as CSV: user_id,rank,item_id,score')
    .option('--users <all|file>', "'all' users in the store, or a file with one user id per line", 'all')
    .option('--k <n>', 'items per user', '10')
    .option('--out <file>', 'output CSV file', 'recs.csv')
    .option('--include-seen', 'keep items the user already interacted with (excluded by default)')
    .action(async (flags: { users: string; k: string; out: string; includeSeen?: boolean }) => runRecommend(ctx, flags));

  program.command('eval')
    .description('offline evaluation: Recall, Precision, NDCG, MAP, HitRate@k and coverage per source and merged')
    .option('--split <time|random>', 'hold out the last part of time, or random events', 'time')
    .option('--fraction <f>', 'share held out', '0.1')
    .option('--k <list>', 'cut-offs, comma-separated', '10')
    .option('--max-users <n>', 'score at most this many test users (0 = all)', '5000')
    .option('--seed <n>', 'seed of the random split and the user sample', '7')
    .option('--no-context', "do not pass the held-out search's destination and dates as request context")
    .action(async (flags: { split: string; fraction: string; k: string; maxUsers: string; seed: string; context: boolean }) => {
      if (flags.split !== 'time' && flags.split !== 'random') throw new UsageError(`--split must be time or random, got '${flags.split}'`);
      const fraction = Number(flags.fraction);
      if (!(fraction > 0 && fraction < 1)) throw new UsageError(`--fraction must be between 0 and 1, got '${flags.fraction}'`);
      const ks = flags.k.split(',').map((x) => intFlag('k', x.trim(), 1));
      const store = await openStore(ctx.config());
      const bar = createProgress('eval', 0);
      try {
        const report = await evaluate(store, {
          split: flags.split, fraction, ks, maxUsers: intFlag('max-users', flags.maxUsers), seed: intFlag('seed', flags.seed),
          useContext: flags.context, onProgress: (phase, n) => bar.update(n, `${phase} ${n.toLocaleString()}`),
        });
        bar.done();
        printEvalReport(ctx, report);
      } finally {
        bar.done();
        await store.close();
      }
    });
}

async function runRecommend(ctx: CliContext, flags: { users: string; k: string; out: string; includeSeen?: boolean }): Promise<void> {
  const k = intFlag('k', flags.k, 1);
  const config = ctx.config();
  const store = await openStore(config);
  try {
    const engine = await loadEngine({ store, clock: Date.now, recordServedAsShown: false }, openRegistry(config));
    const out = createWriteStream(flags.out);
    out.write('user_id,rank,item_id,score\n');
    const bar = createProgress('recommend', 0);
    let users = 0;
    for await (const userId of userIds(store, flags.users)) {
      const exclude = flags.includeSeen === true ? [] : await seenItems(store, userId);
      const r = await engine.recommend({ userId, k, exclude });
      r.items.forEach((item, i) => out.write(`${csvCell(userId)},${i + 1},${csvCell(item.itemId)},${item.score.toPrecision(6)}\n`));
      if (++users % 1000 === 0) bar.update(users, `${users.toLocaleString()} users`);
    }
    bar.done();
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    ctx.out(`wrote ${k} recommendations for each of ${users.toLocaleString()} users to ${flags.out} (model ${engine.modelVersion})`);
  } finally {
    await store.close();
  }
}

async function* userIds(store: Store, users: string): AsyncIterable<UserId> {
  if (users === 'all') {
    for await (const batch of store.scanUsers()) for (const u of batch) yield u.id;
    return;
  }
  const lines = readline.createInterface({ input: createReadStream(users), crlfDelay: Infinity });
  let first = true;
  for await (const line of lines) {
    const id = line.trim();
    if (first && (id === 'user_id' || id === 'userId' || id === 'user')) { first = false; continue; }
    first = false;
    if (id !== '') yield id;
  }
}

/** Items the user interacted with (any event but search), from the newest 1,000 events. */
async function seenItems(store: Store, userId: UserId): Promise<string[]> {
  const h = await store.userHistory(userId, 1000);
  return [...new Set(h.filter((e) => e.type !== 'search').map((e) => e.itemId))];
}

const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
