/**
 * @module features/testing
 * Test and bench support for the feature store: a manual clock, a seeded event stream over a small
 * catalogue, an item lookup over a record, and a temporary folder for the offline store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventType, Interaction } from '../domain/types.ts';
import { createRng } from '../util/rng.ts';
import type { ItemAttributes } from './aggregations.ts';
import type { ItemLookup } from './streaming.ts';

/** A clock tests move by hand. */
export interface ManualClock {
  (): number;
  set(ms: number): void;
}

export function manualClock(start: number): ManualClock {
  let now = start;
  const clock = (() => now) as ManualClock;
  clock.set = (ms: number) => { now = ms; };
  return clock;
}

/** An ItemLookup over a fixed record. */
export function recordLookup(items: Readonly<Record<string, ItemAttributes>>): ItemLookup {
  return async (ids) => new Map(ids.flatMap((id) => (items[id] === undefined ? [] : [[id, items[id]] as const])));
}

/** Seeded catalogue attributes for items `h0`…`h(n−1)`. */
export function syntheticItems(n: number, seed = 1): Record<string, ItemAttributes> {
  const rng = createRng(seed);
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`h${i}`, { price: rng.next() < 0.1 ? null : 40 + Math.round(rng.next() * 500), stars: 1 + rng.int(5) }]));
}

const TYPES: readonly EventType[] = ['search', 'impression', 'impression', 'impression', 'click', 'click', 'booking', 'rating'];

/**
 * A seeded event stream: `count` events by `users` users on `items` items, in time order from `start`,
 * spaced `gapMs` apart on average (integer ms, distinct ids `<idPrefix><n>`).
 */
export function syntheticEvents(opts: { count: number; users: number; items: number; start: number; gapMs: number; seed?: number; idPrefix?: string }): Interaction[] {
  const rng = createRng(opts.seed ?? 1);
  let ts = opts.start;
  return Array.from({ length: opts.count }, (_, i) => {
    ts += 1 + Math.floor(rng.next() * 2 * opts.gapMs);
    return {
      eventId: `${opts.idPrefix ?? 'e'}${i}`, userId: `u${rng.int(opts.users)}`, itemId: `h${rng.int(opts.items)}`,
      type: TYPES[rng.int(TYPES.length)]!, value: null, ts, sessionId: null, context: {},
    };
  });
}

/** A temporary folder, removed by the returned function. */
export async function tempDir(name: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `wf-${name}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
