/**
 * @module cli/model
 * `wayfarer model import-towers`: a team's own ONNX user and item towers (trained in PyTorch,
 * TensorFlow…) as the two-tower of a new model version, built on the promoted one; and
 * `wayfarer model promote` for a version registered without `--promote`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { openRegistry, openStore, vectorIndexes } from '../app.ts';
import { importTowers } from '../training/import-towers.ts';
import { intFlag, UsageError, type CliContext } from './context.ts';
import { createProgress } from './progress.ts';

interface ImportFlags { user: string; item: string; vocab: string; promote?: boolean; batch: string }

export function registerModelCommands(program: Command, ctx: CliContext): void {
  const model = program.command('model').description('model versions: bring your own towers');
  model.command('import-towers')
    .description('register a new model version whose two-tower is your ONNX user and item towers (input contract: src/models/two-tower/README.md); the other stages are carried over from the promoted version')
    .requiredOption('--user <file>', 'user tower, ONNX (contract two-tower-user@1)')
    .requiredOption('--item <file>', 'item tower, ONNX (contract two-tower-item@1)')
    .requiredOption('--vocab <file>', 'vocabulary JSON the towers were trained with: two-tower-vocab@1, a bare vocabularies object, or a two-tower.json artifact')
    .option('--promote', 'promote the new version (servers load it on their next start)')
    .option('--batch <n>', 'items per item-tower run', '8192')
    .action(async (flags: ImportFlags) => runImport(ctx, flags));
  model.command('promote')
    .description('promote a registered model version (servers load it on their next start)')
    .argument('<version>', 'e.g. v2')
    .action(async (version: string) => {
      if (!/^v\d+$/.test(version)) throw new UsageError(`<version> must look like v2, got '${version}'`);
      await openRegistry(ctx.config()).promote(version);
      ctx.out(`promoted ${version}`);
    });
}

async function readFlagFile(flag: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new UsageError(`--${flag}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function runImport(ctx: CliContext, flags: ImportFlags): Promise<void> {
  const batch = intFlag('batch', flags.batch, 1);
  const [user, item, vocab] = await Promise.all([readFlagFile('user', flags.user), readFlagFile('item', flags.item), readFlagFile('vocab', flags.vocab)]);
  const config = ctx.config();
  const store = await openStore(config);
  const bar = createProgress('import-towers', 0);
  try {
    const r = await importTowers(store, openRegistry(config), vectorIndexes, {
      userModel: new Uint8Array(user), itemModel: new Uint8Array(item), vocab: vocab.toString('utf8'),
      origin: { user: path.basename(flags.user), item: path.basename(flags.item), vocab: path.basename(flags.vocab) },
    }, { promote: flags.promote === true, embedBatch: batch, log: (l) => ctx.out(l), onProgress: (n) => bar.update(n, `${n.toLocaleString()} items embedded`) });
    bar.done();
    const v = r.manifest.version;
    ctx.out(`model ${v}: imported ONNX towers (D = ${r.dim}, ${r.items.toLocaleString()} items indexed) on top of ${r.base}, saved under ${config.dataDir}/artifacts/models/${v}`);
    ctx.out(r.promoted ? `promoted ${v}` : `${v} is registered, not promoted: \`wayfarer model promote ${v}\` serves it`);
  } finally {
    bar.done();
    await store.close();
  }
}
