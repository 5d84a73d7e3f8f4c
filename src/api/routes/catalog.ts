/**
 * @module api/routes/catalog
 * GET /v1/items/:id/similar and GET /v1/users/:id/history.
 */
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../errors.ts';
import type { EngineGetter } from '../server.ts';
import { errorResponse, recommendationItem, MAX_K } from '../schemas.ts';

const idParams = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 256 } }, required: ['id'] } as const;

export function registerCatalogRoutes(app: FastifyInstance, engine: EngineGetter): void {
  app.get<{ Params: { id: string }; Querystring: { k: number } }>('/v1/items/:id/similar', {
    schema: {
      tags: ['catalog'], summary: 'Items co-visited with this one',
      params: idParams,
      querystring: { type: 'object', properties: { k: { type: 'integer', minimum: 1, maximum: MAX_K, default: 10 } }, additionalProperties: false },
      response: { 200: { type: 'object', properties: { itemId: { type: 'string' }, items: { type: 'array', items: recommendationItem } } }, 404: errorResponse },
    },
  }, async (req) => {
    const items = engine().similar(req.params.id, req.query.k);
    if (items === undefined) throw new NotFoundError(`item '${req.params.id}' is not in the catalog`);
    return { itemId: req.params.id, items };
  });

  app.get<{ Params: { id: string }; Querystring: { limit: number } }>('/v1/users/:id/history', {
    schema: {
      tags: ['catalog'], summary: "A user's most recent interactions, newest first",
      params: idParams,
      querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } }, additionalProperties: false },
      response: {
        200: {
          type: 'object',
          properties: {
            userId: { type: 'string' },
            events: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  eventId: { type: 'string' }, itemId: { type: 'string' }, type: { type: 'string' }, value: { type: ['number', 'null'] },
                  timestamp: { type: 'string' }, sessionId: { type: ['string', 'null'] }, context: { type: 'object', additionalProperties: true },
                },
              },
            },
          },
        },
        400: errorResponse,
      },
    },
  }, async (req) => {
    const events = await engine().history(req.params.id, req.query.limit);
    return {
      userId: req.params.id,
      events: events.map((e) => ({ eventId: e.eventId, itemId: e.itemId, type: e.type, value: e.value, timestamp: new Date(e.ts).toISOString(), sessionId: e.sessionId, context: e.context })),
    };
  });
}
