// The device cookie (issue 15 item 2): a random id the server issues to a browser at staff
// sign-in (`kh_device`, httpOnly, SameSite=Lax so the single sign-on callback still sees it — it
// authorizes nothing —, `__Host-` over TLS, ~400 days) and records,
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

/** The device id of `req` at sign-in: the one it carries, or a new one (seen by the rest of this
 *  request, e.g. `clientOf`). Send it with `setDeviceCookie` after the session cookie. */
export function deviceForSignIn(req: FastifyRequest): { readonly id: string; readonly issued: boolean } {
  const have = deviceIdOf(req);
  if (have) return { id: have, issued: false };
  const id = `dv_${randomBytes(24).toString('base64url')}`;
  req.cookies[cookieName(req)] = id;
  return { id, issued: true };
}

/** Sets (or refreshes) the device cookie to `device.id` for ~400 days. */
export function setDeviceCookie(req: FastifyRequest, reply: FastifyReply, device: { readonly id: string }): void {
  reply.setCookie(cookieName(req), device.id, { path: '/', httpOnly: true, sameSite: 'lax', secure: isSecureRequest(req), maxAge: DEVICE_MAX_AGE_S });
}
