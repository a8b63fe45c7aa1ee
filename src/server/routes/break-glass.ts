// Break-glass routes: the assignee asks on a locked customer's ticket; two distinct security
// engineers approve.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { decideBreakGlass, listBreakGlass, requestBreakGlass } from '../../access/break-glass.js';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses, IdSchema } from '../schemas.js';

const BreakGlassSchema = z.object({
  id: z.string(), ticketId: z.string(), agentId: z.string(), reason: z.string(), status: z.enum(['pending', 'approved', 'denied', 'expired', 'revoked']),
  approvers: z.array(z.string()).readonly(), createdAt: z.string(), expiresAt: z.string(),
});

/** Registers the break-glass routes (authenticated agent scope). */
export function breakGlassRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/v1/tickets/:id/break-glass', {
      schema: { tags: ['security'], summary: 'Ask for break-glass access to a locked customer on my ticket', params: z.object({ id: IdSchema }),
        body: z.strictObject({ reason: z.string().trim().min(10).max(500) }), response: { 201: BreakGlassSchema, ...errorResponses } },
    }, async (req, reply) => reply.status(201).send(await requestBreakGlass(rt.broker.deps, ctxOf(req), req.params.id, req.body.reason)));
    app.get('/v1/break-glass', { schema: { tags: ['security'], summary: 'Pending break-glass requests (security) or mine', response: { 200: z.object({ requests: z.array(BreakGlassSchema) }), ...errorResponses } } },
      async (req) => ({ requests: await listBreakGlass(rt.db, ctxOf(req), rt.clock.now()) }));
    for (const verdict of ['approve', 'deny'] as const) {
      app.post(`/v1/break-glass/:id/${verdict}`, {
        schema: { tags: ['security'], summary: `${verdict === 'approve' ? 'Approve (two distinct security engineers needed)' : 'Deny'} a break-glass request`, params: z.object({ id: IdSchema }), response: { 200: BreakGlassSchema, ...errorResponses } },
      }, async (req) => decideBreakGlass(rt.broker.deps, ctxOf(req), req.params.id, verdict));
    }
  };
}
