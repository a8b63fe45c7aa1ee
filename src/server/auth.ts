// The authentication hook of the agent API scope: a session cookie or a bearer token yields a
// freshly loaded, active agent for the request; anything else is 401. Public routes are
// registered outside this scope (never skipped by URL prefix). A presented credential that fails
// counts against the client's sign-in limit (src/server/sign-in-limit.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Agent, RequestContext } from '../access/model.js';
import { clientFingerprint, type DeviceKey } from '../detect/fingerprint.js';
import { deviceIdOf } from '../identity/device.js';
import { sessionCodeOf } from '../identity/session-code.js';
import { KeyholeError } from '../shared/errors.js';
import type { Runtime } from './runtime.js';
import { agentForSession } from '../identity/sessions.js';
import { readSessionCookie } from '../identity/cookies.js';
import { agentForToken, serviceForToken, type ServicePrincipal, type TokenScope } from '../identity/tokens.js';
import { limitedSignIn } from './sign-in-limit.js';

declare module 'fastify' {
  interface FastifyRequest {
    agent: Agent | undefined;
    service: ServicePrincipal | undefined;
  }
}

/** Adds the hook that authenticates every route of `scope`. */
export function requireAgent(scope: FastifyInstance, rt: Runtime): void {
  scope.decorateRequest('agent', undefined);
  scope.addHook('onRequest', async (req, reply) => {
    const header = req.headers.authorization;
    let agent: Agent | undefined;
    if (header !== undefined) {
      const m = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(header);
      agent = await limitedSignIn(req, reply, async () => (m?.[1] ? agentForToken(rt.db, rt.clock, m[1]) : undefined));
    } else {
      const cookie = readSessionCookie(req, 'agent');
      if (cookie) agent = await limitedSignIn(req, reply, () => agentForSession(rt.db, rt.clock, cookie));
    }
    if (!agent) throw new KeyholeError('UNAUTHENTICATED');
    req.agent = agent;
  });
}

/** The device key of `req`: a bearer token, else the device cookie issued at sign-in (if sent). */
export function deviceKeyOf(req: FastifyRequest): DeviceKey {
  if (req.headers.authorization !== undefined) return { bearer: true };
  const id = deviceIdOf(req);
  return id === undefined ? undefined : { cookie: id };
}

/** The fingerprints of `req`'s client: network from `req.ip` (the X-Forwarded-For client behind
 *  a trusted proxy), device from the device cookie. */
export function clientOf(req: FastifyRequest): { readonly net: string; readonly dev: string } {
  return clientFingerprint(req.ip, deviceKeyOf(req));
}

/** The broker context of an authenticated request. */
export function ctxOf(req: FastifyRequest): RequestContext {
  if (!req.agent) throw new KeyholeError('UNAUTHENTICATED');
  return { agent: req.agent, requestId: req.id, client: { ...clientOf(req), session: sessionCodeOf(req) } };
}

/** Adds the hook that authenticates every route of `scope` as a service (a `service` or
 *  `scim` bearer token, RFC 6750) holding `scopeName`. A missing, unknown, revoked or expired
 *  token is 401; a live token without the scope is 403 INSUFFICIENT_SCOPE. */
export function requireService(scope: FastifyInstance, rt: Runtime, scopeName: TokenScope): void {
  scope.decorateRequest('service', undefined);
  scope.addHook('onRequest', async (req, reply) => {
    const header = req.headers.authorization;
    const m = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(header ?? '');
    const service = header === undefined ? undefined : await limitedSignIn(req, reply, async () => (m?.[1] ? serviceForToken(rt.db, rt.clock, m[1]) : undefined));
    if (!service) throw new KeyholeError('UNAUTHENTICATED', 'A valid service token is required.');
    if (!service.scopes.includes(scopeName)) throw new KeyholeError('INSUFFICIENT_SCOPE', `This token lacks the scope ${scopeName}.`);
    req.service = service;
  });
}
