// Who am I, signing out, and agent status changes by the security team.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { AgentSchema, errorResponses, IdSchema } from '../schemas.js';
import { endSession, SESSION_COOKIE } from '../sessions.js';

/** Registers /v1/me, /v1/logout and the agent status routes. */
export function sessionRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/me', { schema: { tags: ['session'], summary: 'The signed-in agent', response: { 200: AgentSchema, ...errorResponses } } },
      async (req) => ctxOf(req).agent);

    app.post('/v1/logout', { schema: { tags: ['session'], summary: 'End this session', response: { 204: z.null(), ...errorResponses } } },
      async (req, reply) => {
        const cookie = req.cookies[SESSION_COOKIE];
        if (cookie) await endSession(rt.db, rt.clock, cookie);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.status(204).send(null);
      });

    for (const [verb, status] of [['suspend', 'suspended'], ['reinstate', 'active']] as const) {
      app.post(`/v1/agents/:id/${verb}`, {
        schema: { tags: ['security'], summary: `${verb === 'suspend' ? 'Suspend (revoke grants, end sessions)' : 'Reinstate'} an agent (security)`,
          params: z.object({ id: IdSchema }), body: z.strictObject({ reason: z.string().trim().min(3).max(500) }),
          response: { 200: z.object({ agentId: z.string(), grantsRevoked: z.number(), sessionsEnded: z.number() }), ...errorResponses } },
      }, async (req) => rt.broker.setAgentStatus(ctxOf(req), req.params.id, status, req.body.reason));
    }
  };
}
