/**
 * @module features/historical
 * Training rows: for each label (entity key, time), the feature service's values as of that time, read
 * point-in-time from the offline store and projected with the same code as online feature vectors.
 */
import type { EntityKey, FeatureRef, FeatureRow, FeatureValue, OfflineFeatureReader } from '../ports/features.ts';
import type { FeatureDefinitions, ValueType } from './definitions.ts';
import { parseEntityKey } from './entity-key.ts';
import { assembleRow, planService, viewKey, type EntityIds } from './vectors.ts';

/** A label: the entity it is about (e.g. `user=u1|item=h7`), its time, and optional context ids. */
export interface LabelRow {
  readonly entityKey: EntityKey;
  /** UTC ms; features are read as of this time (strictly before it, see point-in-time.ts). */
  readonly ts: number;
  /** Ids of context entities, e.g. { destination: 'paris' }. */
  readonly context?: Readonly<Record<string, string>>;
}

export interface HistoricalFeatures {
  /** Column refs, the feature service's order. */
  readonly columns: readonly FeatureRef[];
  readonly types: readonly ValueType[];
  /** One row per label, in label order; null where no value was visible. */
  readonly rows: readonly { readonly entityKey: EntityKey; readonly ts: number; readonly values: (FeatureValue | null)[] }[];
}

/** The ids a label provides: its key's components, then its context. */
export function labelIds(label: LabelRow): EntityIds {
  return { ...label.context, ...Object.fromEntries(parseEntityKey(label.entityKey)) };
}

/** Point-in-time correct feature rows for labels; one offline query per view of the service. */
export async function getHistoricalFeatures(
  offline: OfflineFeatureReader, defs: FeatureDefinitions, labels: readonly LabelRow[], service: string,
): Promise<HistoricalFeatures> {
  const plan = planService(defs, service);
  const ids = labels.map(labelIds);
  const found: (FeatureRow | undefined)[][] = [];
  for (const pv of plan.views) {
    const keys = ids.map((x) => viewKey(pv, x));
    const at: number[] = [];
    const probes: { key: EntityKey; ts: number }[] = [];
    for (let i = 0; i < labels.length; i++) {
      const key = keys[i];
      if (key === undefined) continue;
      at.push(i);
      probes.push({ key, ts: labels[i]!.ts });
    }
    const rows = probes.length === 0 ? [] : await offline.readAsOf(pv.view.name, probes, pv.view.ttlMs);
    const perLabel = new Array<FeatureRow | undefined>(labels.length);
    at.forEach((li, j) => { perLabel[li] = rows[j]; });
    found.push(perLabel);
  }
  return {
    columns: plan.refs,
    types: plan.types,
    rows: labels.map((l, i) => ({ entityKey: l.entityKey, ts: l.ts, values: assembleRow(plan, (vi) => found[vi]?.[i], l.ts) })),
  };
}
