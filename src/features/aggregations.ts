/**
 * @module features/aggregations
 * The stream aggregations, as two pure functions shared by serving and training: `applyEvent` folds one
 * interaction into a view's stored row, and `projectRow` turns a stored row into feature values as of
 * any time t (windows slide, counts decay). Online reads project at the clock, offline rows at the label.
 */
import type { Interaction } from '../domain/types.ts';
import type { FeatureRow, FeatureValue, FeatureValues } from '../ports/features.ts';
import type { Aggregation, FeatureDef, ViewDef } from './definitions.ts';

/** The item attributes stream features need (null when unknown). */
export interface ItemAttributes {
  readonly price: number | null;
  readonly stars: number | null;
}

type Values = Record<string, FeatureValue>;
type Agg<K extends Aggregation['kind']> = Extract<Aggregation, { kind: K }>;

const num = (v: FeatureValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
const nums = (v: FeatureValue | undefined): readonly number[] => (Array.isArray(v) ? (v as readonly number[]) : []);
const strs = (v: FeatureValue | undefined): readonly string[] => (Array.isArray(v) ? (v as readonly string[]) : []);
const matches = (events: readonly string[] | undefined, e: Interaction): boolean => events === undefined || events.includes(e.type);

function bucketMsOf(a: Agg<'window_count'>): number {
  return a.bucketMs ?? Math.max(1, Math.floor(a.windowMs / 12));
}

/** Events in the window ending at t, from [bucket, count, …] pairs (ascending buckets). */
function windowSum(a: Agg<'window_count'>, pairs: readonly number[], t: number): number {
  const b = bucketMsOf(a);
  let sum = 0;
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const start = pairs[i]! * b;
    if (start + b > t - a.windowMs && start <= t) sum += pairs[i + 1]!;
  }
  return sum;
}

function foldWindow(f: FeatureDef, a: Agg<'window_count'>, v: Values, e: Interaction, newTs: number): void {
  const b = bucketMsOf(a);
  const stateKey = `_b_${f.name}`;
  const cur = nums(v[stateKey]);
  // Buckets that left the window at the row's time can never count again: drop them.
  let keepFrom = 0;
  while (keepFrom < cur.length && (cur[keepFrom]! + 1) * b <= newTs - a.windowMs) keepFrom += 2;
  const match = matches(a.events, e);
  if (!match && keepFrom === 0) {
    // State unchanged (most events are of another type): share the stored array, no copy.
    v[stateKey] = cur;
    v[f.name] = windowSum(a, cur, newTs);
    return;
  }
  const pairs = cur.slice(keepFrom);
  if (match) {
    const bucket = Math.floor(e.ts / b);
    let i = 0;
    while (i < pairs.length && pairs[i]! < bucket) i += 2;
    if (pairs[i] === bucket) pairs[i + 1] = pairs[i + 1]! + 1;
    else if ((bucket + 1) * b > newTs - a.windowMs) pairs.splice(i, 0, bucket, 1);
  }
  v[stateKey] = pairs;
  v[f.name] = windowSum(a, pairs, newTs);
}

function foldDecay(f: FeatureDef, a: Agg<'decayed_count'>, v: Values, e: Interaction, prevTs: number, newTs: number): void {
  let x = (num(v[f.name]) ?? 0) * 2 ** (-(newTs - prevTs) / a.halfLifeMs);
  if (matches(a.events, e)) x += 2 ** (-(newTs - e.ts) / a.halfLifeMs);
  v[f.name] = x;
}

function ratioOf(a: Agg<'ratio'>, v: FeatureValues): number | undefined {
  const n = num(v[a.numerator]);
  const d = num(v[a.denominator]);
  if (n === undefined || d === undefined || d + a.priorWeight <= 0) return undefined;
  return (n + a.priorWeight * a.priorMean) / (d + a.priorWeight);
}

function foldLastItems(f: FeatureDef, a: Agg<'last_items'>, v: Values, e: Interaction): void {
  if (!matches(a.events, e)) return;
  const items = [...strs(v[f.name])];
  const times = [...nums(v[`_t_${f.name}`])];
  const at = items.indexOf(e.itemId);
  if (at >= 0 && times[at]! >= e.ts) return; // already there with a newer event
  if (at >= 0) { items.splice(at, 1); times.splice(at, 1); }
  let i = 0;
  while (i < times.length && times[i]! > e.ts) i++;
  items.splice(i, 0, e.itemId);
  times.splice(i, 0, e.ts);
  v[f.name] = items.slice(0, a.n);
  v[`_t_${f.name}`] = times.slice(0, a.n);
}

function foldMean(f: FeatureDef, a: Agg<'mean_attribute'>, v: Values, e: Interaction, item: ItemAttributes | undefined): void {
  const w = a.weights[e.type];
  const x = item?.[a.attribute];
  if (w === undefined || x === null || x === undefined) return;
  const wSum = num(v[`_w_${f.name}`]) ?? 0;
  v[f.name] = ((num(v[f.name]) ?? 0) * wSum + x * w) / (wSum + w);
  v[`_w_${f.name}`] = wSum + w;
}

function bandOf(a: Agg<'band'>, v: FeatureValues): number | undefined {
  const x = num(v[a.of]);
  return x === undefined ? undefined : a.edges.filter((edge) => edge <= x).length;
}

function foldLastEvent(f: FeatureDef, a: Agg<'last_event'>, v: Values, e: Interaction): void {
  const at = num(v[`_at_${f.name}`]);
  if (!matches(a.events, e) || (at !== undefined && at > e.ts)) return;
  v[f.name] = a.field === 'ts' ? e.ts : e.type;
  v[`_at_${f.name}`] = e.ts;
}

function setOrDelete(v: Values, key: string, x: number | undefined): void {
  if (x === undefined) delete v[key];
  else v[key] = x;
}

/**
 * The view's row after one more event. Events may arrive out of order: the row's time is the latest
 * event time seen, and an older event is folded in at its own time (decayed, bucketed, ordered).
 */
export function applyEvent(view: ViewDef, prev: FeatureRow | undefined, e: Interaction, item: ItemAttributes | undefined): FeatureRow {
  const v: Values = { ...prev?.values };
  const prevTs = prev?.eventTs ?? e.ts;
  const newTs = Math.max(prevTs, e.ts);
  for (const f of view.features) {
    const a = f.agg;
    switch (a?.kind) {
      case 'window_count': foldWindow(f, a, v, e, newTs); break;
      case 'decayed_count': foldDecay(f, a, v, e, prevTs, newTs); break;
      case 'ratio': setOrDelete(v, f.name, ratioOf(a, v)); break;
      case 'last_items': foldLastItems(f, a, v, e); break;
      case 'mean_attribute': foldMean(f, a, v, e, item); break;
      case 'band': setOrDelete(v, f.name, bandOf(a, v)); break;
      case 'last_event': foldLastEvent(f, a, v, e); break;
      case undefined: break;
    }
  }
  return { eventTs: newTs, values: v };
}

/**
 * The view's feature values as of time t (state fields dropped): window counts over (t − window, t],
 * decayed counts aged to t, ratios and bands recomputed from them. Batch views pass through.
 */
export function projectRow(view: ViewDef, row: FeatureRow, t: number): FeatureValues {
  const out: Values = {};
  const age = Math.max(0, t - row.eventTs);
  for (const f of view.features) {
    const a = f.agg;
    const stored = row.values[f.name];
    switch (a?.kind) {
      case 'window_count': out[f.name] = windowSum(a, nums(row.values[`_b_${f.name}`]), t); break;
      case 'decayed_count': if (stored !== undefined) out[f.name] = (num(stored) ?? 0) * 2 ** (-age / a.halfLifeMs); break;
      case 'ratio': setOrDelete(out, f.name, ratioOf(a, out)); break;
      case 'band': setOrDelete(out, f.name, bandOf(a, out)); break;
      default: if (stored !== undefined) out[f.name] = stored;
    }
  }
  return out;
}
