/**
 * @module api/routes/events
 * POST /v1/events: one event or an array; stored, then applied at once (read-your-writes).
 */
import type { FastifyInstance } from 'fastify';
import type { EngineGetter } from '../server.ts';
import { parseEvents } from '../event-input.ts';
import { errorResponse, eventsBody } from '../schemas.ts';

export function registerEventRoutes(app: FastifyInstance, engine: EngineGetter, clock: () => number): void {
  app.post('/v1/events', {
    // The schema documents the body; validation runs in parseEvents, whose messages name event and field.
    attachValidation: true,
    schema: {
      tags: ['events'], summary: 'Record events (search, impression, click, booking, rating); idempotent by eventId',
      body: eventsBody,
      response: {
        200: { type: 'object', properties: { stored: { type: 'integer' }, duplicates: { type: 'integer' } } },
        400: errorResponse,
      },
    },
  }, async (req) => {
    const events = parseEvents(req.body, clock());
    const r = await engine().ingest(events);
    return { stored: r.inserted, duplicates: r.duplicates };
  });
}
