// Who am I, signing out, and agent status changes by the security team. /v1/me also gives the
// session code the console's watermark shows and the server time (the console's clock skew).
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../auth.js';
import type { Runtime } from '../runtime.js';
import { AgentSchema, errorResponses, IdSchema } from '../schemas.js';
import { endSession } from '../../identity/sessions.js';
import { clearSessionCookie, readSessionCookie } from '../cookies.js';

/** The caller's session as the console names it on every screen: `ABCD-1234`, the first four
 *  bytes (hex) of SHA-256 of the session secret — the prefix of `agent_sessions.id_hash`, so a
 *  leaked screenshot leads to one session. Bearer tokens get `API-` and their hash's prefix. */
export function sessionCodeOf(req: FastifyRequest): string {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const secret = bearer ?? readSessionCookie(req, 'agent') ?? '';
  const hex = createHash('sha256').update(secret).digest('hex').slice(0, 8).toUpperCase();
  return bearer ? `API-${hex.slice(0, 4)}` : `${hex.slice(0, 4)}-${hex.slice(4)}`;
}

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
          response: { 200: z.object({ agentId: z.string(), grantsRevoked: z.number(), sessionsEnded: z.number() }), ...errorResponses } },
      }, async (req) => rt.broker.setAgentStatus(ctxOf(req), req.params.id, status, req.body.reason));
    }
  };
}
