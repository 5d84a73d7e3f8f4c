/**
 * @module api/event-input
 * Turns POST /v1/events bodies into canonical interactions, with messages that name the bad
 * field of the bad event ("events[3].type: …").
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { EVENT_TYPES, type Interaction } from '../domain/types.ts';
import { InvalidInputError } from '../errors.ts';

const idSchema = z.string().min(1).max(256);

const eventInput = z.object({
  userId: idSchema,
  itemId: idSchema,
  type: z.enum(EVENT_TYPES),
  timestamp: z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })]).optional(),
  eventId: idSchema.optional(),
  value: z.number().finite().optional(),
  sessionId: idSchema.optional(),
  context: z.record(z.string(), z.unknown()).optional(),
}).strict();

const MAX_EVENTS = 10_000;

/** Validate one event or an array of them; `now` stamps events without a timestamp. */
export function parseEvents(body: unknown, now: number): Interaction[] {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0) throw new InvalidInputError('body: an empty array holds no events');
  if (list.length > MAX_EVENTS) throw new InvalidInputError(`body: at most ${MAX_EVENTS} events per request, got ${list.length}`);
  return list.map((raw, i) => {
    const r = eventInput.safeParse(raw);
    if (!r.success) {
      const where = Array.isArray(body) ? `events[${i}]` : 'event';
      const msg = r.error.issues.map((iss) => `${where}${iss.path.length ? `.${iss.path.join('.')}` : ''}: ${iss.message}`).join('; ');
      throw new InvalidInputError(msg);
    }
    const e = r.data;
    const ts = e.timestamp === undefined ? now : typeof e.timestamp === 'number' ? e.timestamp : Date.parse(e.timestamp);
    return {
      // Without a client id, the id derives from the event's content: a retried identical post stays one event.
      eventId: e.eventId ?? `api:${createHash('sha1').update(`${e.userId}|${e.itemId}|${e.type}|${ts}|${e.value ?? ''}`).digest('base64url').slice(0, 20)}`,
      userId: e.userId, itemId: e.itemId, type: e.type, value: e.value ?? null, ts,
      sessionId: e.sessionId ?? null, context: e.context ?? {},
    };
  });
}
