/**
 * @module features/describe
 * Text output for `wayfarer features list|describe`: a table of every feature, and the details of one
 * view, service or `view:feature`. Pure: returns strings, the CLI prints them.
 */
import { NotFoundError } from '../errors.ts';
import type { Aggregation, FeatureDefinitions, ViewDef } from './definitions.ts';

function duration(ms: number): string {
  const units = [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]] as const;
  for (const [unit, size] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

function describeAgg(a: Aggregation | undefined): string {
  switch (a?.kind) {
    case undefined: return 'batch column';
    case 'window_count': return `count of ${a.events.join('|')} over a sliding ${duration(a.windowMs)}`;
    case 'decayed_count': return `count of ${a.events.join('|')}, half-life ${duration(a.halfLifeMs)}`;
    case 'ratio': return `(${a.numerator} + ${a.priorWeight}·${a.priorMean}) / (${a.denominator} + ${a.priorWeight})`;
    case 'last_items': return `last ${a.n} items of ${a.events.join('|')}`;
    case 'mean_attribute': return `weighted mean item ${a.attribute} (${Object.entries(a.weights).map(([t, w]) => `${t}×${w}`).join(', ')})`;
    case 'band': return `band of ${a.of} at [${a.edges.join(', ')}]`;
    case 'last_event': return `${a.field} of the last ${a.events?.join('|') ?? 'event'}`;
  }
}

function sourceOf(v: ViewDef): string {
  if (v.source.type === 'stream') return 'stream';
  return v.source.path !== undefined ? `batch ${v.source.path}` : 'batch query';
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

/** One line per feature: ref, type, entity, TTL, source. */
export function listFeatures(defs: FeatureDefinitions): string {
  const rows = [['FEATURE', 'TYPE', 'ENTITY', 'TTL', 'SOURCE']];
  for (const v of defs.views) {
    for (const f of v.features) rows.push([`${v.name}:${f.name}`, f.type, v.entity, duration(v.ttlMs), sourceOf(v)]);
  }
  const services = defs.services.map((s) => `${s.name} (${s.features.length} features)`).join(', ');
  return `${table(rows)}\n\n${defs.views.length} views, ${rows.length - 1} features; services: ${services || 'none'}`;
}

function describeView(defs: FeatureDefinitions, v: ViewDef): string {
  const entity = defs.entities.find((e) => e.name === v.entity);
  const head = [
    `view ${v.name}${v.description ? ` — ${v.description}` : ''}`,
    `entity: ${v.entity} (key: ${entity?.keys.join(', ') ?? '?'})`,
    `ttl: ${duration(v.ttlMs)}`,
    `source: ${v.source.type === 'batch' ? (v.source.path ?? v.source.query ?? '') : 'interaction events'}`,
  ];
  const rows = [['FEATURE', 'TYPE', 'COMPUTED AS'], ...v.features.map((f) => [f.name, f.type, describeAgg(f.agg)])];
  return `${head.join('\n')}\n\n${table(rows)}`;
}

/** Details of a view, a service or one `view:feature`; throws NotFoundError for an unknown name. */
export function describeFeatures(defs: FeatureDefinitions, name: string): string {
  const view = defs.views.find((v) => v.name === name);
  if (view !== undefined) return describeView(defs, view);
  const service = defs.services.find((s) => s.name === name);
  if (service !== undefined) {
    return `service ${service.name}${service.description ? ` — ${service.description}` : ''}\n${service.features.map((r, i) => `  ${i + 1}. ${r}`).join('\n')}`;
  }
  const [viewName, featureName] = name.split(':');
  const v = defs.views.find((x) => x.name === viewName);
  const f = v?.features.find((x) => x.name === featureName);
  if (v === undefined || f === undefined) throw new NotFoundError(`no feature view, service or feature named '${name}'`);
  const usedBy = defs.services.filter((s) => s.features.includes(name)).map((s) => s.name);
  return [
    `feature ${name} (${f.type})${f.description ? ` — ${f.description}` : ''}`,
    `entity: ${v.entity}; ttl: ${duration(v.ttlMs)}; source: ${sourceOf(v)}`,
    `computed as: ${describeAgg(f.agg)}`,
    `used by: ${usedBy.join(', ') || 'no service'}`,
  ].join('\n');
}
