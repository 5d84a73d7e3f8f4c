/**
 * @module cli/serve
 * `wayfarer start` (all-in-one: bootstrap data and models when missing, then serve) and
 * `wayfarer serve` (serve the promoted version). Both listen at once; /readyz turns 200 when
 * the models are loaded. SIGINT/SIGTERM close the server, then the store.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { buildApp, rankingOptions, trainAndPromote, type App } from '../app.ts';
import { redactedSummary } from '../config/load-config.ts';
import { generateMarketplace, saveTruth } from '../data/synthetic/index.ts';
import type { CliContext } from './context.ts';
import { createProgress } from './progress.ts';
import { generateIntoStore, truthDirOf } from './data-generate.ts';

export function registerServeCommands(program: Command, ctx: CliContext): void {
  program.command('start')
    .description('all-in-one: on an empty store generate a synthetic marketplace, train and promote, then serve')
    .action(async () => serve(ctx, true));
  program.command('serve')
    .description('serve the promoted model version over REST (no bootstrap)')
    .action(async () => serve(ctx, false));
}

async function serve(ctx: CliContext, bootstrap: boolean): Promise<void> {
  const config = ctx.config();
  const started = Date.now();
  const stamp = (): string => `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s]`;
  const log = (line: string): void => ctx.info(`${stamp()} ${line}`);
  log(`config ${JSON.stringify(redactedSummary(config))}`);
  const app = await buildApp(config);
  installShutdown(app, log);
  const address = await app.server.listen({ host: config.server.host, port: config.server.port });
  log(`listening on ${address} (OpenAPI at ${address}/docs)`);
  if (bootstrap) await bootstrapIfEmpty(app, log);
  await app.loadEngine(log);
  log(`ready: serving model ${app.engine()?.modelVersion ?? '?'} — try ${address}/v1/recommendations?userId=u1&k=10`);
}

/** Generate the configured synthetic marketplace into an empty store, and train when no model is promoted. */
async function bootstrapIfEmpty(app: App, log: (line: string) => void): Promise<void> {
  const counts = await app.store.counts();
  if (counts.interactions === 0) {
    const b = app.config.bootstrap;
    log(`empty store: generating a synthetic marketplace (${b.users.toLocaleString()} users, ${b.items.toLocaleString()} hotels, ${b.events.toLocaleString()} events, seed ${b.seed})`);
    const market = generateMarketplace({ users: b.users, items: b.items, events: b.events, seed: b.seed });
    const bar = createProgress('generate', b.events);
    let lastLogged = 0;
    await generateIntoStore(app.store, market, (n) => {
      bar.update(n, `${n.toLocaleString()} events`);
      if (!process.stderr.isTTY && n - lastLogged >= 100_000) { lastLogged = n; log(`  ${n.toLocaleString()} events stored`); }
    });
    bar.done();
    await saveTruth(market.truth, truthDirOf(path.resolve(app.config.dataDir)));
    log(`generated ${b.events.toLocaleString()} events`);
  }
  if ((await app.registry.current()) === undefined) {
    log('no promoted model: training the candidate stages (popularity, co-visitation, two-tower)');
    const bar = createProgress('train', 0);
    await trainAndPromote(app.store, app.registry, log, (n) => bar.update(n, `${n.toLocaleString()} interactions`), { ranking: rankingOptions(app.config) });
    bar.done();
  }
}

function installShutdown(app: App, log: (line: string) => void): void {
  let closing = false;
  const stop = (signal: string): void => {
    if (closing) return;
    closing = true;
    log(`${signal}: closing`);
    app.close().then(() => process.exit(0), (err: unknown) => { log(`close failed: ${String(err)}`); process.exit(1); });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
