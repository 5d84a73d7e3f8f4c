/**
 * @module cli/data-generate
 * `wayfarer data generate`: the synthetic travel marketplace into the store (with its blocks) or
 * into CSV files; the hidden truth is saved beside it for oracle evaluation.
 */
import path from 'node:path';
import { openStore } from '../app.ts';
import { generateMarketplace, saveTruth, writeMarketplaceFiles } from '../data/synthetic/index.ts';
import { importBatches } from '../data/import.ts';
import type { Store } from '../ports/store.ts';
import type { CliContext } from './context.ts';
import { createProgress } from './progress.ts';

export interface GenerateOptions {
  users: number;
  items: number;
  events: number;
  seed: number;
  days: number;
  /** Write CSV files to this folder instead of the store. */
  out?: string | undefined;
}

/** The folder where the hidden truth of the store's synthetic data is kept. */
export const truthDirOf = (dataDir: string): string => path.join(dataDir, 'synthetic-truth');

export async function runGenerate(ctx: CliContext, o: GenerateOptions): Promise<void> {
  const config = ctx.config();
  const market = generateMarketplace({ users: o.users, items: o.items, events: o.events, seed: o.seed, days: o.days });
  const started = Date.now();
  const bar = createProgress('generate', o.events);
  if (o.out !== undefined) {
    const written = await writeMarketplaceFiles(market, o.out, { onProgress: (c) => bar.update(c.interactions, `${c.interactions.toLocaleString()} events`) });
    bar.done();
    report(ctx, o.events, started, `to ${path.resolve(o.out)}: ${written.users} users, ${written.items} items, ${written.blocks} blocks (truth saved with them)`);
    return;
  }
  const store = await openStore(config);
  try {
    await generateIntoStore(store, market, (n) => bar.update(n, `${n.toLocaleString()} events`), store.engine === 'postgres' ? 3 : 1);
    await saveTruth(market.truth, truthDirOf(path.resolve(config.dataDir)));
    bar.done();
    const s = market.stats;
    report(ctx, o.events, started, `into the ${store.engine} store: ${s.users} users, ${s.hotels} hotels, ${s.cities} cities, ${s.blocks} blocks`);
  } finally {
    bar.done();
    await store.close();
  }
}

/** Stream a generated marketplace into a store; `onEvents` gets the running count of interactions. */
export async function generateIntoStore(store: Store, market: ReturnType<typeof generateMarketplace>, onEvents: (n: number) => void, concurrency = 2): Promise<void> {
  await importBatches(market.batches, store, {
    concurrency,
    onBatch: (t) => onEvents(t.inserted + t.duplicates),
  });
  await store.addBlocks(market.blocks);
}

function report(ctx: CliContext, events: number, started: number, where: string): void {
  const secs = (Date.now() - started) / 1000;
  ctx.out(`generated ${events.toLocaleString()} events in ${secs.toFixed(1)} s (${Math.round(events / secs).toLocaleString()} events/s) ${where}`);
}
