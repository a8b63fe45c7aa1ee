// Maps every failure to `{"error": {"code", "message"}}` with the catalogue's status
// (src/shared/errors.ts). A 5xx says only INTERNAL — except 503s, which are instructions to
// retry. Causes and details are logged (redacted), never sent.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { ERROR_CATALOG, isKeyholeError, type ErrorCode } from '../shared/errors.js';
import { isDatabaseUnavailable } from '../store/unavailable.js';

/** The error body every route returns on failure. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

function send(reply: FastifyReply, code: ErrorCode, message?: string): FastifyReply {
  const entry = ERROR_CATALOG[code];
  if (entry.status >= 500 && entry.status !== 503) {
    return reply.status(entry.status).send({ error: { code: 'INTERNAL', message: ERROR_CATALOG.INTERNAL.message } });
  }
  if (entry.status === 503) reply.header('retry-after', '1');
  return reply.status(entry.status).send({ error: { code, message: message ?? entry.message } });
}

/** Installs the error and not-found handlers on `app`. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((_req, reply) => send(reply, 'ROUTE_NOT_FOUND'));
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    // A lost or refused database connection is an outage, not a bug: 503 with Retry-After,
    // whatever wrapped it (an error the broker turned into a denial keeps its own 4xx/503).
    if ((!isKeyholeError(err) || err.status === 500) && isDatabaseUnavailable(err)) {
      req.log.warn({ code: 'DATABASE_UNAVAILABLE', cause: err }, 'database unavailable');
      return send(reply, 'DATABASE_UNAVAILABLE');
    }
    if (isKeyholeError(err)) {
      if (err.status >= 500) req.log.error({ code: err.code, cause: err.cause }, 'request failed');
      return send(reply, err.code, err.message);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      // Paths and issue kinds only: never echo the submitted values.
      const where = err.validation.map((v) => `${err.validationContext ?? 'input'}${v.instancePath || ''}: ${v.message}`).slice(0, 5).join('; ');
      return send(reply, 'VALIDATION_FAILED', `The request does not match the schema (${where}).`);
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err }, 'response failed its schema');
      return send(reply, 'INTERNAL');
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      const code: ErrorCode = err.statusCode === 404 ? 'ROUTE_NOT_FOUND' : err.statusCode === 429 ? 'RATE_LIMITED' : 'BAD_REQUEST';
      return send(reply, code, code === 'BAD_REQUEST' ? 'The request is malformed.' : undefined);
    }
    req.log.error({ err }, 'unexpected error');
    return send(reply, 'INTERNAL');
  });
}
