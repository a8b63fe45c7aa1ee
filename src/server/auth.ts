// The authentication hook of the agent API scope: a session cookie or a bearer token yields a
// freshly loaded, active agent for the request; anything else is 401. Public routes are
// registered outside this scope (never skipped by URL prefix).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Agent, RequestContext } from '../access/model.js';
import { clientFingerprint } from '../detect/fingerprint.js';
import { KeyholeError } from '../shared/errors.js';
import type { Runtime } from './runtime.js';
import { agentForSession, agentForToken, SESSION_COOKIE } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    agent: Agent | undefined;
  }
}

/** Adds the hook that authenticates every route of `scope`. */
export function requireAgent(scope: FastifyInstance, rt: Runtime): void {
  scope.decorateRequest('agent', undefined);
  scope.addHook('onRequest', async (req) => {
    const header = req.headers.authorization;
    let agent: Agent | undefined;
    if (header !== undefined) {
      const m = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(header);
      agent = m?.[1] ? await agentForToken(rt.db, m[1]) : undefined;
    } else {
      const cookie = req.cookies[SESSION_COOKIE];
      agent = cookie ? await agentForSession(rt.db, rt.clock, cookie) : undefined;
    }
    if (!agent) throw new KeyholeError('UNAUTHENTICATED');
    req.agent = agent;
  });
}

/** The broker context of an authenticated request. */
export function ctxOf(req: FastifyRequest): RequestContext {
  if (!req.agent) throw new KeyholeError('UNAUTHENTICATED');
  return { agent: req.agent, requestId: req.id, client: clientFingerprint(req.ip, req.headers['user-agent']) };
}
