/**
 * @module training/evaluate
 * Offline evaluation on any imported data: hold out the last part of time (or a random part of
 * the events), train the baselines on the rest, then score each source's list and the merged
 * serving list against each sampled user's held-out items. Streams the store: memory grows with
 * the sampled users, not with the event count.
 */
import type { Interaction, ItemId, UserId } from '../domain/types.ts';
import type { Store } from '../ports/store.ts';
import { InvalidInputError } from '../errors.ts';
import { Engine, type EngineModels } from '../pipeline/engine.ts';
import { ServingCatalog } from '../pipeline/catalog.ts';
import { FilterState } from '../pipeline/filter/filter-state.ts';
import { RecentActivity } from '../pipeline/recent-activity.ts';
import { MetricsAccumulator, hashUnit, type MetricsReport } from './metrics.ts';
import { trainBaselines } from './train-baselines.ts';

export interface EvalOptions {
  split: 'time' | 'random';
  /** Share held out: the last `fraction` of the time range, or of the events at random. */
  fraction: number;
  ks: number[];
  /** At most this many test users are scored (a hash sample; 0 = all). */
  maxUsers: number;
  seed: number;
  /** Pass the destination and dates of the user's first held-out event as request context. */
  useContext: boolean;
  onProgress?: (phase: string, n: number) => void;
}

export interface EvalReport {
  split: string;
  cutoffTs: number | null;
  trainEvents: number;
  testEvents: number;
  /** Source name (and 'merged') → metrics. */
  bySource: Record<string, MetricsReport>;
  notes: string[];
}

const INTEREST = new Set(['click', 'booking', 'rating']);
const SOURCES = ['popular', 'covisitation'] as const;

interface TestUser { relevant: Set<ItemId>; seen: Set<ItemId>; destination?: string; checkin?: string }

export async function evaluate(store: Store, o: EvalOptions): Promise<EvalReport> {
  if (!(o.fraction > 0 && o.fraction < 1)) throw new InvalidInputError(`eval: the held-out fraction must be in (0, 1), got ${o.fraction}`);
  const range = await store.timeRange();
  if (range === null) throw new InvalidInputError('eval: the store holds no interactions; import or generate data first');
  const cutoff = o.split === 'time' ? range.maxTs - o.fraction * (range.maxTs - range.minTs) : null;
  const isTest = (e: Interaction): boolean => (cutoff === null ? hashUnit(e.eventId, o.seed) < o.fraction : e.ts >= cutoff);
  const { users, testEvents } = await collectTestUsers(store, cutoff, isTest, o);
  const trainOnly = async function* (): AsyncIterable<Interaction[]> {
    for await (const batch of store.scanInteractions(cutoff === null ? {} : { toTs: cutoff })) yield batch.filter((e) => !isTest(e));
  };
  const trained = await trainBaselines({ items: () => store.scanItems(), users: () => store.scanUsers(), interactions: trainOnly }, (n) => o.onProgress?.('train', n));
  const built = await evalEngine(store, trained, trainOnly, users, cutoff ?? range.maxTs);
  return { bySource: await score(built, users, o), split: o.split, cutoffTs: cutoff, trainEvents: trained.trainedOn.interactions, testEvents, notes: trained.notes };
}

/** Held-out interest items per user, then a reproducible sample of at most `maxUsers` users. */
async function collectTestUsers(store: Store, cutoff: number | null, isTest: (e: Interaction) => boolean, o: EvalOptions): Promise<{ users: Map<UserId, TestUser>; testEvents: number }> {
  const all = new Map<UserId, TestUser>();
  let testEvents = 0;
  for await (const batch of store.scanInteractions(cutoff === null ? {} : { fromTs: cutoff })) {
    for (const e of batch) {
      if (!isTest(e)) continue;
      testEvents++;
      let u = all.get(e.userId);
      if (u === undefined) all.set(e.userId, (u = { relevant: new Set(), seen: new Set() }));
      if (INTEREST.has(e.type)) u.relevant.add(e.itemId);
      if (o.useContext && u.destination === undefined && typeof e.context['destination'] === 'string') {
        u.destination = e.context['destination'];
        if (typeof e.context['checkin'] === 'string') u.checkin = e.context['checkin'];
      }
    }
    o.onProgress?.('test', testEvents);
  }
  for (const [id, u] of all) if (u.relevant.size === 0) all.delete(id);
  if (o.maxUsers === 0 || all.size <= o.maxUsers) return { users: all, testEvents };
  const chosen = [...all.keys()].sort((a, b) => hashUnit(a, o.seed) - hashUnit(b, o.seed)).slice(0, o.maxUsers);
  return { users: new Map(chosen.map((id) => [id, all.get(id) as TestUser])), testEvents };
}

/** Serving state as of the cut-off: catalog, blocks, train bookings and recent activity. */
async function evalEngine(store: Store, trained: Awaited<ReturnType<typeof trainBaselines>>, train: () => AsyncIterable<Interaction[]>,
  users: Map<UserId, TestUser>, now: number): Promise<{ engine: Engine; catalogSize: number }> {
  const catalog = new ServingCatalog();
  const filters = new FilterState();
  const recent = new RecentActivity();
  let catalogSize = 0;
  for await (const items of store.scanItems()) {
    catalog.addItems(items);
    filters.loadItems(items);
    catalogSize += items.filter((i) => i.kind !== 'city' && i.status === 'active').length;
  }
  for await (const us of store.scanUsers()) catalog.addUsers(us);
  filters.loadBlocks(await store.listBlocks());
  for await (const batch of train()) {
    for (const e of batch) {
      if (e.type === 'booking') filters.onEvent(e);
      recent.add(e);
      const u = users.get(e.userId);
      if (u !== undefined && e.type !== 'search') u.seen.add(e.itemId);
    }
  }
  const models: EngineModels = { version: 'eval', popularity: trained.popularity, covisitation: trained.covisitation };
  const engine = new Engine({ store, clock: () => now, recordServedAsShown: false }, models, { catalog, filters, recent });
  return { engine, catalogSize };
}

async function score({ engine, catalogSize }: { engine: Engine; catalogSize: number }, users: Map<UserId, TestUser>, o: EvalOptions): Promise<Record<string, MetricsReport>> {
  const k = Math.max(...o.ks);
  const acc = new Map<string, MetricsAccumulator>();
  const add = (name: string, list: readonly ItemId[], relevant: ReadonlySet<ItemId>): void => {
    let a = acc.get(name);
    if (a === undefined) acc.set(name, (a = new MetricsAccumulator(o.ks, catalogSize)));
    a.add(list, relevant);
  };
  let n = 0;
  for (const [userId, u] of users) {
    // Relevant = items new to the user; what the user already interacted with is excluded from the lists too.
    const relevant = new Set([...u.relevant].filter((i) => !u.seen.has(i)));
    const input = { userId, k, exclude: [...u.seen], destination: u.destination, checkin: u.checkin };
    const bySource = engine.recommendBySource(input);
    // A source with nothing to say for this user (no recent items for co-visitation) scores an empty list.
    for (const source of SOURCES) add(source, bySource[source] ?? [], relevant);
    add('merged', (await engine.recommend(input)).items.map((i) => i.itemId), relevant);
    if (++n % 500 === 0) o.onProgress?.('score', n);
  }
  return Object.fromEntries([...acc].map(([name, a]) => [name, a.result()]));
}
