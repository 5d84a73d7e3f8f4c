/**
 * @module features/streaming
 * Streaming feature updates: interaction events are grouped by partition (a user with their user×item
 * rows; an item), folded into the stored rows with features/aggregations.ts, and committed with a
 * compare-and-set per partition that also marks the events applied. A redelivered event changes
 * nothing: it is dropped by a bounded in-memory set, then by the partition's markers in the store (which
 * are written atomically with the rows); a concurrent writer's commit makes ours retry from a fresh load.
 * Committed rows are appended to the offline store, so training sees the values serving saw.
 */
import type { Interaction, ItemId } from '../domain/types.ts';
import type { EntityKey, FeatureRow, OfflineFeatureRow, OfflineFeatureWriter, OnlineStateStore, PartitionCommit } from '../ports/features.ts';
import { DependencyError, ERROR_CODES } from '../errors.ts';
import { getEntity, type FeatureDefinitions, type ViewDef } from './definitions.ts';
import { keyFor, partitionOf } from './entity-key.ts';
import { applyEvent, type ItemAttributes } from './aggregations.ts';

/** Item attributes for a batch of item ids; unknown items are absent. */
export type ItemLookup = (itemIds: readonly ItemId[]) => Promise<ReadonlyMap<ItemId, ItemAttributes>>;

/**
 * What the offline history records. `as-served` (live): one row per committed row, createdTs = the
 * processing clock, so a training row at t sees exactly what the online store held at t. `replay`
 * (rebuilding history from an event log): one row per event, createdTs = eventTs.
 */
export type OfflineHistoryMode = 'as-served' | 'replay';

/** A bounded set of recently applied event ids; the oldest are forgotten first. */
export class RecentEventIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next();
      if (oldest.done !== true) this.ids.delete(oldest.value);
    }
  }
  get size(): number {
    return this.ids.size;
  }
}

interface PlannedRow {
  key: EntityKey;
  view: ViewDef;
  /** Events for this row, in (ts, eventId) order. */
  events: Interaction[];
}

/** The work on one partition. */
interface Unit {
  partition: EntityKey;
  rows: PlannedRow[];
  eventIds: string[];
}

const byTsThenId = (a: Interaction, b: Interaction): number => a.ts - b.ts || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);

/** Group events into per-partition units covering every stream view they touch. */
export function planUnits(defs: FeatureDefinitions, events: readonly Interaction[]): Unit[] {
  const streamViews = defs.views.filter((v) => v.source.type === 'stream').map((v) => ({ view: v, keys: getEntity(defs, v.entity).keys }));
  const units = new Map<EntityKey, { rows: Map<string, PlannedRow>; ids: Set<string> }>();
  for (const e of events) {
    for (const { view, keys } of streamViews) {
      const key = keyFor(keys, { user: e.userId, item: e.itemId });
      if (key === undefined) continue;
      const partition = partitionOf(key);
      let unit = units.get(partition);
      if (unit === undefined) units.set(partition, (unit = { rows: new Map(), ids: new Set() }));
      const rowId = `${view.name}\u0000${key}`;
      let row = unit.rows.get(rowId);
      if (row === undefined) unit.rows.set(rowId, (row = { key, view, events: [] }));
      row.events.push(e);
      unit.ids.add(e.eventId);
    }
  }
  return [...units].map(([partition, u]) => ({
    partition, eventIds: [...u.ids], rows: [...u.rows.values()].map((r) => ({ ...r, events: r.events.sort(byTsThenId) })),
  }));
}

export interface StreamWriterDeps {
  defs: FeatureDefinitions;
  state: OnlineStateStore;
  offline: OfflineFeatureWriter | undefined;
  itemLookup: ItemLookup;
  clock: () => number;
  offlineMode: OfflineHistoryMode;
  /** Load–fold–commit rounds before giving up on contended partitions (default 8). */
  maxAttempts?: number;
}

/** Outcome counts of one applyEvents call. */
export interface ApplyResult {
  /** Events new to every partition they touch. */
  applied: number;
  /** Events dropped as already applied (in memory or in the store). */
  duplicates: number;
  /** Partition commits that had to be retried after a concurrent write. */
  retries: number;
  /** Feature values written online (rows × features). */
  featureUpdates: number;
}

/** Fold the not-yet-applied events of a unit into its loaded rows: the commit and the history rows. */
function foldUnit(
  unit: Unit, loaded: Awaited<ReturnType<OnlineStateStore['load']>>[number], items: ReadonlyMap<ItemId, ItemAttributes>, deps: StreamWriterDeps, now: number,
): { commit: PartitionCommit; history: OfflineFeatureRow[]; features: number } | undefined {
  const eventIds = unit.eventIds.filter((id) => !loaded.applied.has(id));
  if (eventIds.length === 0) return undefined;
  const rows: PartitionCommit['rows'][number][] = [];
  const history: OfflineFeatureRow[] = [];
  let features = 0;
  unit.rows.forEach((r, j) => {
    const fresh = r.events.filter((e) => !loaded.applied.has(e.eventId));
    if (fresh.length === 0) return;
    let row: FeatureRow | undefined = loaded.rows[j]?.row;
    for (const e of fresh) {
      row = applyEvent(r.view, row, e, items.get(e.itemId));
      if (deps.offlineMode === 'replay') history.push({ key: r.key, view: r.view.name, ...row, createdTs: row.eventTs });
    }
    if (row === undefined) return;
    rows.push({ key: r.key, view: r.view.name, ...row, ttlMs: r.view.ttlMs, expectVersion: loaded.rows[j]?.version ?? 0 });
    if (deps.offlineMode === 'as-served') history.push({ key: r.key, view: r.view.name, ...row, createdTs: now });
    features += r.view.features.length;
  });
  return { commit: { partition: unit.partition, eventIds, rows }, history, features };
}

/** Apply events to the online state (awaited) and append the resulting rows to the offline history. */
export async function applyStreamEvents(deps: StreamWriterDeps, recent: RecentEventIds, events: readonly Interaction[]): Promise<ApplyResult> {
  const seen = new Set<string>();
  const fresh = events.filter((e) => !recent.has(e.eventId) && !seen.has(e.eventId) && seen.add(e.eventId));
  const result: ApplyResult = { applied: 0, duplicates: events.length - fresh.length, retries: 0, featureUpdates: 0 };
  if (fresh.length === 0) return result;
  const items = await deps.itemLookup([...new Set(fresh.map((e) => e.itemId))]);
  const appliedIds = new Set<string>();
  const history: OfflineFeatureRow[] = [];
  let pending = planUnits(deps.defs, fresh);
  const maxAttempts = deps.maxAttempts ?? 8;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt >= maxAttempts) {
      throw new DependencyError(ERROR_CODES.STORE_UNAVAILABLE, `feature store: ${pending.length} partitions still contended after ${maxAttempts} attempts (first: ${pending[0]?.partition})`);
    }
    const loaded = await deps.state.load(pending.map((u) => ({ partition: u.partition, eventIds: u.eventIds, rows: u.rows.map((r) => ({ key: r.key, view: r.view.name })) })));
    const now = deps.clock();
    const folded = pending.map((u, i) => foldUnit(u, loaded[i]!, items, deps, now));
    const todo = pending.flatMap((u, i) => (folded[i] === undefined ? [] : [{ unit: u, f: folded[i] }]));
    const outcomes = await deps.state.commit(todo.map((t) => t.f.commit));
    const retry: Unit[] = [];
    todo.forEach((t, i) => {
      if (outcomes[i] !== 'committed') { retry.push(t.unit); return; }
      for (const id of t.f.commit.eventIds) appliedIds.add(id);
      history.push(...t.f.history);
      result.featureUpdates += t.f.features;
    });
    result.retries += retry.length;
    pending = retry;
  }
  for (const e of fresh) recent.add(e.eventId);
  result.applied = appliedIds.size;
  result.duplicates += fresh.length - appliedIds.size;
  if (deps.offline !== undefined && history.length > 0) await deps.offline.append(history);
  return result;
}
