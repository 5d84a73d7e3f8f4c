/**
 * @module ports/features
 * The feature store's ports: the online store (reader, writer and the atomic state store that
 * streaming aggregation needs) and the offline store (append-only history with point-in-time reads).
 * Wire formats (Redis keys, Parquet columns) stay inside the adapters. Timestamps are UTC epoch ms.
 */

/**
 * An encoded entity key: `name=id` components joined by `|` in the entity's key order, e.g.
 * `user=u1`, `item=h7`, `user=u1|item=h7`, `destination=paris` (see features/entity-key.ts).
 * The first component is the key's partition: rows that share it are stored together.
 */
export type EntityKey = string;

/** A feature reference, `view:feature`, as listed in feature services. */
export type FeatureRef = string;

/** A feature value: float and int are numbers; lists keep their order. */
export type FeatureValue = number | string | readonly number[] | readonly string[];

/** Field name → value. A field that is absent has no value (never null-filled). */
export type FeatureValues = Readonly<Record<string, FeatureValue>>;

/** The stored values of one feature view for one entity. */
export interface FeatureRow {
  /** UTC ms of the latest observation the values reflect (the row's event time). */
  readonly eventTs: number;
  /** Every stored field of the view: its features and, for stream views, their `_`-prefixed state. */
  readonly values: FeatureValues;
}

/** One view's rows for some entities, read together with the other lookups of a request. */
export interface OnlineLookup {
  readonly view: string;
  readonly keys: readonly EntityKey[];
}

/** A row to store online. */
export interface FeatureWrite extends FeatureRow {
  readonly key: EntityKey;
  readonly view: string;
  /** The row is absent (expired) once now − eventTs > ttlMs. */
  readonly ttlMs: number;
}

/** Online feature lookup for serving. */
export interface OnlineFeatureReader {
  /**
   * The rows of every lookup, in one batch: one round trip on Redis for a whole ranking request.
   * Result[i][j] is the row of lookups[i].keys[j] (positions, not a map: a ranking request reads 500 rows
   * per view, and maps would cost an insert and a lookup each), or undefined when the key has no row or
   * its row expired (now − eventTs > its ttlMs, "now" from the adapter's clock).
   */
  read(lookups: readonly OnlineLookup[]): Promise<(FeatureRow | undefined)[][]>;
}

/** Online feature upserts (materialisation, batch loads). */
export interface OnlineFeatureWriter {
  /**
   * Store whole rows: a row replaces every field of its (key, view). A row older than the stored one
   * (smaller eventTs) is ignored, so replays and late materialisation never overwrite fresher values;
   * an equal eventTs replaces (a correction). Rows already expired are not stored.
   */
  write(rows: readonly FeatureWrite[]): Promise<void>;
  /** Release connections; idempotent. */
  close(): Promise<void>;
}

/** A row's version for compare-and-set: 0 when there is no row. Expired rows keep their version. */
export interface VersionedRow {
  readonly version: number;
  /** The row, or undefined when missing or expired. */
  readonly row: FeatureRow | undefined;
}

/** What a stream processor needs before updating one partition. */
export interface PartitionLoad {
  /** The partition (first key component) shared by every key in `rows`. */
  readonly partition: EntityKey;
  readonly rows: readonly { readonly key: EntityKey; readonly view: string }[];
  /** Event ids whose application to this partition should be checked. */
  readonly eventIds: readonly string[];
}

export interface PartitionState {
  /** Aligned with PartitionLoad.rows. */
  readonly rows: readonly VersionedRow[];
  /** The subset of the asked event ids already applied to this partition (within the dedup TTL). */
  readonly applied: ReadonlySet<string>;
}

/** An atomic, idempotent update of one partition. */
export interface PartitionCommit {
  readonly partition: EntityKey;
  /** Marked as applied to the partition when the commit succeeds. */
  readonly eventIds: readonly string[];
  /** New rows; each commits only if its stored version still equals `expectVersion`. */
  readonly rows: readonly (FeatureWrite & { readonly expectVersion: number })[];
}

/**
 * `committed`: rows written (versions + 1) and event ids marked; `conflict`: a version moved since the
 * load; `duplicate`: an event id was already applied. Both failures change nothing: reload and retry.
 */
export type CommitOutcome = 'committed' | 'conflict' | 'duplicate';

/**
 * Read-modify-write of streaming aggregation state, atomic per partition (one Redis slot), so that
 * concurrent processors never lose an update and a redelivered event is never applied twice.
 */
export interface OnlineStateStore {
  /** Current rows with their versions, and which event ids each partition already applied. One round trip. */
  load(loads: readonly PartitionLoad[]): Promise<PartitionState[]>;
  /** Each commit is all-or-nothing; outcomes are aligned with `commits`. One round trip. */
  commit(commits: readonly PartitionCommit[]): Promise<CommitOutcome[]>;
}

/** A row of the offline history. */
export interface OfflineFeatureRow extends FeatureRow {
  readonly key: EntityKey;
  readonly view: string;
  /**
   * UTC ms at which the value became known. Live writers use the processing clock; a correction is a
   * new row with the same eventTs and a later createdTs; a deterministic replay of history may set
   * createdTs = eventTs (the value was computable then).
   */
  readonly createdTs: number;
}

/** A point-in-time lookup: the row of `key` visible at `ts`. */
export interface AsOfProbe {
  readonly key: EntityKey;
  readonly ts: number;
}

/** Append-only offline history. */
export interface OfflineFeatureWriter {
  /** Append rows (buffered; reads flush first). History is never rewritten. */
  append(rows: readonly OfflineFeatureRow[]): Promise<void>;
  /** Make buffered rows durable. */
  flush(): Promise<void>;
  /** Flush and release resources; idempotent. */
  close(): Promise<void>;
}

/** Point-in-time reads and incremental scans of the offline history. */
export interface OfflineFeatureReader {
  /**
   * For each probe, the row visible at probe.ts under the point-in-time rule of features/point-in-time.ts:
   * among rows with eventTs < ts and createdTs < ts, the greatest (eventTs, createdTs, write order);
   * undefined when there is none or when ts − its eventTs > ttlMs. Aligned with `probes`.
   */
  readAsOf(view: string, probes: readonly AsOfProbe[], ttlMs: number): Promise<(FeatureRow | undefined)[]>;
  /** The view's immutable segments (files), in write order. */
  listSegments(view: string): Promise<string[]>;
  /**
   * The latest row per key (greatest eventTs, createdTs, write order) among the rows of `segments`
   * with start ≤ eventTs < end, in batches of at most `batchSize` rows.
   */
  scanLatest(view: string, segments: readonly string[], range: { start: number; end: number }, batchSize?: number): AsyncIterable<OfflineFeatureRow[]>;
}
