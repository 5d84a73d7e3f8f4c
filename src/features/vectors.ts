/**
 * @module features/vectors
 * The one code path from stored rows to feature values, shared by serving (readForRanking) and training
 * (getHistoricalFeatures): plan a feature service into per-view lookups, derive each view's entity key
 * from the request's or label's ids, project the row at the read time and lay the values out in the
 * service's column order.
 */
import type { EntityKey, FeatureRef, FeatureRow, FeatureValue, FeatureValues } from '../ports/features.ts';
import { getEntity, getService, getView, splitRef, type FeatureDefinitions, type ValueType, type ViewDef } from './definitions.ts';
import { keyFor } from './entity-key.ts';
import { projectRow } from './aggregations.ts';

/** One view of a service: where its features go in the row. */
export interface PlannedView {
  readonly view: ViewDef;
  /** The view's entity key components, e.g. ['user', 'item']. */
  readonly keyNames: readonly string[];
  /** (feature name, column index) pairs. */
  readonly columns: readonly { readonly feature: string; readonly index: number }[];
  /** Whether values depend on the read time (stream aggregations); batch values are used as stored. */
  readonly timeDependent: boolean;
  /** Copies the view's values into a row at their columns (null when absent); compiled from `columns`. */
  readonly place: (values: FeatureValues, out: (FeatureValue | null)[]) => void;
}

export interface ServicePlan {
  readonly service: string;
  /** Column order of every row and vector. */
  readonly refs: readonly FeatureRef[];
  readonly types: readonly ValueType[];
  readonly views: readonly PlannedView[];
}

/** Plan a feature service: which views to read and where each value goes. */
export function planService(defs: FeatureDefinitions, service: string): ServicePlan {
  const s = getService(defs, service);
  const byView = new Map<string, { feature: string; index: number }[]>();
  const types: ValueType[] = [];
  s.features.forEach((ref, index) => {
    const { view, feature } = splitRef(ref);
    const f = getView(defs, view).features.find((x) => x.name === feature);
    types.push(f?.type ?? 'float');
    const list = byView.get(view) ?? [];
    list.push({ feature, index });
    byView.set(view, list);
  });
  const views = [...byView].map(([name, columns]) => {
    const view = getView(defs, name);
    return {
      view, keyNames: getEntity(defs, view.entity).keys, columns, timeDependent: view.features.some((f) => f.agg !== undefined), place: compilePlace(columns),
    };
  });
  return { service, refs: s.features, types, views };
}

/** Ids a row is made of: `user`, `item` and context components such as `destination`. */
export type EntityIds = Readonly<Record<string, string | undefined>>;

/** The key of a planned view for these ids; undefined when a component is missing (the values are null). */
export function viewKey(pv: PlannedView, ids: EntityIds): EntityKey | undefined {
  return keyFor(pv.keyNames, ids);
}

/** A view row's feature values as of t: projected for stream views, as stored for batch views. */
export function valuesAt(pv: PlannedView, row: FeatureRow, t: number): FeatureValues {
  return pv.timeDependent ? projectRow(pv.view, row, t) : row.values;
}

/**
 * A function that copies each column's feature from a values object into a row. Compiled (names as JSON
 * literals), so each load is a named property access with its own inline cache: a ranking request places
 * 500 candidates × 20 values, and a loop of computed loads `values[name]` goes megamorphic.
 * Measured with bench/features.ts (readForRanking, 500 × 20): see the features README.
 */
function compilePlace(columns: readonly { readonly feature: string; readonly index: number }[]): PlannedView['place'] {
  const own = 'Object.prototype.hasOwnProperty';
  const body = columns.map(({ feature, index }) => {
    const name = JSON.stringify(feature);
    const read = feature === '__proto__' ? `(${own}.call(v, ${name}) ? v[${name}] : undefined)` : `v[${name}]`;
    return `x = ${read}; o[${index}] = x === undefined ? null : x;`;
  }).join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- names are JSON literals, indices integers
  return new Function('v', 'o', `let x;\n${body}`) as PlannedView['place'];
}

/** One row of values (a training label): each planned view's row (undefined = absent) as of t, in column order. */
export function assembleRow(plan: ServicePlan, rowOf: (viewIndex: number) => FeatureRow | undefined, t: number): (FeatureValue | null)[] {
  const out = new Array<FeatureValue | null>(plan.refs.length).fill(null);
  plan.views.forEach((pv, vi) => {
    const row = rowOf(vi);
    if (row !== undefined) pv.place(valuesAt(pv, row, t), out);
  });
  return out;
}

/**
 * The rows of n candidates read at t: keysOf[vi][i] is candidate i's key for view vi (undefined: no
 * value); rowsOf[vi] the rows read for view vi, in lookup order: position i for candidate i of a view keyed
 * by item (posOf[i] when the lookup listed repeated items once), position 0 for a view without the item,
 * whose row is projected once. Projection is the same valuesAt as training rows'.
 */
export function assembleCandidates(
  plan: ServicePlan, keysOf: readonly (readonly (EntityKey | undefined)[])[], rowsOf: readonly (readonly (FeatureRow | undefined)[])[], n: number, t: number,
  posOf?: Int32Array,
): (FeatureValue | null)[][] {
  const empty = new Array<FeatureValue | null>(plan.refs.length).fill(null);
  const out = Array.from({ length: n }, () => empty.slice());
  plan.views.forEach((pv, vi) => {
    const keys = keysOf[vi] ?? [];
    const rows = rowsOf[vi];
    if (rows === undefined) return;
    // A view without the item in its key has one row for every candidate: projected once.
    const perItem = pv.keyNames.includes('item');
    let shared: FeatureValues | null | undefined;
    for (let i = 0; i < n; i++) {
      if (keys[i] === undefined) continue;
      let values: FeatureValues | null;
      if (perItem) {
        const row = rows[posOf === undefined ? i : posOf[i]!];
        values = row === undefined ? null : valuesAt(pv, row, t);
      } else {
        if (shared === undefined) { const row = rows[0]; shared = row === undefined ? null : valuesAt(pv, row, t); }
        values = shared;
      }
      if (values !== null) pv.place(values, out[i]!);
    }
  });
  return out;
}

/** Feature vectors of a ranking request. */
export interface FeatureVectors {
  /** Column refs (`view:feature`), the feature service's order. */
  readonly columns: readonly FeatureRef[];
  readonly types: readonly ValueType[];
  /** Candidates in request order. */
  readonly itemIds: readonly string[];
  /** values[i][j]: candidate i, column j; null when the row is missing or expired. */
  readonly values: readonly (readonly (FeatureValue | null)[])[];
  /** UTC ms the values are computed as of (the clock at read time). */
  readonly asOf: number;
}

/**
 * A row-major numeric matrix for models: numbers as they are, null → NaN; a string → its index in
 * `categories[ref]` (NaN when unlisted); a string_list → 1 when it contains the row's item id, else 0
 * ("was this candidate viewed/booked recently"); a float_list → NaN (embeddings need their own columns).
 */
export function toNumericMatrix(
  columns: readonly FeatureRef[], types: readonly ValueType[], itemIds: readonly string[], values: readonly (readonly (FeatureValue | null)[])[],
  categories: Readonly<Record<FeatureRef, readonly string[]>> = {},
): Float32Array {
  const m = new Float32Array(values.length * columns.length);
  values.forEach((row, i) => {
    row.forEach((v, j) => {
      const type = types[j];
      let x = Number.NaN;
      if (typeof v === 'number') x = v;
      else if (type === 'string' && typeof v === 'string') { const k = categories[columns[j]!]?.indexOf(v) ?? -1; x = k < 0 ? Number.NaN : k; }
      else if (type === 'string_list') x = Array.isArray(v) && (v as readonly string[]).includes(itemIds[i] ?? '') ? 1 : 0;
      m[i * columns.length + j] = x;
    });
  });
  return m;
}
