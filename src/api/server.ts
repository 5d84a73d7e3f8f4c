/**
 * @module api/server
 * The Fastify app factory: routes, OpenAPI at /docs, validation, error mapping and metrics.
 * It holds no adapters of its own; the engine arrives through `getEngine` once models are loaded.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Engine } from '../pipeline/engine.ts';
import { RecsysError, ERROR_CODES } from '../errors.ts';
import { installErrorHandler } from './errors.ts';
import type { ServingMetrics } from './metrics.ts';
import { registerRecommendationRoutes } from './routes/recommendations.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerCatalogRoutes } from './routes/catalog.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerAdminRoutes } from './routes/admin.ts';

export interface ServerDeps {
  /** The engine once models are loaded; undefined while starting (then /readyz says 503). */
  getEngine: () => Engine | undefined;
  metrics: ServingMetrics;
  clock: () => number;
  bodyLimitBytes: number;
  /** Fastify logger options: false for tests, a level for servers. */
  logger: boolean | { level: string };
  version: string;
}

/** Resolve the engine or answer 503 (not ready) through the error handler. */
export type EngineGetter = () => Engine;

export async function createServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger, bodyLimit: deps.bodyLimitBytes,
    // Per-request log lines would cost more than a recommendation; latency goes to /metrics instead.
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown fields are a mistake worth naming (a typo in `destinaton` must not pass silently).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  });
  installErrorHandler(app);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Wayfarer API', version: deps.version, description: 'Real-time multi-stage travel recommendations' },
      tags: [{ name: 'recommendations' }, { name: 'events' }, { name: 'catalog' }, { name: 'operations' }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    deps.metrics.httpLatency.observe({ route, method: req.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
  const engine: EngineGetter = () => {
    const e = deps.getEngine();
    if (e === undefined) throw new RecsysError({ code: ERROR_CODES.NOT_READY, message: 'models are still loading; retry shortly' });
    return e;
  };
  registerRecommendationRoutes(app, engine);
  registerEventRoutes(app, engine, deps.clock);
  registerCatalogRoutes(app, engine);
  registerAdminRoutes(app, engine);
  registerHealthRoutes(app, deps);
  return app;
}
