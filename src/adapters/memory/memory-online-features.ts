/**
 * @module adapters/memory/memory-online-features
 * The online feature store in process memory: the embedded default and the reference for the contract
 * suite. Same semantics as Redis: TTL from each row's event time, newer-wins writes, per-partition
 * compare-and-set with applied-event markers that expire after `eventDedupTtlMs`.
 */
import type {
  CommitOutcome, EntityKey, FeatureRow, FeatureWrite, OnlineFeatureReader, OnlineFeatureWriter, OnlineLookup, OnlineStateStore,
  PartitionCommit, PartitionLoad, PartitionState, VersionedRow,
} from '../../ports/features.ts';

export interface MemoryOnlineFeaturesOptions {
  /** UTC ms; decides expiry. Default Date.now. */
  clock?: () => number;
  /** How long an applied event id is remembered per partition (default 24 h). */
  eventDedupTtlMs?: number;
}

interface Stored {
  row: FeatureRow;
  expiresAt: number;
  version: number;
}

const DAY = 86_400_000;

export class MemoryOnlineFeatures implements OnlineFeatureReader, OnlineFeatureWriter, OnlineStateStore {
  /** view → entity key → row (two levels: a lookup builds no composite key). */
  private readonly rows = new ViewRows();
  private readonly markers = new Map<string, number>();
  private readonly clock: () => number;
  private readonly dedupTtlMs: number;
  private commitsSinceSweep = 0;

  constructor(opts: MemoryOnlineFeaturesOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.dedupTtlMs = opts.eventDedupTtlMs ?? DAY;
  }

  async read(lookups: readonly OnlineLookup[]): Promise<(FeatureRow | undefined)[][]> {
    const now = this.clock();
    return lookups.map(({ view, keys }) => {
      const byKey = this.rows.view(view);
      return keys.map((key) => {
        const s = byKey?.get(key);
        return s !== undefined && now <= s.expiresAt ? s.row : undefined;
      });
    });
  }

  async write(rows: readonly FeatureWrite[]): Promise<void> {
    const now = this.clock();
    for (const w of rows) {
      const s = this.rows.get(w.view, w.key);
      if (s !== undefined && now <= s.expiresAt && s.row.eventTs > w.eventTs) continue;
      if (now > w.eventTs + w.ttlMs) continue;
      this.rows.set(w.view, w.key, { row: copyRow(w), expiresAt: w.eventTs + w.ttlMs, version: (s?.version ?? 0) + 1 });
    }
  }

  async load(loads: readonly PartitionLoad[]): Promise<PartitionState[]> {
    const now = this.clock();
    return loads.map((l) => ({
      rows: l.rows.map(({ key, view }): VersionedRow => {
        const s = this.rows.get(view, key);
        return { version: s?.version ?? 0, row: s !== undefined && now <= s.expiresAt ? s.row : undefined };
      }),
      applied: new Set(l.eventIds.filter((e) => this.isApplied(l.partition, e, now))),
    }));
  }

  async commit(commits: readonly PartitionCommit[]): Promise<CommitOutcome[]> {
    const now = this.clock();
    if (++this.commitsSinceSweep >= 10_000) this.sweep(now);
    return commits.map((c) => {
      if (c.eventIds.some((e) => this.isApplied(c.partition, e, now))) return 'duplicate';
      if (c.rows.some((r) => (this.rows.get(r.view, r.key)?.version ?? 0) !== r.expectVersion)) return 'conflict';
      for (const r of c.rows) {
        this.rows.set(r.view, r.key, { row: copyRow(r), expiresAt: r.eventTs + r.ttlMs, version: r.expectVersion + 1 });
      }
      for (const e of c.eventIds) this.markers.set(markerKey(c.partition, e), now + this.dedupTtlMs);
      return 'committed';
    });
  }

  async close(): Promise<void> {}

  /** Rows and markers held (expired ones included until swept), for tests and memory checks. */
  get size(): { rows: number; markers: number } {
    return { rows: this.rows.size, markers: this.markers.size };
  }

  private isApplied(partition: EntityKey, eventId: string, now: number): boolean {
    const until = this.markers.get(markerKey(partition, eventId));
    return until !== undefined && now < until;
  }

  /** Drop expired markers and rows whose version nobody can still expect (long expired). */
  private sweep(now: number): void {
    this.commitsSinceSweep = 0;
    for (const [k, until] of this.markers) if (now >= until) this.markers.delete(k);
    this.rows.deleteWhere((s) => now > s.expiresAt + this.dedupTtlMs);
  }
}

/** Rows by view, then by entity key. */
class ViewRows {
  private readonly views = new Map<string, Map<EntityKey, Stored>>();
  private count = 0;
  view(view: string): ReadonlyMap<EntityKey, Stored> | undefined {
    return this.views.get(view);
  }
  get(view: string, key: EntityKey): Stored | undefined {
    return this.views.get(view)?.get(key);
  }
  set(view: string, key: EntityKey, s: Stored): void {
    let m = this.views.get(view);
    if (m === undefined) this.views.set(view, (m = new Map<EntityKey, Stored>()));
    if (!m.has(key)) this.count++;
    m.set(key, s);
  }
  deleteWhere(drop: (s: Stored) => boolean): void {
    for (const m of this.views.values()) for (const [k, s] of m) if (drop(s)) { m.delete(k); this.count--; }
  }
  get size(): number {
    return this.count;
  }
}

function markerKey(partition: EntityKey, eventId: string): string {
  return `${partition}\u0000${eventId}`;
}

function copyRow(r: FeatureRow): FeatureRow {
  return { eventTs: r.eventTs, values: { ...r.values } };
}
