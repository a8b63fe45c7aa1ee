// The session cookies (the agent's `kh_session`, the customer's `kh_customer`): httpOnly,
// SameSite=Strict, Path=/. A request served over TLS — directly, or behind a proxy Fastify
// trusts (KEYHOLE_TRUST_PROXY) that says `X-Forwarded-Proto: https` — gets the cookie `Secure`
// and under the `__Host-` prefix (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain), and only
// the prefixed name is read there, so a sibling host cannot plant a session (cookie tossing).
import type { FastifyReply, FastifyRequest } from 'fastify';
/** The staff session cookie (its sessions: sessions.ts). */
export const SESSION_COOKIE = 'kh_session';
/** The customer portal's session cookie (its sessions: src/server/customer/sessions.ts). */
export const CUSTOMER_COOKIE = 'kh_customer';

/** Whose session a cookie carries. */
export type SessionKind = 'agent' | 'customer';

const BASE: Readonly<Record<SessionKind, string>> = { agent: SESSION_COOKIE, customer: CUSTOMER_COOKIE };

/** True when `req` reached this server over TLS (Fastify's `protocol`, which honours
 *  `X-Forwarded-Proto` only from a trusted proxy). */
export function isSecureRequest(req: FastifyRequest): boolean {
  return req.protocol === 'https';
}

/** The cookie name of `kind` for `req`: `__Host-kh_session` over TLS, `kh_session` otherwise. */
export function sessionCookieName(req: FastifyRequest, kind: SessionKind): string {
  return isSecureRequest(req) ? `__Host-${BASE[kind]}` : BASE[kind];
}

/** The session secret `req` carries for `kind` (attacker-controlled), if any. */
export function readSessionCookie(req: FastifyRequest, kind: SessionKind): string | undefined {
  return req.cookies[sessionCookieName(req, kind)];
}

/** Sets the session cookie of `kind` to `secret` for `maxAgeS` seconds. */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, kind: SessionKind, secret: string, maxAgeS: number): void {
  reply.setCookie(sessionCookieName(req, kind), secret, { path: '/', httpOnly: true, sameSite: 'strict', secure: isSecureRequest(req), maxAge: Math.floor(maxAgeS) });
}

/** Removes the session cookie of `kind`. */
export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply, kind: SessionKind): void {
  reply.clearCookie(sessionCookieName(req, kind), { path: '/', httpOnly: true, sameSite: 'strict', secure: isSecureRequest(req) });
}
