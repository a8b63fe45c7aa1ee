// Maps every failure to `{"error": {"code", "message"}}` with the catalogue's status
// (src/shared/errors.ts). A 5xx says only INTERNAL — except 503s, which are instructions to
// retry. Causes and details are logged (redacted), never sent; neither is the URL or a value.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { ERROR_CATALOG, isKeyholeError, type ErrorCode } from '../shared/errors.js';
import { isDatabaseUnavailable } from '../store/unavailable.js';

/** The error body every route returns on failure. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

/** Sends the error envelope of `code` (INTERNAL for a 5xx other than 503; Retry-After on 503). */
export function sendError(reply: FastifyReply, code: ErrorCode, message?: string): FastifyReply {
  const entry = ERROR_CATALOG[code];
  if (entry.status >= 500 && entry.status !== 503) {
    return reply.status(entry.status).send({ error: { code: 'INTERNAL', message: ERROR_CATALOG.INTERNAL.message } });
  }
  if (entry.status === 503) reply.header('retry-after', '1');
  return reply.status(entry.status).send({ error: { code, message: message ?? entry.message } });
}

/** Fastify's own 4xx errors (body parser, router) by their code: catalogue code, no echo. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_BAD_URL: 'MALFORMED_URL',
  FST_ERR_MAX_PARAM_LENGTH: 'URL_TOO_LONG',
};

/** The code of a 4xx error Fastify or a plugin raised (never a 5xx). */
function clientErrorCode(err: FastifyError): ErrorCode {
  const known = FASTIFY_CODES[err.code];
  if (known) return known;
  switch (err.statusCode) {
    case 404: return 'ROUTE_NOT_FOUND';
    case 413: return 'PAYLOAD_TOO_LARGE';
    case 414: return 'URL_TOO_LONG';
    case 415: return 'UNSUPPORTED_MEDIA_TYPE';
    case 429: return 'RATE_LIMITED';
    default: return 'BAD_REQUEST';
  }
}

/** Fastify's `frameworkErrors` option: router errors (a malformed percent-encoding, an
 *  over-long parameter) answered through the catalogue instead of Fastify's body, which
 *  echoes the URL. */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (err, _req, reply) => {
  void sendError(reply, clientErrorCode(err as FastifyError));
};

/** A validation path with every segment that is not a plain name replaced (keys of records
 *  are attacker-controlled). */
function safePath(path: string | undefined): string {
  return (path ?? '').split('/').map((seg, i) => (i === 0 || /^[\w.-]{1,40}$/.test(seg) ? seg : '<key>')).join('/');
}

/** Installs the error and not-found handlers on `app`. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((_req, reply) => sendError(reply, 'ROUTE_NOT_FOUND'));
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    // A lost or refused database connection is an outage, not a bug: 503 with Retry-After,
    // whatever wrapped it (an error the broker turned into a denial keeps its own 4xx/503).
    if ((!isKeyholeError(err) || err.status === 500) && isDatabaseUnavailable(err)) {
      req.log.warn({ code: 'DATABASE_UNAVAILABLE', cause: err }, 'database unavailable');
      return sendError(reply, 'DATABASE_UNAVAILABLE');
    }
    if (isKeyholeError(err)) {
      if (err.status >= 500) req.log.error({ code: err.code, cause: err.cause }, 'request failed');
      return sendError(reply, err.code, err.message);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      // Paths and issue kinds only: never echo the submitted values.
      const where = err.validation.map((v) => `${err.validationContext ?? 'input'}${safePath(v.instancePath)}: ${v.keyword === 'unrecognized_keys' ? 'unrecognized key' : v.message}`).slice(0, 5).join('; ');
      return sendError(reply, 'VALIDATION_FAILED', `The request does not match the schema (${where}).`);
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err }, 'response failed its schema');
      return sendError(reply, 'INTERNAL');
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      const code = clientErrorCode(err);
      return sendError(reply, code, code === 'BAD_REQUEST' ? 'The request is malformed.' : undefined);
    }
    req.log.error({ err }, 'unexpected error');
    return sendError(reply, 'INTERNAL');
  });
}
