/**
 * @module cli/train
 * `wayfarer train`, `wayfarer recommend` and `wayfarer eval`: batch work on whatever is in the store.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Command } from 'commander';
import { openRegistry, openStore, rankingOptions, trainAndPromote, vectorIndexes } from '../app.ts';
import { TRUTH_HEADER_FILE, loadTruth } from '../data/synthetic/index.ts';
import type { CandidateOptions } from '../pipeline/candidates.ts';
import { loadEngine } from '../pipeline/engine-load.ts';
import type { Store } from '../ports/store.ts';
import type { UserId } from '../domain/types.ts';
import { evaluate } from '../training/evaluate.ts';
import { intFlag, UsageError, type CliContext } from './context.ts';
import { createProgress } from './progress.ts';
import { printEvalReport } from './eval-report.ts';
import { truthDirOf } from './data-generate.ts';

export function registerBatchCommands(program: Command, ctx: CliContext): void {
  program.command('train')
    .description('train every available stage from the store, register a new model version and promote it')
    .option('--no-two-tower', 'train the baselines only (popularity, co-visitation)')
    .option('--epochs <n>', 'most two-tower epochs (early stopping on validation Recall@100 may stop sooner)', '8')
    .option('--no-rankers', 'skip the GBDT ranker and the LambdaMART re-ranker (rank and re-rank pass the candidate order through)')
    .action(async (flags: { twoTower: boolean; epochs: string; rankers: boolean }) => {
      const config = ctx.config();
      const store = await openStore(config);
      const bar = createProgress('train', 0);
      try {
        const twoTower = flags.twoTower ? { train: { epochs: intFlag('epochs', flags.epochs, 1) } } : false as const;
        const m = await trainAndPromote(store, openRegistry(config), (l) => ctx.out(l), (n) => bar.update(n, `${n.toLocaleString()} interactions`), { twoTower, ranking: flags.rankers ? rankingOptions(config) : false });
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
    .option('--k <list>', 'cut-offs, comma-separated', '10,100,500')
    .option('--max-users <n>', 'score at most this many test users (0 = all)', '5000')
    .option('--seed <n>', 'seed of the random split and the user sample', '7')
    .option('--no-context', "do not pass the held-out search's destination and dates as request context")
    .option('--no-two-tower', 'evaluate the baselines only')
    .option('--epochs <n>', 'most two-tower epochs', '8')
    .option('--context-dropout <p>', 'share of two-tower examples also trained as requests without destination and dates', '0.25')
    .option('--weights <sets>', "RRF weights of the merge, e.g. two-tower=1,covisitation=0.5,popular=1; more sets after ';' are scored too, as rows merged:m2, merged:m3 …")
    .option('--rrf-k <n>', 'RRF constant of the merge')
    .option('--no-oracle', 'skip the oracle row even when the synthetic truth is saved')
    .option('--no-rankers', 'evaluate the candidate stages only (no GBDT ranker, no LambdaMART re-ranker)')
    .option('--diversity <list>', 'also score the rules stage at these MMR λ values (comma-separated, 0–1) on the same replayed searches')
    .action(async (flags: EvalFlags) => {
      if (flags.split !== 'time' && flags.split !== 'random') throw new UsageError(`--split must be time or random, got '${flags.split}'`);
      const fraction = Number(flags.fraction);
      if (!(fraction > 0 && fraction < 1)) throw new UsageError(`--fraction must be between 0 and 1, got '${flags.fraction}'`);
      const ks = flags.k.split(',').map((x) => intFlag('k', x.trim(), 1));
      const diversityLambdas = (flags.diversity ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '').map((x) => {
        const lambda = Number(x);
        if (!(lambda >= 0 && lambda <= 1)) throw new UsageError(`--diversity takes λ values between 0 and 1, got '${x}'`);
        return lambda;
      });
      const config = ctx.config();
      const truthDir = truthDirOf(path.resolve(config.dataDir));
      const truth = flags.oracle && existsSync(path.join(truthDir, TRUTH_HEADER_FILE)) ? await loadTruth(truthDir) : undefined;
      const store = await openStore(config);
      const bar = createProgress('eval', 0);
      try {
        const report = await evaluate(store, {
          split: flags.split, fraction, ks, maxUsers: intFlag('max-users', flags.maxUsers), seed: intFlag('seed', flags.seed),
          useContext: flags.context, onProgress: (phase, n) => bar.update(n, `${phase} ${n.toLocaleString()}`),
          indexes: vectorIndexes, twoTower: flags.twoTower ? { train: { epochs: intFlag('epochs', flags.epochs, 1), contextDropout: shareFlag('context-dropout', flags.contextDropout) } } : false,
          ...candidateFlags(flags), log: (l) => ctx.info(l), ...(truth === undefined ? {} : { truth }), ranking: flags.rankers ? rankingOptions(config) : false, rules: config.ranking.rules, diversityLambdas,
        });
        bar.done();
        const sets = (flags.weights ?? '').split(';').map((w) => w.trim()).filter((w) => w !== '');
        sets.forEach((w, i) => report.notes.push(`${i === 0 ? 'merged' : `merged:m${i + 1}`} = RRF weights ${w}`));
        printEvalReport(ctx, report);
      } finally {
        bar.done();
        await store.close();
      }
    });
}

interface EvalFlags {
  split: string; fraction: string; k: string; maxUsers: string; seed: string; context: boolean;
  twoTower: boolean; epochs: string; contextDropout: string; weights?: string; rrfK?: string; oracle: boolean; rankers: boolean; diversity?: string;
}

function shareFlag(name: string, value: string): number {
  const x = Number(value);
  if (!(x >= 0 && x < 1)) throw new UsageError(`--${name} must be in [0, 1), got '${value}'`);
  return x;
}

/** `--weights a=1,b=0.5[;a=2,b=0.5…]` and `--rrf-k` as merge options: the first set, then variants m2, m3 … */
function candidateFlags(flags: EvalFlags): { candidates: Partial<CandidateOptions>; mergeVariants: Record<string, Partial<CandidateOptions>> } {
  const base: Partial<CandidateOptions> = flags.rrfK === undefined ? {} : { rrfK: intFlag('rrf-k', flags.rrfK, 0) };
  const sets = (flags.weights ?? '').split(';').map((w) => w.trim()).filter((w) => w !== '').map(parseWeights);
  const mergeVariants = Object.fromEntries(sets.slice(1).map((weights, i) => [`m${i + 2}`, { ...base, weights }]));
  return { candidates: sets[0] === undefined ? base : { ...base, weights: sets[0] }, mergeVariants };
}

function parseWeights(set: string): Record<string, number> {
  return Object.fromEntries(set.split(',').map((kv) => {
    const [name, w] = kv.split('=');
    const weight = Number(w);
    if (name === undefined || name.trim() === '' || w === undefined || !(weight >= 0)) throw new UsageError(`--weights: expected source=weight pairs, got '${kv}'`);
    return [name.trim(), weight];
  }));
}

async function runRecommend(ctx: CliContext, flags: { users: string; k: string; out: string; includeSeen?: boolean }): Promise<void> {
  const k = intFlag('k', flags.k, 1);
  const config = ctx.config();
  const store = await openStore(config);
  try {
    const engine = await loadEngine({ store, clock: Date.now, recordServedAsShown: false }, openRegistry(config), { indexes: vectorIndexes });
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
    engine.close();
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
