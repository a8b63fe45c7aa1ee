// Who am I, signing out, and agent status changes by the security team. /v1/me also gives the
// session code the console's watermark shows and the server time (the console's clock skew).
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../auth.js';
import { sessionCodeOf } from '../../identity/session-code.js';
import type { Runtime } from '../runtime.js';
import { AgentSchema, errorResponses, IdSchema } from '../schemas.js';
import { endSession } from '../../identity/sessions.js';
import { clearSessionCookie, readSessionCookie } from '../../identity/cookies.js';

const MeSchema = AgentSchema.extend({
  sessionCode: z.string().describe('Short code of this session (the watermark shows it)'),
  serverTime: z.string().describe('The server clock (ISO 8601), for countdowns'),
});

/** Registers /v1/me, /v1/logout and the agent status routes. */
export function sessionRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/me', { schema: { tags: ['session'], summary: 'The signed-in agent, the session code and the server time', response: { 200: MeSchema, ...errorResponses } } },
      async (req) => ({ ...ctxOf(req).agent, sessionCode: sessionCodeOf(req), serverTime: rt.clock.now().toISOString() }));

    app.post('/v1/logout', { schema: { tags: ['session'], summary: 'End this session', response: { 204: z.null(), ...errorResponses } } },
      async (req, reply) => {
        const cookie = readSessionCookie(req, 'agent');
        if (cookie) await endSession(rt.db, rt.clock, cookie);
        clearSessionCookie(req, reply, 'agent');
        return reply.status(204).send(null);
      });

    for (const [verb, status] of [['suspend', 'suspended'], ['reinstate', 'active']] as const) {
      app.post(`/v1/agents/:id/${verb}`, {
        schema: { tags: ['security'], summary: `${verb === 'suspend' ? 'Suspend (revoke grants, end sessions)' : 'Reinstate'} an agent (security)`,
          params: z.object({ id: IdSchema }), body: z.strictObject({ reason: z.string().trim().min(3).max(500) }),
          response: { 200: z.object({ agentId: z.string(), grantsRevoked: z.number(), sessionsEnded: z.number(), ticketsWithdrawn: z.number().describe('open tickets handed to a teammate or parked, each with a new contact code') }), ...errorResponses } },
      }, async (req) => rt.broker.setAgentStatus(ctxOf(req), req.params.id, status, req.body.reason));
    }
  };
}
