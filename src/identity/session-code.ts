// The code a staff session goes by on screen (the console's watermark, visible and forensic)
// and on the log (`session_start` records, `details.sess` of every record it made).
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { readSessionCookie } from './cookies.js';

/** The code of the session with `secret`: `ABCD-1234`, the first four bytes (hex, upper case)
 *  of SHA-256 of the secret — the prefix of `agent_sessions.id_hash`, so a code leads to one
 *  session (2⁻³² chance that two live sessions share one). */
export function sessionCode(secret: string): string {
  const hex = createHash('sha256').update(secret).digest('hex').slice(0, 8).toUpperCase();
  return `${hex.slice(0, 4)}-${hex.slice(4)}`;
}

/** The caller's session code: from the session cookie, or `API-` and the first four hex digits
 *  of the hash for a bearer token (a token has no screen). '' when neither is present. */
export function sessionCodeOf(req: FastifyRequest): string {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return `API-${sessionCode(bearer).slice(0, 4)}`;
  const cookie = readSessionCookie(req, 'agent');
  return cookie === undefined ? '' : sessionCode(cookie);
}
