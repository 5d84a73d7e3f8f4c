/**
 * @module api/schemas
 * JSON Schemas of the REST API: Fastify validates requests with them (errors name the field)
 * and @fastify/swagger publishes them as OpenAPI.
 */
import { EVENT_TYPES } from '../domain/types.ts';

const id = { type: 'string', minLength: 1, maxLength: 256 } as const;
const isoDate = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}' } as const;
export const MAX_K = 200;

export const recommendationItem = {
  type: 'object',
  properties: {
    itemId: { type: 'string' },
    score: { type: 'number' },
    source: { type: 'string', description: 'candidate source: popular, covisitation, …' },
    stage: { type: 'string', description: 'the stage (or fallback) that produced its position' },
    reasons: { type: 'array', items: { type: 'string' } },
  },
  required: ['itemId', 'score', 'source', 'stage', 'reasons'],
} as const;

export const recommendationResponse = {
  type: 'object',
  properties: {
    items: { type: 'array', items: recommendationItem },
    modelVersion: { type: 'string' },
    fallbacks: { type: 'array', items: { type: 'object', properties: { stage: { type: 'string' }, reason: { type: 'string' } } } },
    stages: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, ms: { type: 'number' }, out: { type: 'integer' } } } },
    tookMs: { type: 'number' },
  },
  required: ['items', 'modelVersion', 'fallbacks', 'tookMs'],
} as const;

export const recommendationQuery = {
  type: 'object',
  properties: {
    userId: id,
    k: { type: 'integer', minimum: 1, maximum: MAX_K, default: 10 },
    destination: id,
    country: id,
    device: id,
  },
  required: ['userId'],
  additionalProperties: false,
} as const;

export const recommendationBody = {
  type: 'object',
  properties: {
    userId: id,
    k: { type: 'integer', minimum: 1, maximum: MAX_K, default: 10 },
    context: {
      type: 'object',
      properties: {
        destination: id, country: id, device: id,
        checkin: isoDate, checkout: isoDate,
        partySize: { type: 'integer', minimum: 1, maximum: 50 },
      },
      additionalProperties: false,
    },
    exclude: { type: 'array', items: id, maxItems: 5000 },
  },
  required: ['userId'],
  additionalProperties: false,
} as const;

export const eventSchema = {
  type: 'object',
  properties: {
    userId: id,
    itemId: id,
    type: { type: 'string', enum: [...EVENT_TYPES] },
    timestamp: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', format: 'date-time' }], description: 'epoch ms or ISO 8601; default now' },
    eventId: id,
    value: { type: 'number' },
    sessionId: id,
    context: { type: 'object' },
  },
  required: ['userId', 'itemId', 'type'],
  additionalProperties: false,
} as const;

export const eventsBody = { anyOf: [eventSchema, { type: 'array', items: eventSchema, minItems: 1, maxItems: 10_000 }] } as const;

export const errorResponse = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
} as const;

export interface RecommendationQuery { userId: string; k: number; destination?: string; country?: string; device?: string }
export interface RecommendationBody {
  userId: string;
  k: number;
  context?: { destination?: string; country?: string; device?: string; checkin?: string; checkout?: string; partySize?: number };
  exclude?: string[];
}
export interface EventBody {
  userId: string; itemId: string; type: (typeof EVENT_TYPES)[number]; timestamp?: number | string; eventId?: string;
  value?: number; sessionId?: string; context?: Record<string, unknown>;
}
