// Two-person customer erasure through the API (issue 19; security staff only): ask with a reason,
// a second security staff member approves (crypto-shredding plus its customer_erase record, in
// one transaction) or denies. Thin: validate, call src/access/erase-requests.ts, return through a
// strict response schema.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { decideErase, listEraseRequests, requestErase } from '../../access/erase-requests.js';
import { KeyholeError } from '../../shared/errors.js';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses, IdSchema } from '../schemas.js';

const EraseRequestSchema = z.object({
  id: z.string(), customerId: z.string(), requestedBy: z.string(), reason: z.string(), status: z.enum(['pending', 'approved', 'denied']),
  decidedBy: z.string().nullable(), decidedAt: z.string().nullable(), createdAt: z.string(),
});

const EraseResultSchema = z.object({
  customerId: z.string(), erasedAt: z.string(), grantsRevoked: z.number().int(), requestsCancelled: z.number().int(),
  breakGlassRevoked: z.number().int(), ticketsClosed: z.array(z.string()).readonly(), requestId: z.string(),
});

/** Registers /v1/erasures (inside the authenticated scope). */
export function erasureRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('preHandler', async (req) => {
      if (ctxOf(req).agent.role !== 'security') throw new KeyholeError('FORBIDDEN', 'Only the security team may erase customers.');
    });
    const deps = { db: rt.db, vault: rt.vault, clock: rt.clock };

    app.post('/v1/erasures', {
      schema: { tags: ['security'], summary: 'Ask to erase (crypto-shred) a customer; a second security staff member must approve',
        body: z.strictObject({ customerId: IdSchema, reason: z.string().max(1000) }),
        response: { 201: EraseRequestSchema, ...errorResponses } },
    }, async (req, reply) => {
      const ctx = ctxOf(req);
      return reply.status(201).send(await requestErase(deps, ctx.agent, ctx.requestId, req.body.customerId, req.body.reason));
    });

    app.get('/v1/erasures', {
      schema: { tags: ['security'], summary: 'Erase requests, newest first',
        querystring: z.strictObject({ status: z.enum(['pending', 'approved', 'denied']).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.object({ requests: z.array(EraseRequestSchema) }), ...errorResponses } },
    }, async (req) => ({ requests: await listEraseRequests(rt.db, req.query) }));

    for (const verdict of ['approve', 'deny'] as const) {
      app.post(`/v1/erasures/:id/${verdict}`, {
        schema: { tags: ['security'], summary: verdict === 'approve' ? 'Approve an erase request: the customer is crypto-shredded on the record' : 'Deny an erase request',
          params: z.strictObject({ id: IdSchema }),
          response: { 200: z.object({ request: EraseRequestSchema, erased: EraseResultSchema.nullable() }), ...errorResponses } },
      }, async (req) => {
        const ctx = ctxOf(req);
        return decideErase(deps, ctx.agent, ctx.requestId, req.params.id, verdict);
      });
    }
  };
}
