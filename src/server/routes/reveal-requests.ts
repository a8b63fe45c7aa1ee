// Reveal-request routes: the approvals queue and the four-eyes decision.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { approvalContext } from '../../access/approval-context.js';
import type { DetectDb } from '../../detect/containment.js';
import { agentRisk } from '../../detect/queries.js';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { errorResponses, IdSchema, RevealRequestSchema } from '../schemas.js';

const ApprovalContextSchema = z.object({
  requestId: z.string(),
  ticket: z.object({ id: z.string(), subject: z.string(), purpose: z.string(), channel: z.string(), status: z.string(), createdAt: z.string() }),
  verification: z.array(z.object({ field: z.string(), matched: z.boolean(), at: z.string() })).readonly(),
  recent: z.object({ reveals: z.number().int(), requests: z.number().int(), denied: z.number().int() }),
  risk: z.object({ score: z.number(), level: z.string() }).nullable(),
  consent: z.object({ needed: z.boolean(), verdict: z.enum(['approved', 'denied']).nullable() }),
});

const Decision = z.strictObject({ comment: z.string().trim().max(500).optional(), durationMinutes: z.number().int().min(1).max(60).optional() });

/** Registers the reveal-request routes. */
export function revealRequestRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/reveal-requests', {
      schema: { tags: ['reveals'], summary: 'Reveal requests: the approvals queue (supervisors) or my requests (agents)',
        querystring: z.strictObject({ status: z.enum(['pending', 'approved', 'denied', 'expired', 'cancelled']).optional() }),
        response: { 200: z.object({ requests: z.array(RevealRequestSchema) }), ...errorResponses } },
    }, async (req) => ({ requests: await rt.broker.revealRequests(ctxOf(req), req.query.status) }));

    app.get('/v1/reveal-requests/:id/context', {
      schema: { tags: ['reveals'], summary: 'What a decider needs to judge a request: caller verification, the agent\'s recent reveals and risk, consent, the ticket',
        params: z.object({ id: IdSchema }), response: { 200: ApprovalContextSchema, ...errorResponses } },
    }, async (req) => {
      const det = rt.detection;
      const risk = det ? async (agentId: string) => {
        const r = await agentRisk(rt.db as unknown as DetectDb, det.config, agentId, rt.clock.now());
        return { score: r.risk, level: r.level };
      } : undefined;
      return approvalContext(rt.db, ctxOf(req), req.params.id, rt.clock.now(), risk);
    });

    for (const verdict of ['approve', 'deny'] as const) {
      app.post(`/v1/reveal-requests/:id/${verdict}`, {
        schema: { tags: ['reveals'], summary: `${verdict === 'approve' ? 'Approve' : 'Deny'} a reveal request (not one's own)`,
          params: z.object({ id: IdSchema }), body: Decision.optional(), response: { 200: RevealRequestSchema, ...errorResponses } },
      }, async (req) => rt.broker.decideReveal(ctxOf(req), req.params.id, verdict, { comment: req.body?.comment, durationMinutes: req.body?.durationMinutes }));
    }
  };
}
