/**
 * @module api/routes/health
 * /healthz (the process answers), /readyz (models loaded), /metrics (Prometheus).
 */
import type { FastifyInstance } from 'fastify';
import type { ServerDeps } from '../server.ts';

export function registerHealthRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const hide = { tags: ['operations'] };
  app.get('/healthz', { schema: { ...hide, summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { ...hide, summary: 'Readiness: 200 once models are loaded' } }, async (_req, reply) => {
    const engine = deps.getEngine();
    if (engine === undefined) return reply.status(503).send({ status: 'loading' });
    return { status: 'ready', modelVersion: engine.modelVersion };
  });
  app.get('/metrics', { schema: { ...hide, summary: 'Prometheus metrics' } }, async (_req, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });
}
