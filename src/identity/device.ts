// The device cookie (issue 15 item 2): a random id the server issues to a browser at staff
// sign-in (`kh_device`, httpOnly, SameSite=Strict, `__Host-` over TLS, ~400 days) and records,
// hashed, on the session's `session_start`. Every later request carries its hash as the
// device fingerprint (`details.dev`), so a session cookie replayed from another browser shows
// a different device — unlike the User-Agent, which a cookie thief copies along.
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isSecureRequest } from './cookies.js';

/** The device cookie's base name. */
export const DEVICE_COOKIE = 'kh_device';
/** Its lifetime: 400 days (the RFC 6265bis cap), in seconds. */
const DEVICE_MAX_AGE_S = 400 * 86_400;
const DEVICE_ID = /^dv_[A-Za-z0-9_-]{32,64}$/;

function cookieName(req: FastifyRequest): string {
  return isSecureRequest(req) ? `__Host-${DEVICE_COOKIE}` : DEVICE_COOKIE;
}

/** The device id `req` carries (attacker-controlled: accepted only in the issued shape), if any. */
export function deviceIdOf(req: FastifyRequest): string | undefined {
  const v = req.cookies[cookieName(req)];
  return v !== undefined && DEVICE_ID.test(v) ? v : undefined;
}

/** The device id of `req`, issuing (and setting) a new one when it has none. Called at sign-in. */
export function ensureDeviceCookie(req: FastifyRequest, reply: FastifyReply): string {
  const have = deviceIdOf(req);
  if (have) return have;
  const id = `dv_${randomBytes(24).toString('base64url')}`;
  reply.setCookie(cookieName(req), id, { path: '/', httpOnly: true, sameSite: 'strict', secure: isSecureRequest(req), maxAge: DEVICE_MAX_AGE_S });
  // Later hooks in this request (ctxOf) see the device just issued.
  req.cookies[cookieName(req)] = id;
  return id;
}
