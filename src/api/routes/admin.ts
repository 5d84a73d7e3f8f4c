/**
 * @module api/routes/admin
 * Catalog and block management: POST /v1/items (upsert; the two-tower embeds new and changed
 * items into its ANN index), POST and DELETE /v1/blocks. Changes are stored and take effect on the
 * next recommendation request.
 */
import type { FastifyInstance } from 'fastify';
import { ITEM_KINDS, ITEM_STATUSES, makeItem, type Item } from '../../domain/types.ts';
import type { EngineGetter } from '../server.ts';
import { errorResponse } from '../schemas.ts';

const id = { type: 'string', minLength: 1, maxLength: 256 } as const;
const nullableString = { type: ['string', 'null'], maxLength: 512 } as const;

const itemSchema = {
  type: 'object',
  properties: {
    id, kind: { type: 'string', enum: [...ITEM_KINDS] }, name: nullableString, city: nullableString, country: nullableString,
    lat: { type: ['number', 'null'], minimum: -90, maximum: 90 }, lon: { type: ['number', 'null'], minimum: -180, maximum: 180 },
    price: { type: ['number', 'null'], minimum: 0 }, stars: { type: ['number', 'null'], minimum: 0, maximum: 5 },
    reviewScore: { type: ['number', 'null'], minimum: 0, maximum: 10 }, chain: nullableString,
    status: { type: 'string', enum: [...ITEM_STATUSES] }, available: { type: ['boolean', 'null'] },
    attributes: { type: 'object', additionalProperties: true },
  },
  required: ['id', 'kind'],
  additionalProperties: false,
} as const;

const blockSchema = {
  type: 'object',
  properties: { itemId: id, userId: { type: ['string', 'null'], minLength: 1, maxLength: 256 }, reason: nullableString },
  required: ['itemId'],
  additionalProperties: false,
} as const;

type ItemBody = Pick<Item, 'id' | 'kind'> & Partial<Omit<Item, 'id' | 'kind'>>;
interface BlockBody { itemId: string; userId?: string | null; reason?: string | null }

export function registerAdminRoutes(app: FastifyInstance, engine: EngineGetter): void {
  app.post<{ Body: ItemBody[] }>('/v1/items', {
    schema: {
      tags: ['catalog'],
      summary: 'Add or update items; new items are servable on the next request, and the two-tower embeds them from their features into its index at once',
      body: { type: 'array', items: itemSchema, minItems: 1, maxItems: 10_000 },
      response: { 200: { type: 'object', properties: { upserted: { type: 'integer' } } }, 400: errorResponse },
    },
  }, async (req) => {
    const items = req.body.map(({ id: itemId, kind, ...fields }) => makeItem(itemId, kind, fields));
    await engine().upsertItems(items);
    return { upserted: items.length };
  });

  const blocksBody = { type: 'array', items: blockSchema, minItems: 1, maxItems: 10_000 } as const;
  const toBlocks = (body: BlockBody[]) => body.map((b) => ({ itemId: b.itemId, userId: b.userId ?? null, reason: b.reason ?? null }));
  app.post<{ Body: BlockBody[] }>('/v1/blocks', {
    schema: {
      tags: ['catalog'], summary: 'Block items for everyone (no userId) or for one user',
      body: blocksBody, response: { 200: { type: 'object', properties: { blocked: { type: 'integer' } } }, 400: errorResponse },
    },
  }, async (req) => {
    await engine().addBlocks(toBlocks(req.body));
    return { blocked: req.body.length };
  });
  app.delete<{ Body: BlockBody[] }>('/v1/blocks', {
    schema: {
      tags: ['catalog'], summary: 'Remove blocks',
      body: blocksBody, response: { 200: { type: 'object', properties: { unblocked: { type: 'integer' } } }, 400: errorResponse },
    },
  }, async (req) => {
    await engine().removeBlocks(toBlocks(req.body));
    return { unblocked: req.body.length };
  });
}
