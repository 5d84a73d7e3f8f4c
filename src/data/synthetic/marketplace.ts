/**
 * @module data/synthetic/marketplace
 * `generateMarketplace`: a seeded synthetic travel marketplace streamed as import batches (users,
 * then items, then interactions), plus blocks and the hidden truth that generated it.
 */
import type { Block, Interaction } from '../../domain/types.ts';
import { InvalidInputError } from '../../errors.ts';
import { createRng, deriveSeed } from '../../util/rng.ts';
import type { ImportBatch } from '../import-types.ts';
import { cityRecord, generateBlocks, hotelNameSeed, hotelRecord, userRecord } from './records.ts';
import { createSessionSimulator } from './sessions.ts';
import type { HiddenTruth } from './truth.ts';
import { buildWorld, type World } from './world.ts';

export interface MarketplaceOptions {
  /** Number of users (`u0` … `u<users-1>`), ≥ 1. */
  users: number;
  /** Number of hotels (`h0` …), ≥ 1. City items (`c0` …, about max(50, items/60)) come on top. */
  items: number;
  /** Exact number of interactions, ≥ 0. */
  events: number;
  /** Integer seed; the same seed and options give byte-identical output. */
  seed: number;
  /** Start of the simulated period, UTC ms (default 2026-01-01T00:00:00Z). */
  startTs?: number;
  /** Length of the simulated period in days (default 180). */
  days?: number;
  /** Records per yielded batch (default 5,000). */
  batchSize?: number;
  /** Dimension of the hidden latent tastes (default 12). */
  latentDim?: number;
}

/** Sizes of what the batches will hold. */
export interface MarketplaceStats {
  users: number;
  hotels: number;
  cities: number;
  events: number;
  blocks: number;
}

/**
 * Batches that can be iterated synchronously or with `for await`. Every iteration regenerates
 * the same stream from the seed; memory stays bounded by one batch plus the world's typed arrays.
 */
export type MarketplaceBatches = Iterable<ImportBatch> & AsyncIterable<ImportBatch>;

export interface Marketplace {
  /**
   * Users first, then city items, then hotel items, then interactions in session order (session
   * starts are non-decreasing in time). Interactions of one session share one `sessionId`; event
   * ids are `syn:<seed>:<n>` with n counting from 0. Values: impression and click → 1-based
   * position in the shown list; booking → total price (nightly price × nights × rooms); search → null.
   */
  batches: MarketplaceBatches;
  /** ~2 % of hotels blocked for everyone, plus a few hotels hidden by ~1 % of users. */
  blocks: Block[];
  /** The oracle: latent tastes and preferences behind the events. */
  truth: HiddenTruth;
  stats: MarketplaceStats;
}

export const DEFAULT_START_TS = Date.UTC(2026, 0, 1);
export const DEFAULT_DAYS = 180;
export const DEFAULT_BATCH_SIZE = 5000;
export const DEFAULT_LATENT_DIM = 12;

function requireInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidInputError(`synthetic marketplace: ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

function validate(o: MarketplaceOptions): Required<MarketplaceOptions> {
  const full = {
    startTs: DEFAULT_START_TS, days: DEFAULT_DAYS, batchSize: DEFAULT_BATCH_SIZE, latentDim: DEFAULT_LATENT_DIM, ...o,
  };
  requireInt('users', full.users, 1, 100_000_000);
  requireInt('items', full.items, 1, 100_000_000);
  requireInt('events', full.events, 0);
  requireInt('seed', full.seed, Number.MIN_SAFE_INTEGER);
  requireInt('startTs', full.startTs, 0);
  requireInt('batchSize', full.batchSize, 1);
  requireInt('latentDim', full.latentDim, 1, 256);
  if (!(full.days > 0 && full.days <= 3660)) {
    throw new InvalidInputError(`synthetic marketplace: days must be in (0, 3660], got ${full.days}`);
  }
  return full;
}

function* recordBatches<T>(count: number, batchSize: number, make: (i: number) => T, wrap: (rows: T[]) => ImportBatch): Generator<ImportBatch> {
  for (let lo = 0; lo < count; lo += batchSize) {
    const rows: T[] = [];
    for (let i = lo; i < Math.min(count, lo + batchSize); i++) rows.push(make(i));
    yield wrap(rows);
  }
}

function* interactionBatches(world: World, total: number, batchSize: number): Generator<ImportBatch> {
  const seed = world.options.seed;
  const sim = createSessionSimulator(world, createRng(deriveSeed(seed, 'events')));
  const session: Interaction[] = [];
  let batch: Interaction[] = [];
  let emitted = 0;
  while (emitted < total) {
    session.length = 0;
    // Sessions start where the traffic curve says this share of all events has happened.
    sim.run(world.timeline.at(emitted / total), session);
    const take = Math.min(session.length, total - emitted);
    for (let i = 0; i < take; i++) {
      const ev = session[i]!;
      ev.eventId = `syn:${seed}:${emitted++}`;
      batch.push(ev);
      if (batch.length >= batchSize) {
        yield { users: [], items: [], interactions: batch };
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield { users: [], items: [], interactions: batch };
}

function* allBatches(world: World, events: number, batchSize: number): Generator<ImportBatch> {
  const nameSeed = hotelNameSeed(world.options.seed);
  yield* recordBatches(world.users.count, batchSize, (u) => userRecord(world, u), (users) => ({ users, items: [], interactions: [] }));
  yield* recordBatches(world.cities.count, batchSize, (c) => cityRecord(world, c), (items) => ({ users: [], items, interactions: [] }));
  yield* recordBatches(world.hotels.count, batchSize, (h) => hotelRecord(world, h, nameSeed), (items) => ({ users: [], items, interactions: [] }));
  yield* interactionBatches(world, events, batchSize);
}

/**
 * Build a synthetic marketplace. The world (catalogue, users, truth, blocks) is built now;
 * interactions are simulated lazily as `batches` is iterated.
 */
export function generateMarketplace(options: MarketplaceOptions): Marketplace {
  const o = validate(options);
  const world = buildWorld({ users: o.users, items: o.items, seed: o.seed, startTs: o.startTs, days: o.days, dim: o.latentDim });
  const blocks = generateBlocks(world);
  const make = (): Generator<ImportBatch> => allBatches(world, o.events, o.batchSize);
  const batches: MarketplaceBatches = {
    [Symbol.iterator]: make,
    [Symbol.asyncIterator]: async function* () {
      for (const batch of make()) yield await Promise.resolve(batch);
    },
  };
  return {
    batches,
    blocks,
    truth: world.truth,
    stats: { users: o.users, hotels: o.items, cities: world.cities.count, events: o.events, blocks: blocks.length },
  };
}
