// The OpenAPI 3 document (@fastify/swagger over the routes' zod schemas): the security schemes
// (staff session cookie, bearer token, customer session cookie, SCIM token), the one error
// envelope every route answers a failure with, and the per-scope security declarations. The
// browser's wire types are generated from this document (`npm run gen:api`, STYLE.md 14).
import type { FastifyInstance } from 'fastify';
import { ERROR_CATALOG } from '../shared/errors.js';
import { CUSTOMER_COOKIE, SESSION_COOKIE } from '../identity/cookies.js';

/** The security schemes of the API (OpenAPI 3.0 §4.7.27). */
export const SECURITY_SCHEMES = {
  session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'Staff session (httpOnly, SameSite=Strict; `__Host-` prefixed over TLS), from single sign-on at /v1/auth/oidc/login or the demo picker.' },
  bearer: { type: 'http', scheme: 'bearer', description: 'An agent or service token (`keyhole tokens create`), RFC 6750.' },
  customerSession: { type: 'apiKey', in: 'cookie', name: CUSTOMER_COOKIE, description: 'Customer portal session (httpOnly, SameSite=Strict; `__Host-` prefixed over TLS), from a passkey sign-in.' },
  scimBearer: { type: 'http', scheme: 'bearer', description: 'The SCIM provisioning token of the identity provider (`keyhole tokens create --scim NAME`, scope `scim`) for /scim/v2.' },
} as const;

/** A route's `security` requirement (OpenAPI Security Requirement Objects; [] = public). */
export type SecurityRequirement = ReadonlyArray<Readonly<Partial<Record<keyof typeof SECURITY_SCHEMES, readonly string[]>>>>;

/** The name of the error envelope in `components.schemas`. */
export const ERROR_ENVELOPE = 'ErrorEnvelope';

/** `{"error": {"code", "message"}}` (src/server/error-handler.ts), `code` from docs/errors.md. */
export const ERROR_ENVELOPE_SCHEMA = {
  type: 'object',
  description: 'Every failure: a stable code (docs/errors.md) and a message safe to show. A 5xx other than 503 says only INTERNAL.',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', enum: Object.keys(ERROR_CATALOG) },
        message: { type: 'string' },
      },
      required: ['code', 'message'],
      additionalProperties: false,
    },
  },
  required: ['error'],
  additionalProperties: false,
} as const;

/** Makes every route registered in `app`'s scope from now on declare `security` in the
 *  document (unless the route declares its own). Documentation only: the scope's hooks enforce. */
export function declareSecurity(app: FastifyInstance, security: SecurityRequirement): void {
  app.addHook('onRoute', (route) => {
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    if (schema.hide === true || 'security' in schema) return;
    route.schema = { ...schema, security };
  });
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when `schema` is the inline envelope the zod ErrorSchema produces. */
function isErrorEnvelope(schema: unknown): boolean {
  if (!isObject(schema) || !isObject(schema.properties)) return false;
  const keys = Object.keys(schema.properties);
  const inner = schema.properties.error;
  return keys.length === 1 && isObject(inner) && isObject(inner.properties)
    && Object.keys(inner.properties).sort().join() === 'code,message';
}

const ERROR_RESPONSE = {
  description: 'The error envelope',
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_ENVELOPE}` } } },
} as const;

/** @fastify/swagger's `transformObject`: adds the error envelope to `components.schemas`,
 *  points every inline copy of it at the component, and gives every operation a `default`
 *  response with it (any failure, whatever its status). SCIM (/scim/v2) keeps its own bodies. */
export function withErrorEnvelope(doc: Json): Json {
  const components = isObject(doc.components) ? doc.components : {};
  const schemas = isObject(components.schemas) ? components.schemas : {};
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item) || path.startsWith('/scim/')) continue; // SCIM answers RFC 7644 §3.12 error bodies
    for (const op of Object.values(item)) {
      if (!isObject(op)) continue;
      const responses = isObject(op.responses) ? op.responses : {};
      for (const [status, r] of Object.entries(responses)) {
        if (!/^[45]/.test(status) || !isObject(r) || !isObject(r.content)) continue;
        const json = r.content['application/json'];
        if (isObject(json) && isErrorEnvelope(json.schema)) responses[status] = ERROR_RESPONSE;
      }
      responses.default = ERROR_RESPONSE;
      op.responses = responses;
    }
  }
  return { ...doc, components: { ...components, schemas: { ...schemas, [ERROR_ENVELOPE]: ERROR_ENVELOPE_SCHEMA } } };
}
