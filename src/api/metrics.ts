/**
 * @module api/metrics
 * Prometheus metrics of the API and the serving pipeline, on an injected registry (no globals).
 * Names follow recsys_<stage>_<what>_<unit>.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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

/** What the online feature store's client-side cache reports (see adapters/redis/redis-row-cache.ts). */
export interface FeatureCacheCounts {
  hits: number;
  misses: number;
  invalidations: number;
  resets: number;
  size: number;
}

/**
 * Expose the online store's client-side cache on `registry`, read at each scrape:
 * recsys_feature_cache_lookups_total{result="hit"|"miss"}, recsys_feature_cache_invalidations_total,
 * recsys_feature_cache_resets_total and recsys_feature_cache_rows. `stats` returns undefined without a cache.
 */
export function registerFeatureCacheMetrics(registry: Registry, stats: () => FeatureCacheCounts | undefined): void {
  const seen = { hits: 0, misses: 0, invalidations: 0, resets: 0 };
  const advance = (counter: Counter<string>, field: keyof typeof seen, labels?: Record<string, string>): void => {
    const now = stats()?.[field];
    if (now === undefined || now < seen[field]) return;
    if (labels === undefined) counter.inc(now - seen[field]);
    else counter.inc(labels, now - seen[field]);
    seen[field] = now;
  };
  new Counter({
    name: 'recsys_feature_cache_lookups_total', help: 'Online feature rows looked up in the client-side cache, by result',
    labelNames: ['result'], registers: [registry],
    collect() { advance(this, 'hits', { result: 'hit' }); advance(this, 'misses', { result: 'miss' }); },
  });
  new Counter({
    name: 'recsys_feature_cache_invalidations_total', help: 'Cached online feature rows invalidated (by Redis or by own writes)',
    registers: [registry], collect() { advance(this, 'invalidations'); },
  });
  new Counter({
    name: 'recsys_feature_cache_resets_total', help: 'Times the client-side cache was emptied because a Redis connection dropped',
    registers: [registry], collect() { advance(this, 'resets'); },
  });
  new Gauge({
    name: 'recsys_feature_cache_rows', help: 'Online feature rows held in the client-side cache',
    registers: [registry], collect() { this.set(stats()?.size ?? 0); },
  });
}
