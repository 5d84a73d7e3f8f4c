/**
 * @module api/errors
 * The one place errors become HTTP responses: { error: { code, message } }.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { ERROR_CODES, RecsysError } from '../errors.ts';

const STATUS_BY_CODE: Partial<Record<string, number>> = {
  [ERROR_CODES.INVALID_INPUT]: 400,
  [ERROR_CODES.NOT_FOUND]: 404,
  [ERROR_CODES.NOT_READY]: 503,
  [ERROR_CODES.TIMEOUT]: 504,
  [ERROR_CODES.STORE_UNAVAILABLE]: 503,
};

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | RecsysError | Error, req, reply) => {
    if ('validation' in err && err.validation !== undefined) {
      // Fastify's schema validation: name every bad field, e.g. "querystring/k must be <= 200".
      const where = (err).validationContext ?? 'request';
      const details = err.validation.map((v) => {
        const field = v.instancePath === '' ? (v.params['missingProperty'] as string | undefined) ?? '' : v.instancePath.slice(1).replaceAll('/', '.');
        const at = `${where}${field === '' ? '' : `.${field}`}`;
        if (v.keyword === 'additionalProperties') return `${at} has an unknown field '${String(v.params['additionalProperty'])}'`;
        return `${at} ${v.message ?? 'is invalid'}`;
      });
      return reply.status(400).send({ error: { code: ERROR_CODES.INVALID_INPUT, message: details.join('; ') } });
    }
    if (err instanceof RecsysError) {
      const status = STATUS_BY_CODE[err.code] ?? 500;
      if (status >= 500) req.log.error({ err }, 'request failed');
      return reply.status(status).send({ error: { code: err.code, message: err.message } });
    }
    const status = (err as FastifyError).statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const code = status === 413 ? 'REC_ERR_BODY_TOO_LARGE' : status < 500 ? ERROR_CODES.INVALID_INPUT : 'REC_ERR_INTERNAL';
    return reply.status(status).send({ error: { code, message: status < 500 ? err.message : 'internal error' } });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({
    error: { code: ERROR_CODES.NOT_FOUND, message: `no route ${req.method} ${req.url.split('?')[0] ?? ''}` },
  }));
}
