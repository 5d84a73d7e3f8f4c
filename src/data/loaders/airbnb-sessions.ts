/**
 * @module data/loaders/airbnb-sessions
 * Airbnb sessions.csv rows have neither a timestamp nor an item, so they cannot be interactions; they are
 * summarised per user (action count, total seconds, top action types/actions/devices) into user attributes.
 */
import type { Attributes } from '../../domain/types.ts';
import type { LoaderContext } from '../import-types.ts';
import type { MultiFileProgress, Table } from './common.ts';
import { cell, columnsOf, guardRow, optionalNumber, optionalText, requireId, tableRows } from './common.ts';
import type { DelimitedRecord } from '../csv.ts';

/** Distinct keys kept per count map and user; later keys are counted under `(other)`. Bounds memory per user. */
const MAX_DISTINCT = 32;
const OTHER = '(other)';

interface Summary {
  actions: number;
  secs: number;
  types: Map<string, number>;
  names: Map<string, number>;
  devices: Map<string, number>;
}

function bump(counts: Map<string, number>, key: string | null): void {
  if (key === null) return;
  const k = counts.has(key) || counts.size < MAX_DISTINCT ? key : OTHER;
  counts.set(k, (counts.get(k) ?? 0) + 1);
}

/** The `n` largest counts as a plain object, largest first (ties by key, for stable output). */
function top(counts: Map<string, number>, n: number): Record<string, number> {
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
  return Object.fromEntries(sorted);
}

/** Per-user session summaries; memory is O(users × MAX_DISTINCT). */
export class SessionSummaries {
  private readonly byUser = new Map<string, Summary>();
  /** Session rows summarised. */
  rows = 0;

  add(userId: string, action: string | null, actionType: string | null, device: string | null, secs: number | null): void {
    let s = this.byUser.get(userId);
    if (s === undefined) {
      s = { actions: 0, secs: 0, types: new Map(), names: new Map(), devices: new Map() };
      this.byUser.set(userId, s);
    }
    s.actions++;
    s.secs += secs ?? 0;
    bump(s.types, actionType);
    bump(s.names, action);
    bump(s.devices, device);
    this.rows++;
  }

  /** The user's summary as attributes (removed from the pending set), or undefined when the user had no sessions. */
  take(userId: string): Attributes | undefined {
    const s = this.byUser.get(userId);
    if (s === undefined) return undefined;
    this.byUser.delete(userId);
    return toAttributes(s);
  }

  /** Users with sessions but not (yet) taken. */
  pendingUsers(): string[] {
    return [...this.byUser.keys()];
  }
}

function toAttributes(s: Summary): Attributes {
  return {
    actions: s.actions,
    secs_elapsed_total: s.secs,
    top_action_types: top(s.types, 5),
    top_actions: top(s.names, 5),
    devices: top(s.devices, 3),
  };
}

const COLUMNS = ['user_id', 'action', 'action_type', 'device_type', 'secs_elapsed'] as const;
interface Env { summaries: SessionSummaries; c: { readonly [P in (typeof COLUMNS)[number]]: number | undefined } }

function sessionRow(rec: DelimitedRecord, { summaries, c }: Env): void {
  const userId = requireId(cell(rec, c.user_id), 'user_id');
  const secs = optionalNumber(cell(rec, c.secs_elapsed), 'secs_elapsed');
  summaries.add(userId, optionalText(cell(rec, c.action)), optionalText(cell(rec, c.action_type)), optionalText(cell(rec, c.device_type)), secs);
}

/** Read session files into summaries; rows with an empty user_id or a bad secs_elapsed are rejects. */
export async function readSessions(tables: readonly Table[], ctx: LoaderContext, progress: MultiFileProgress): Promise<SessionSummaries> {
  const summaries = new SessionSummaries();
  for (const t of tables) {
    const env: Env = { summaries, c: columnsOf(t, COLUMNS) };
    for await (const batch of tableRows(t, ctx, progress.forFile(t.file))) {
      for (const rec of batch) guardRow(ctx, t, rec, sessionRow, env);
    }
  }
  return summaries;
}
