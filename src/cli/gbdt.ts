/**
 * @module cli/gbdt
 * `wayfarer gbdt train|predict`: the GBDT trainer on LETOR / SVMlight files, reading and writing
 * LightGBM's text model format (models move between Wayfarer and LightGBM in both directions).
 */
import type { Command } from 'commander';
import { runGbdtPredict, runGbdtTrain } from '../models/gbdt/cli-run.ts';
import type { GbdtObjective } from '../models/gbdt/params.ts';
import { intFlag, UsageError, type CliContext } from './context.ts';

interface TrainFlags {
  objective: string; train: string; trainQuery?: string; valid?: string; validQuery?: string; numTrees: string;
  numLeaves: string; learningRate: string; minDataInLeaf: string; evalAt: string; earlyStoppingRounds?: string; out: string; seed: string;
}

const OBJECTIVES: readonly GbdtObjective[] = ['binary', 'lambdarank', 'regression'];

export function registerGbdtCommands(program: Command, ctx: CliContext): void {
  const gbdt = program.command('gbdt').description('gradient-boosted trees on LETOR/SVMlight files, LightGBM model format');
  gbdt.command('train')
    .description('train a GBDT; prints the validation metric per iteration and saves a LightGBM text model')
    .requiredOption('--objective <name>', OBJECTIVES.join(' | '))
    .requiredOption('--train <file>', 'training rows: "label [qid:Q] idx:value …"')
    .option('--train-query <file>', 'LightGBM .query group sizes of the training set (default <train>.query when present)')
    .option('--valid <file>', 'validation rows')
    .option('--valid-query <file>', 'group sizes of the validation set (default <valid>.query when present)')
    .option('--num-trees <n>', 'boosting iterations', '100')
    .option('--num-leaves <n>', 'leaves per tree', '31')
    .option('--learning-rate <x>', 'shrinkage', '0.1')
    .option('--min-data-in-leaf <n>', 'minimum rows per leaf', '20')
    .option('--eval-at <list>', 'NDCG cut-offs for lambdarank', '1,3,5')
    .option('--early-stopping-rounds <n>', 'stop after this many rounds without validation improvement; the model is saved at its best iteration')
    .option('--seed <n>', 'random seed', '1')
    .requiredOption('--out <file>', 'model file to write')
    .action(async (f: TrainFlags) => {
      if (!(OBJECTIVES as readonly string[]).includes(f.objective)) throw new UsageError(`--objective must be one of ${OBJECTIVES.join(', ')}, got '${f.objective}'`);
      const learningRate = Number(f.learningRate);
      if (!(learningRate > 0 && learningRate <= 1)) throw new UsageError(`--learning-rate must be in (0, 1], got '${f.learningRate}'`);
      if (f.earlyStoppingRounds !== undefined && f.valid === undefined) throw new UsageError('--early-stopping-rounds needs --valid');
      const summary = await runGbdtTrain({
        objective: f.objective as GbdtObjective, train: f.train, numTrees: intFlag('num-trees', f.numTrees, 1),
        numLeaves: intFlag('num-leaves', f.numLeaves, 2), learningRate, minDataInLeaf: intFlag('min-data-in-leaf', f.minDataInLeaf, 1),
        evalAt: f.evalAt.split(',').map((x) => intFlag('eval-at', x.trim(), 1)), out: f.out, seed: intFlag('seed', f.seed),
        ...(f.trainQuery === undefined ? {} : { trainQuery: f.trainQuery }),
        ...(f.valid === undefined ? {} : { valid: f.valid }),
        ...(f.validQuery === undefined ? {} : { validQuery: f.validQuery }),
        ...(f.earlyStoppingRounds === undefined ? {} : { earlyStoppingRounds: intFlag('early-stopping-rounds', f.earlyStoppingRounds, 1) }),
      }, (line) => ctx.out(line));
      ctx.out(`model saved to ${summary.out} (best iteration ${summary.bestIteration} of ${summary.iterations}, ${summary.stopReason})`);
    });
  gbdt.command('predict')
    .description('score a LETOR/SVMlight file with a LightGBM text model (Wayfarer\'s or LightGBM\'s), one score per line')
    .requiredOption('--model <file>', 'LightGBM text model')
    .requiredOption('--data <file>', 'rows to score')
    .requiredOption('--out <file>', 'scores file')
    .action(async (f: { model: string; data: string; out: string }) => {
      const r = await runGbdtPredict(f, (line) => ctx.info(line));
      ctx.out(`scored ${r.rows} rows into ${f.out}`);
    });
}
