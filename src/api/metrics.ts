/**
 * @module api/metrics
 * Prometheus metrics of the API and the serving pipeline, on an injected registry (no globals).
 * Names follow recsys_<stage>_<what>_<unit>.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServingMetrics {
  registry: Registry;
  httpLatency: Histogram<'route' | 'method' | 'status'>;
  stageLatency: Histogram<'stage'>;
  candidatesPerSource: Histogram<'source'>;
  fallbacks: Counter<'stage' | 'reason'>;
  eventsIngested: Counter<'type' | 'outcome'>;
}

const FAST_BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export function createServingMetrics(opts: { defaultMetrics?: boolean } = {}): ServingMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'recsys_process_' });
  return {
    registry,
    httpLatency: new Histogram({
      name: 'recsys_http_request_duration_seconds', help: 'HTTP request latency by route',
      labelNames: ['route', 'method', 'status'], buckets: FAST_BUCKETS, registers: [registry],
    }),
    stageLatency: new Histogram({
      name: 'recsys_stage_latency_seconds', help: 'Latency of each serving pipeline stage',
      labelNames: ['stage'], buckets: FAST_BUCKETS, registers: [registry],
    }),
    candidatesPerSource: new Histogram({
      name: 'recsys_candidates_per_source', help: 'Candidates contributed per request by each source',
      labelNames: ['source'], buckets: [0, 1, 5, 10, 25, 50, 100, 200, 500, 1000], registers: [registry],
    }),
    fallbacks: new Counter({
      name: 'recsys_fallbacks_total', help: 'Stage fallbacks taken (error, timeout, empty)',
      labelNames: ['stage', 'reason'], registers: [registry],
    }),
    eventsIngested: new Counter({
      name: 'recsys_events_ingested_total', help: 'Events received by type and outcome (stored, duplicate)',
      labelNames: ['type', 'outcome'], registers: [registry],
    }),
  };
}
