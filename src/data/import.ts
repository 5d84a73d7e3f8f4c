/**
 * @module data/import
 * Writes a loader's batches into the store: users and items upserted, interactions appended
 * idempotently, each batch in its own statement so that what was accepted stays accepted.
 */
import type { ImportBatch } from './import-types.ts';
import type { CatalogWriter, InteractionWriter } from '../ports/store.ts';

export interface ImportTotals {
  users: number;
  items: number;
  /** Interactions newly stored. */
  inserted: number;
  /** Interactions whose event id was already stored (re-imports, redeliveries). */
  duplicates: number;
}

export interface ImportOptions {
  /** Batches written at once (PostgreSQL gains from 2–4; PGlite serialises anyway). Default 2. */
  concurrency?: number;
  /** Called after each batch is written, with running totals. */
  onBatch?: (totals: ImportTotals) => void;
}

/** Drain `batches` into `sink`; returns the totals. A failed write rejects after the in-flight ones settle. */
export async function importBatches(
  batches: AsyncIterable<ImportBatch> | Iterable<ImportBatch>,
  sink: CatalogWriter & InteractionWriter,
  opts: ImportOptions = {},
): Promise<ImportTotals> {
  const totals: ImportTotals = { users: 0, items: 0, inserted: 0, duplicates: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: Error | undefined;
  const write = async (b: ImportBatch): Promise<void> => {
    // Catalog first, so that no reader sees an interaction whose item is not there yet.
    await sink.upsertUsers(b.users);
    await sink.upsertItems(b.items);
    const r = await sink.appendInteractions(b.interactions);
    totals.users += b.users.length;
    totals.items += b.items.length;
    totals.inserted += r.inserted;
    totals.duplicates += r.duplicates;
    opts.onBatch?.(totals);
  };
  // `for await` accepts sync iterables too; the cast only helps the type checker see the element type.
  for await (const batch of batches as AsyncIterable<ImportBatch>) {
    if (failure !== undefined) break;
    const p: Promise<void> = write(batch).catch((err: unknown) => { failure ??= err instanceof Error ? err : new Error(String(err)); }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= (opts.concurrency ?? 2)) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  return totals;
}
