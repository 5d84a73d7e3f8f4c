/**
 * @module data/loaders/testing
 * Test support for loaders: run one to completion in memory and collect everything it produced.
 * Also the canonical locations of the fixture and genuine-sample folders.
 */
import path from 'node:path';
import type { Interaction, Item, User } from '../../domain/types.ts';
import { RejectLog } from '../import-types.ts';
import type { DatasetLoader, RejectedRow } from '../import-types.ts';

/** test/fixtures/datasets in this repository. */
export const FIXTURES_DIR = path.resolve(import.meta.dirname, '../../..', 'test/fixtures/datasets');
/** Genuine dataset samples shared next to the repository (/work/shared/datasets); may be absent. */
export const SHARED_DATASETS_DIR = path.resolve(import.meta.dirname, '../../..', '../shared/datasets');

export interface Collected {
  users: User[];
  items: Item[];
  interactions: Interaction[];
  rejects: RejectedRow[];
  rejectCount: number;
  notices: string[];
  /** Sizes (users + items + interactions) of each yielded batch. */
  batchSizes: number[];
  progress: [number, number][];
}

/** Run `loader` over `target` and collect its output (small inputs only). */
export async function collect<O>(loader: DatasetLoader<O>, target: string, options: O, batchSize = 5000): Promise<Collected> {
  const rejects = new RejectLog(10_000);
  const out: Collected = {
    users: [], items: [], interactions: [], rejects: rejects.kept, rejectCount: 0, notices: [], batchSizes: [], progress: [],
  };
  const ctx = {
    rejects, batchSize,
    notice: (m: string) => out.notices.push(m),
    onProgress: (read: number, total: number) => out.progress.push([read, total]),
  };
  for await (const b of loader.read(target, options, ctx)) {
    out.users.push(...b.users);
    out.items.push(...b.items);
    out.interactions.push(...b.interactions);
    out.batchSizes.push(b.users.length + b.items.length + b.interactions.length);
  }
  out.rejectCount = rejects.count;
  return out;
}

/** Rejects as `file:line reason` strings, sorted by file then line, for compact assertions. */
export function rejectLines(c: Collected): string[] {
  return [...c.rejects]
    .sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1))
    .map((r) => `${r.file}:${r.line} ${r.reason}`);
}

/** Ids occurring more than once (each id should be emitted once per import). */
export function duplicateIds(records: readonly { id: string }[]): string[] {
  const seen = new Set<string>();
  return records.filter((r) => (seen.has(r.id) ? true : (seen.add(r.id), false))).map((r) => r.id);
}
