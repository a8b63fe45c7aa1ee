// Reveal-request routes: the approvals queue and the four-eyes decision.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses, IdSchema, RevealRequestSchema } from '../schemas.js';

const Decision = z.strictObject({ comment: z.string().trim().max(500).optional(), durationMinutes: z.number().int().min(1).max(60).optional() });

/** Registers the reveal-request routes. */
export function revealRequestRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/reveal-requests', {
      schema: { tags: ['reveals'], summary: 'Reveal requests: the approvals queue (supervisors) or my requests (agents)',
        querystring: z.strictObject({ status: z.enum(['pending', 'approved', 'denied', 'expired', 'cancelled']).optional() }),
        response: { 200: z.object({ requests: z.array(RevealRequestSchema) }), ...errorResponses } },
    }, async (req) => ({ requests: await rt.broker.revealRequests(ctxOf(req), req.query.status) }));

    for (const verdict of ['approve', 'deny'] as const) {
      app.post(`/v1/reveal-requests/:id/${verdict}`, {
        schema: { tags: ['reveals'], summary: `${verdict === 'approve' ? 'Approve' : 'Deny'} a reveal request (not one's own)`,
          params: z.object({ id: IdSchema }), body: Decision.optional(), response: { 200: RevealRequestSchema, ...errorResponses } },
      }, async (req) => rt.broker.decideReveal(ctxOf(req), req.params.id, verdict, { comment: req.body?.comment, durationMinutes: req.body?.durationMinutes }));
    }
  };
}
