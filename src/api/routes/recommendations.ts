/**
 * @module api/routes/recommendations
 * GET and POST /v1/recommendations.
 */
import type { FastifyInstance } from 'fastify';
import type { EngineGetter } from '../server.ts';
import {
  errorResponse, recommendationBody, recommendationQuery, recommendationResponse,
  type RecommendationBody, type RecommendationQuery,
} from '../schemas.ts';

export function registerRecommendationRoutes(app: FastifyInstance, engine: EngineGetter): void {
  app.get<{ Querystring: RecommendationQuery }>('/v1/recommendations', {
    schema: {
      tags: ['recommendations'], summary: 'Top-k recommendations for a user (unknown users get the cold-start path)',
      querystring: recommendationQuery, response: { 200: recommendationResponse, 400: errorResponse },
    },
  }, async (req) => {
    const q = req.query;
    return engine().recommend({ userId: q.userId, k: q.k, destination: q.destination, country: q.country, device: q.device });
  });

  app.post<{ Body: RecommendationBody }>('/v1/recommendations', {
    schema: {
      tags: ['recommendations'], summary: 'Recommendations with request context (destination, dates, device, exclusions)',
      body: recommendationBody, response: { 200: recommendationResponse, 400: errorResponse },
    },
  }, async (req) => {
    const b = req.body;
    const c = b.context ?? {};
    return engine().recommend({
      userId: b.userId, k: b.k, destination: c.destination, country: c.country, device: c.device,
      checkin: c.checkin, checkout: c.checkout, exclude: b.exclude,
    });
  });
}
