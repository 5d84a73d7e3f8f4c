/**
 * @module data/import-types
 * What every dataset loader produces: batches of canonical records, and a rejects log of bad rows.
 * Loaders never write to a store and never throw on a bad row; they count it and go on.
 */
import type { Interaction, Item, User } from '../domain/types.ts';

/** One batch of records read from a dataset; any part may be empty. */
export interface ImportBatch {
  users: User[];
  items: Item[];
  interactions: Interaction[];
}

export interface RejectedRow {
  /** File name (basename) the row came from. */
  file: string;
  /** 1-based physical line number in that file (the header is line 1 when present). */
  line: number;
  /** What was wrong, naming the column or value: "bad date in column checkin: '31/13/2016'". */
  reason: string;
}

/** Collects bad rows: all are counted; the first `keep` are kept for the report; each goes to `onReject` if set. */
export class RejectLog {
  readonly kept: RejectedRow[] = [];
  count = 0;
  constructor(
    private readonly keep = 1000,
    private readonly onReject?: (row: RejectedRow, raw: string) => void,
  ) {}

  add(row: RejectedRow, raw = ''): void {
    this.count++;
    if (this.kept.length < this.keep) this.kept.push(row);
    this.onReject?.(row, raw);
  }
}

export interface LoaderContext {
  rejects: RejectLog;
  /** Records per yielded batch (default 5,000). */
  batchSize: number;
  /** Called with bytes read so far and total bytes, for progress bars. */
  onProgress?: (readBytes: number, totalBytes: number) => void;
  /** Things skipped for the whole dataset (e.g. "no context columns"), said once, not per row. */
  notice?: (message: string) => void;
}

export interface DatasetLoader<Options = Record<string, unknown>> {
  readonly name: string;
  /** Read `path` (a file or a folder, as the loader documents) into batches of canonical records. */
  read(path: string, options: Options, ctx: LoaderContext): AsyncIterable<ImportBatch>;
}
