/**
 * @module ports/store
 * The canonical store of users, items, interactions and blocks (PostgreSQL, or PGlite embedded).
 * Readers are split from writers; all timestamps are UTC epoch ms.
 */
import type { Block, EventType, Interaction, Item, User, UserId, ItemId } from '../domain/types.ts';

/** Outcome of an append: duplicates are events whose `eventId` was already stored (a no-op). */
export interface AppendResult {
  inserted: number;
  duplicates: number;
  /** Ids of the newly stored events, when asked for with `returnInsertedIds`. */
  insertedIds?: ReadonlySet<string>;
}

export interface CatalogWriter {
  /** Insert or update users. On conflict, non-null incoming fields win and attributes are merged. */
  upsertUsers(users: readonly User[]): Promise<void>;
  /** Insert or update items. On conflict, non-null incoming fields win and attributes are merged. */
  upsertItems(items: readonly Item[]): Promise<void>;
}

export interface InteractionWriter {
  /** Append interactions in one transaction; events whose id already exists are skipped (idempotent). */
  appendInteractions(events: readonly Interaction[], opts?: { returnInsertedIds?: boolean }): Promise<AppendResult>;
}

export interface BlockWriter {
  /** Add blocks (idempotent). A null userId blocks the item for everyone. */
  addBlocks(blocks: readonly Block[]): Promise<void>;
  removeBlocks(blocks: readonly Pick<Block, 'itemId' | 'userId'>[]): Promise<void>;
}

export interface ScanOptions {
  /** Inclusive lower bound on ts (UTC ms). */
  fromTs?: number;
  /** Exclusive upper bound on ts (UTC ms). */
  toTs?: number;
  /** Only these event types; all when absent. */
  types?: readonly EventType[];
  /** Rows per yielded batch (default 10,000). */
  batchSize?: number;
}

export interface InteractionReader {
  /** All matching interactions ordered by (ts, eventId), in batches; memory stays bounded. */
  scanInteractions(opts?: ScanOptions): AsyncIterable<Interaction[]>;
  /** Oldest and newest interaction timestamps (UTC ms), or null when there are none. */
  timeRange(): Promise<{ minTs: number; maxTs: number } | null>;
  /** A user's most recent interactions, newest first. */
  userHistory(userId: UserId, limit: number): Promise<Interaction[]>;
}

export interface CatalogReader {
  getUsers(ids: readonly UserId[]): Promise<User[]>;
  getItems(ids: readonly ItemId[]): Promise<Item[]>;
  /** All items ordered by id, in batches. */
  scanItems(batchSize?: number): AsyncIterable<Item[]>;
  /** All users ordered by id, in batches. */
  scanUsers(batchSize?: number): AsyncIterable<User[]>;
  listBlocks(): Promise<Block[]>;
}

export interface StoreCounts {
  users: number;
  items: number;
  interactions: number;
  blocks: number;
}

/** The whole store, as the composition root and the CLI see it. */
export interface Store extends CatalogWriter, InteractionWriter, BlockWriter, InteractionReader, CatalogReader {
  /** Apply pending migrations (idempotent). */
  migrate(): Promise<void>;
  counts(): Promise<StoreCounts>;
  /** Schema version after migrations. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}
