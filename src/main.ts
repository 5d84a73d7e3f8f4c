/**
 * @module main
 * argv → config → command. The only module that reads process.env, argv and the config file.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { loadConfig } from './config/load-config.ts';
import type { Config } from './config/schema.ts';
import { describeError, RecsysError } from './errors.ts';
import { UsageError, type CliContext } from './cli/context.ts';
import { registerDataCommands } from './cli/data.ts';
import { registerServeCommands } from './cli/serve.ts';
import { registerBatchCommands } from './cli/train.ts';
import { registerGbdtCommands } from './cli/gbdt.ts';
import { registerFeatureCommands } from './cli/features.ts';
import { registerModelCommands } from './cli/model.ts';

function buildProgram(): Command {
  const program = new Command('wayfarer')
    .description('Wayfarer — real-time multi-stage recommendation engine for travel')
    .option('-c, --config <file>', 'JSON config file (also WAYFARER_CONFIG)')
    .option('-d, --data-dir <dir>', 'data folder: embedded database, artifacts, generated data (also WAYFARER_DATA_DIR)')
    .showHelpAfterError()
    .exitOverride();
  let cached: Config | undefined;
  const ctx: CliContext = {
    config: () => {
      if (cached !== undefined) return cached;
      const opts = program.opts<{ config?: string; dataDir?: string }>();
      const file = opts.config ?? process.env['WAYFARER_CONFIG'];
      const text = file === undefined ? '' : readConfigFile(file);
      const env = { ...process.env, ...(opts.dataDir === undefined ? {} : { WAYFARER_DATA_DIR: opts.dataDir }) };
      cached = loadConfig(text, env);
      return cached;
    },
    out: (line) => process.stdout.write(`${line}\n`),
    info: (line) => process.stderr.write(`${line}\n`),
  };
  registerServeCommands(program, ctx);
  registerDataCommands(program, ctx);
  registerBatchCommands(program, ctx);
  registerGbdtCommands(program, ctx);
  registerFeatureCommands(program, ctx);
  registerModelCommands(program, ctx);
  return program;
}

function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    const code = err instanceof RecsysError ? ` [${err.code}]` : '';
    process.stderr.write(`error${code}: ${describeError(err)}\n`);
    if (process.env['WAYFARER_DEBUG'] === '1' && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv);
