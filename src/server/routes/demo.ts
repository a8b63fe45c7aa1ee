// The demo picker: list the seeded staff and sign in as one without a password. Registered
// only when KEYHOLE_DEMO=1 (which `npm start` sets); absent otherwise.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { loadAgent } from '../../access/agents.js';
import { KeyholeError } from '../../shared/errors.js';
import type { Runtime } from '../runtime.js';
import { AgentSchema, errorResponses, IdSchema } from '../schemas.js';
import { createSession, SESSION_TTL_MS } from '../../identity/sessions.js';
import { setSessionCookie } from '../../identity/cookies.js';
import { deviceForSignIn, setDeviceCookie } from '../../identity/device.js';
import { clientOf } from '../auth.js';
import { declareSecurity } from '../openapi.js';

/** Registers GET /v1/demo/agents and POST /v1/demo/login. */
export function demoRoutes(rt: Runtime): FastifyPluginAsyncZod {
  return async (app) => {
    declareSecurity(app, []); // public, demo mode only
    app.get('/v1/demo/agents', { schema: { tags: ['demo'], summary: 'Demo staff to sign in as (KEYHOLE_DEMO=1 only)', response: { 200: z.object({ agents: z.array(AgentSchema) }) } } },
      async () => ({
        agents: await rt.db.selectFrom('agents').select(['id', 'name', 'email', 'role', 'team', 'vendor', 'regions', 'status'])
          .orderBy('role').orderBy('id').limit(500).execute(),
      }));

    app.post('/v1/demo/login', {
      schema: { tags: ['demo'], summary: 'Sign in as a demo agent (KEYHOLE_DEMO=1 only)', body: z.strictObject({ agentId: IdSchema }), response: { 200: AgentSchema, ...errorResponses } },
    }, async (req, reply) => {
      const agent = await loadAgent(rt.db, req.body.agentId);
      if (!agent || agent.status !== 'active') throw new KeyholeError('NOT_FOUND', 'No such active agent.');
      const device = deviceForSignIn(req); // the session is bound to this browser's device cookie
      const secret = await createSession(rt.db, rt.clock, agent.id, { client: clientOf(req) });
      setSessionCookie(req, reply, 'agent', secret, SESSION_TTL_MS / 1000);
      setDeviceCookie(req, reply, device);
      return agent;
    });
  };
}
