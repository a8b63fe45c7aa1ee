// The customer sync API of the exchange's backend: PUT / PATCH / DELETE
// /v1/admin/customers/{externalId}, behind a service token with the scope customers:write
// (RFC 6750 bearer). Thin: the body is parsed against the field catalog in
// src/integrations/customers; the response names ids and field names, never values.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { eraseCustomerByExternalId, upsertCustomer, type ServiceActor } from '../../integrations/customers/service-api.js';
import type { IntegrationDb } from '../../integrations/tables.js';
import { KeyholeError } from '../../shared/errors.js';
import type { FastifyRequest } from 'fastify';
import { requireService } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses } from '../schemas.js';

const Params = z.object({ externalId: z.string().regex(/^[A-Za-z0-9._:@+-]{1,128}$/, 'an externalId of 1–128 letters, digits and ._:@+-') });
const Body = z.record(z.string().max(64), z.unknown()).describe('catalog fields (docs/design/fields.md); PATCH: null removes a protected field');
const Upserted = z.object({ customerId: z.string(), externalId: z.string(), created: z.boolean(), fields: z.array(z.string()).readonly() });
/** Bearer-authenticated, never a cookie: no same-origin check (src/server/request-guard.ts). */
const BEARER_ONLY = { guard: { sameOrigin: false as const } };
const Erased = z.object({ customerId: z.string(), externalId: z.string(), erasedAt: z.string() });

function actorOf(req: FastifyRequest): ServiceActor {
  if (!req.service) throw new KeyholeError('UNAUTHENTICATED');
  return { name: req.service.name, tokenId: req.service.tokenId, requestId: req.id };
}

/** Registers the customer sync routes in their own scope with the service auth hook. */
export function adminCustomerRoutes(rt: Runtime): FastifyPluginAsyncZod {
  const deps = { db: rt.db as unknown as IntegrationDb, vault: rt.vault, clock: rt.clock };
  return async (app) => {
    requireService(app, rt, 'customers:write');
    app.put('/v1/admin/customers/:externalId', {
      config: BEARER_ONLY,
      schema: { tags: ['admin'], summary: 'Upsert a customer by the exchange\'s id (service token, customers:write)', params: Params, body: Body,
        response: { 200: Upserted, 201: Upserted, ...errorResponses } },
    }, async (req, reply) => {
      const r = await upsertCustomer(deps, actorOf(req), req.params.externalId, req.body, 'put');
      return reply.code(r.created ? 201 : 200).send(r);
    });
    app.patch('/v1/admin/customers/:externalId', {
      config: BEARER_ONLY,
      schema: { tags: ['admin'], summary: 'Update some fields of a customer (null removes a protected field)', params: Params, body: Body,
        response: { 200: Upserted, ...errorResponses } },
    }, async (req) => upsertCustomer(deps, actorOf(req), req.params.externalId, req.body, 'patch'));
    app.delete('/v1/admin/customers/:externalId', {
      config: BEARER_ONLY,
      schema: { tags: ['admin'], summary: 'Crypto-shred a customer (data key destroyed; a tombstone remains)', params: Params,
        response: { 200: Erased, ...errorResponses } },
    }, async (req) => {
      const r = await eraseCustomerByExternalId(deps, actorOf(req), req.params.externalId);
      return { customerId: r.customerId, externalId: req.params.externalId, erasedAt: r.erasedAt.toISOString() };
    });
  };
}
