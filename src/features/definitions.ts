/**
 * @module features/definitions
 * Feature definitions, validated with zod: entities, feature views (entity, typed features, TTL, batch
 * or stream source; stream features declare their aggregation) and feature services (lists of
 * `view:feature` refs). Definitions are plain JSON, so the registry can hash and store them.
 */
import { z } from 'zod';
import { EVENT_TYPES } from '../domain/types.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { FeatureRef } from '../ports/features.ts';

const name = z.string().regex(/^[a-z][a-z0-9_]*$/, 'names are lower-case identifiers (a-z, 0-9, _)');
const posInt = z.number().int().positive();
const eventTypes = z.array(z.enum(EVENT_TYPES)).min(1);

export const VALUE_TYPES = ['float', 'int', 'string', 'float_list', 'string_list'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** How a stream feature is computed from interaction events. */
export const aggregationSchema = z.discriminatedUnion('kind', [
  /** Events of these types in the sliding window (now − windowMs, now], counted in buckets of bucketMs (default windowMs / 12; the oldest bucket counts whole). */
  z.object({ kind: z.literal('window_count'), events: eventTypes, windowMs: posInt, bucketMs: posInt.optional() }),
  /** Exponentially decayed count of these events: each weighs 2^(−age / halfLifeMs) at read time. */
  z.object({ kind: z.literal('decayed_count'), events: eventTypes, halfLifeMs: posInt }),
  /** (numerator + priorWeight · priorMean) / (denominator + priorWeight), both features of the same view, listed earlier. */
  z.object({ kind: z.literal('ratio'), numerator: name, denominator: name, priorWeight: z.number().min(0).default(1), priorMean: z.number().min(0).default(0) }),
  /** The last n distinct items of these events, newest first. */
  z.object({ kind: z.literal('last_items'), events: eventTypes, n: z.number().int().min(1).max(200) }),
  /** Weighted mean of an item attribute over the user's events; items without the attribute are skipped. */
  z.object({ kind: z.literal('mean_attribute'), attribute: z.enum(['price', 'stars']), weights: z.partialRecord(z.enum(EVENT_TYPES), z.number().positive()) }),
  /** Index of the band the feature `of` (same view, listed earlier) falls in: the number of ascending `edges` ≤ it. */
  z.object({ kind: z.literal('band'), of: name, edges: z.array(z.number()).min(1) }),
  /** Type or timestamp of the latest event (of these types, default all). */
  z.object({ kind: z.literal('last_event'), field: z.enum(['type', 'ts']), events: eventTypes.optional() }),
]);
export type Aggregation = z.output<typeof aggregationSchema>;

const OUTPUT_TYPE: Readonly<Record<Aggregation['kind'], ValueType | ((a: Aggregation) => ValueType)>> = {
  window_count: 'int', decayed_count: 'float', ratio: 'float', last_items: 'string_list', mean_attribute: 'float', band: 'int',
  last_event: (a) => (a.kind === 'last_event' && a.field === 'ts' ? 'int' : 'string'),
};

/** The value type an aggregation produces. */
export function outputTypeOf(agg: Aggregation): ValueType {
  const t = OUTPUT_TYPE[agg.kind];
  return typeof t === 'function' ? t(agg) : t;
}

export const entitySchema = z.object({
  name,
  description: z.string().default(''),
  /** Key component names in key order: `['user']`, `['user', 'item']`, `['destination']`. */
  keys: z.array(name).min(1),
});

export const featureSchema = z.object({
  name,
  type: z.enum(VALUE_TYPES),
  description: z.string().default(''),
  /** Required for stream views, forbidden for batch views. */
  agg: aggregationSchema.optional(),
});

export const sourceSchema = z.discriminatedUnion('type', [
  /** Computed from interaction events as they arrive (features/streaming.ts). */
  z.object({ type: z.literal('stream') }),
  /**
   * A DuckDB query, or a Parquet path (glob), producing one column per entity key component, `event_ts`
   * (UTC ms, BIGINT) and one column per feature; ingested into the offline store, then materialised.
   */
  z.object({ type: z.literal('batch'), query: z.string().min(1).optional(), path: z.string().min(1).optional() })
    .refine((s) => (s.query === undefined) !== (s.path === undefined), 'a batch source has exactly one of query or path'),
]);

export const viewSchema = z.object({
  name,
  entity: name,
  description: z.string().default(''),
  /** A row is absent once (now − its event time) > ttlMs, online and offline alike. */
  ttlMs: posInt,
  source: sourceSchema,
  features: z.array(featureSchema).min(1),
});

export const serviceSchema = z.object({
  name,
  description: z.string().default(''),
  /** `view:feature` refs; their order is the column order of training rows and feature vectors. */
  features: z.array(z.string()).min(1),
});

export const definitionsSchema = z.object({
  entities: z.array(entitySchema).min(1),
  views: z.array(viewSchema),
  services: z.array(serviceSchema),
}).superRefine(checkReferences);

export type EntityDef = z.output<typeof entitySchema>;
export type FeatureDef = z.output<typeof featureSchema>;
export type ViewDef = z.output<typeof viewSchema>;
export type ServiceDef = z.output<typeof serviceSchema>;
export type FeatureDefinitions = z.output<typeof definitionsSchema>;
export type FeatureDefinitionsInput = z.input<typeof definitionsSchema>;

type Ctx = z.RefinementCtx;

function unique(ctx: Ctx, what: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) ctx.addIssue({ code: 'custom', message: `duplicate ${what} '${n}'` });
    seen.add(n);
  }
}

function checkStreamFeature(ctx: Ctx, view: ViewDef, f: FeatureDef, earlier: ReadonlySet<string>): void {
  const where = `view '${view.name}' feature '${f.name}'`;
  if (f.agg === undefined) { ctx.addIssue({ code: 'custom', message: `${where}: stream features need an agg` }); return; }
  if (outputTypeOf(f.agg) !== f.type) ctx.addIssue({ code: 'custom', message: `${where}: ${f.agg.kind} produces ${outputTypeOf(f.agg)}, not ${f.type}` });
  const inputs = f.agg.kind === 'ratio' ? [f.agg.numerator, f.agg.denominator] : f.agg.kind === 'band' ? [f.agg.of] : [];
  for (const input of inputs) {
    if (!earlier.has(input)) ctx.addIssue({ code: 'custom', message: `${where}: input '${input}' must be a feature listed earlier in the view` });
  }
}

function checkReferences(defs: { entities: EntityDef[]; views: ViewDef[]; services: ServiceDef[] }, ctx: Ctx): void {
  unique(ctx, 'entity', defs.entities.map((e) => e.name));
  unique(ctx, 'view', defs.views.map((v) => v.name));
  unique(ctx, 'service', defs.services.map((s) => s.name));
  const entities = new Map(defs.entities.map((e) => [e.name, e]));
  for (const view of defs.views) {
    unique(ctx, `feature of view '${view.name}'`, view.features.map((f) => f.name));
    const entity = entities.get(view.entity);
    if (entity === undefined) { ctx.addIssue({ code: 'custom', message: `view '${view.name}': unknown entity '${view.entity}'` }); continue; }
    if (view.source.type === 'batch') {
      for (const f of view.features) {
        if (f.agg !== undefined) ctx.addIssue({ code: 'custom', message: `view '${view.name}' feature '${f.name}': batch features take no agg` });
      }
      continue;
    }
    if (!entity.keys.every((k) => k === 'user' || k === 'item')) {
      ctx.addIssue({ code: 'custom', message: `stream view '${view.name}': entity '${entity.name}' must be keyed by user and/or item` });
    }
    const earlier = new Set<string>();
    for (const f of view.features) { checkStreamFeature(ctx, view, f, earlier); earlier.add(f.name); }
  }
  const views = new Map(defs.views.map((v) => [v.name, v]));
  for (const s of defs.services) {
    unique(ctx, `feature of service '${s.name}'`, s.features);
    for (const ref of s.features) {
      const [v, f] = ref.split(':');
      if (f === undefined || !views.get(v ?? '')?.features.some((x) => x.name === f)) ctx.addIssue({ code: 'custom', message: `service '${s.name}': unknown feature '${ref}'` });
    }
  }
}

/** Validate definitions; throws InvalidInputError naming every problem. The result is deeply frozen. */
export function defineFeatures(spec: unknown): FeatureDefinitions {
  const parsed = definitionsSchema.safeParse(spec);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`);
    throw new InvalidInputError(`invalid feature definitions:\n  ${lines.join('\n  ')}`, parsed.error);
  }
  return deepFreeze(parsed.data);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function getView(defs: FeatureDefinitions, view: string): ViewDef {
  const v = defs.views.find((x) => x.name === view);
  if (v === undefined) throw new NotFoundError(`no feature view '${view}'`);
  return v;
}

export function getEntity(defs: FeatureDefinitions, entity: string): EntityDef {
  const e = defs.entities.find((x) => x.name === entity);
  if (e === undefined) throw new NotFoundError(`no entity '${entity}'`);
  return e;
}

export function getService(defs: FeatureDefinitions, service: string): ServiceDef {
  const s = defs.services.find((x) => x.name === service);
  if (s === undefined) throw new NotFoundError(`no feature service '${service}'`);
  return s;
}

/** Split `view:feature`. */
export function splitRef(ref: FeatureRef): { view: string; feature: string } {
  const i = ref.indexOf(':');
  if (i < 1) throw new InvalidInputError(`bad feature ref '${ref}' (expected view:feature)`);
  return { view: ref.slice(0, i), feature: ref.slice(i + 1) };
}

/** A stored field: a feature, or the hidden state a stream feature keeps to be computed at any time. */
export interface FieldDef {
  readonly name: string;
  readonly type: ValueType;
}

/** The `_`-prefixed state fields a stream feature stores next to its value. */
export function stateFieldsOf(f: FeatureDef): FieldDef[] {
  switch (f.agg?.kind) {
    case 'window_count': return [{ name: `_b_${f.name}`, type: 'float_list' }];
    case 'last_items': return [{ name: `_t_${f.name}`, type: 'float_list' }];
    case 'mean_attribute': return [{ name: `_w_${f.name}`, type: 'float' }];
    case 'last_event': return [{ name: `_at_${f.name}`, type: 'float' }];
    default: return [];
  }
}

/** Every stored field of a view, features first, in definition order. */
export function storedFieldsOf(view: ViewDef): FieldDef[] {
  return [...view.features.map((f) => ({ name: f.name, type: f.type })), ...view.features.flatMap(stateFieldsOf)];
}
