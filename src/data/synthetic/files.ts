/**
 * @module data/synthetic/files
 * Streams a generated marketplace to CSV files (users, items, interactions, blocks; header row,
 * attributes/context as a JSON column) plus the hidden truth, with bounded memory and backpressure.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import type { Attributes, Block, Interaction, Item, User } from '../../domain/types.ts';
import type { Marketplace } from './marketplace.ts';
import { saveTruth } from './truth-io.ts';

export const USERS_HEADER = 'id,home_country,device,attributes';
export const ITEMS_HEADER = 'id,kind,name,city,country,lat,lon,price,stars,review_score,chain,status,available,attributes';
export const INTERACTIONS_HEADER = 'event_id,user_id,item_id,type,value,ts,session_id,context';
export const BLOCKS_HEADER = 'item_id,user_id,reason';
const CHUNK_BYTES = 1 << 20;

export interface WriteFilesOptions {
  /** Also write the hidden truth to `<dir>/truth` (default true). */
  truth?: boolean;
  /** Called after each batch with the records written so far. */
  onProgress?: (written: WrittenCounts) => void;
}

/** Records written per file (ts is UTC epoch ms; empty cells are nulls). */
export interface WrittenCounts {
  users: number;
  items: number;
  interactions: number;
  blocks: number;
}

/** One CSV cell: null → empty; text quoted when it holds a comma, quote or line break. */
export function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  if (typeof v !== 'string') return String(v);
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** A JSON column: always quoted (JSON objects contain quotes). */
function jsonCell(v: unknown): string {
  return `"${JSON.stringify(v).replaceAll('"', '""')}"`;
}

/** True when `a` and `b` have the same keys in the same order with equal primitive values. */
function sameFlat(a: Attributes, b: Attributes): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    const v = a[k];
    if (k !== kb[i] || v !== b[k] || (typeof v === 'object' && v !== null)) return false;
  }
  return true;
}

/**
 * A JSON-cell encoder with a one-entry memo: consecutive events of a session carry equal flat
 * contexts, so their escaped JSON is computed once.
 */
export function createJsonCells(): (v: Attributes) => string {
  let last: Attributes | null = null;
  let cell = '';
  return (v) => {
    if (last === null || !sameFlat(v, last)) cell = jsonCell(v);
    last = v;
    return cell;
  };
}

/** CSV line (with trailing newline) for a user. */
export function userLine(u: User): string {
  return `${csvCell(u.id)},${csvCell(u.homeCountry)},${csvCell(u.device)},${jsonCell(u.attributes)}\n`;
}

/** CSV line (with trailing newline) for an item. */
export function itemLine(i: Item): string {
  return [
    i.id, i.kind, i.name, i.city, i.country, i.lat, i.lon, i.price, i.stars, i.reviewScore, i.chain, i.status, i.available,
  ].map(csvCell).join(',') + ',' + jsonCell(i.attributes) + '\n';
}

/** CSV line (with trailing newline) for an interaction; `json` encodes the context column. */
export function interactionLine(e: Interaction, json: (v: Attributes) => string = jsonCell): string {
  return `${csvCell(e.eventId)},${csvCell(e.userId)},${csvCell(e.itemId)},${e.type},${csvCell(e.value)},${e.ts},` +
    `${csvCell(e.sessionId)},${json(e.context)}\n`;
}

/** CSV line (with trailing newline) for a block. */
export function blockLine(b: Block): string {
  return `${csvCell(b.itemId)},${csvCell(b.userId)},${csvCell(b.reason)}\n`;
}

class CsvSink {
  /** First error the stream emitted, if any (kept so that it is never an unhandled 'error'). */
  failure: Error | undefined = undefined;

  constructor(private readonly stream: WriteStream) {}

  async write(chunks: readonly Buffer[]): Promise<void> {
    for (const chunk of chunks) {
      if (this.failure !== undefined) throw this.failure;
      if (!this.stream.write(chunk)) await once(this.stream, 'drain');
    }
  }

  async close(): Promise<void> {
    this.stream.end();
    await finished(this.stream);
    if (this.failure !== undefined) throw this.failure;
  }

  destroy(): void {
    this.stream.destroy();
  }
}

function openSink(file: string, header: string): CsvSink {
  const stream = createWriteStream(file);
  const sink = new CsvSink(stream);
  stream.on('error', (err) => {
    sink.failure ??= err;
  });
  stream.write(header + '\n');
  return sink;
}

/** Encode `rows` as UTF-8 CSV lines into as few buffers as possible (each ≥ 1 MiB unless last). */
function lines<T>(rows: readonly T[], line: (row: T) => string): Buffer[] {
  const out: Buffer[] = [];
  if (rows.length === 0) return out;
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  for (const r of rows) {
    const text = line(r);
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    if (used + text.length * 3 > buf.length) {
      if (used > 0) out.push(buf.subarray(0, used));
      buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, text.length * 3));
      used = 0;
    }
    used += buf.write(text, used);
  }
  if (used > 0) out.push(buf.subarray(0, used));
  return out;
}

/**
 * Write `users.csv`, `items.csv`, `interactions.csv` and `blocks.csv` (and `truth/`) into `dir`,
 * creating it if needed. One batch is in memory at a time. Resolves with the record counts.
 */
export async function writeMarketplaceFiles(market: Marketplace, dir: string, options: WriteFilesOptions = {}): Promise<WrittenCounts> {
  await mkdir(dir, { recursive: true });
  const names = ['users', 'items', 'interactions', 'blocks'] as const;
  const headers = [USERS_HEADER, ITEMS_HEADER, INTERACTIONS_HEADER, BLOCKS_HEADER];
  const [users, items, events, blocks] = names.map((n, k) => openSink(path.join(dir, `${n}.csv`), headers[k]!)) as [CsvSink, CsvSink, CsvSink, CsvSink];
  const counts: WrittenCounts = { users: 0, items: 0, interactions: 0, blocks: 0 };
  const contextCell = createJsonCells();
  try {
    for (const batch of market.batches) {
      await users.write(lines(batch.users, userLine));
      await items.write(lines(batch.items, itemLine));
      await events.write(lines(batch.interactions, (e) => interactionLine(e, contextCell)));
      counts.users += batch.users.length;
      counts.items += batch.items.length;
      counts.interactions += batch.interactions.length;
      options.onProgress?.({ ...counts });
    }
    await blocks.write(lines(market.blocks, blockLine));
    counts.blocks = market.blocks.length;
    for (const sink of [users, items, events, blocks]) await sink.close();
  } catch (err) {
    for (const sink of [users, items, events, blocks]) sink.destroy();
    throw err;
  }
  if (options.truth ?? true) await saveTruth(market.truth, path.join(dir, 'truth'));
  return counts;
}
