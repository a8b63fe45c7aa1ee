// Agent sessions: server-side sessions behind an httpOnly, SameSite=Strict cookie. Only
// SHA-256 hashes of session ids are stored. Bearer tokens are in ./tokens.ts.
import { createHash, randomBytes } from 'node:crypto';
import type { Agent, BrokerDb } from '../access/model.js';
import type { Clock } from '../shared/clock.js';
import { appendAudit } from '../audit/append.js';
import { newId } from '../access/ids.js';
import { sessionCode } from './session-code.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'kh_session';
/** Session lifetime: 12 hours (one long shift), in ms. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;

/** SHA-256 of a session id or token, as stored. */
export const secretHash = (secret: string): Buffer => createHash('sha256').update(secret).digest();
const hash = secretHash;

/** Starts a session for `agentId` and records `session_start` with the session's code
 *  (`details.session`, never the secret) in the same transaction, so a forensic mark that names
 *  the code is tied to the agent by the log alone; returns the secret for the cookie (shown
 *  once). @throws KeyholeError AUDIT_APPEND_FAILED when it cannot be recorded (no session then). */
export async function createSession(db: BrokerDb, clock: Clock, agentId: string, via = 'demo'): Promise<string> {
  const secret = randomBytes(32).toString('base64url');
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await db.transaction().execute(async (tx) => {
    const trx: BrokerDb = tx;
    await trx.insertInto('agent_sessions').values({ id_hash: hash(secret), agent_id: agentId, created_at: now, expires_at: expiresAt, ended_at: null }).execute();
    await appendAudit(trx, {
      v: 1, time: now.toISOString(), requestId: newId('req'), action: 'session_start', agentId, customerId: null, ticketId: null,
      decision: 'allow', fields: {}, policyIds: [], reason: null, details: { session: sessionCode(secret), via, expiresAt: expiresAt.toISOString() },
    });
  });
  return secret;
}

/** Ends the session with `secret` (idempotent). */
export async function endSession(db: BrokerDb, clock: Clock, secret: string): Promise<void> {
  await db.updateTable('agent_sessions').set({ ended_at: clock.now() }).where('id_hash', '=', hash(secret)).where('ended_at', 'is', null).execute();
}

/** The active agent of a live session `secret`, or undefined (unknown, ended, expired, or the
 *  agent is suspended — suspension ends sessions, and this check holds even if that failed). */
export async function agentForSession(db: BrokerDb, clock: Clock, secret: string): Promise<Agent | undefined> {
  return db.selectFrom('agent_sessions as s').innerJoin('agents as a', 'a.id', 's.agent_id')
    .select(['a.id', 'a.name', 'a.email', 'a.role', 'a.team', 'a.vendor', 'a.regions', 'a.status'])
    .where('s.id_hash', '=', hash(secret)).where('s.ended_at', 'is', null).where('s.expires_at', '>', clock.now())
    .where('a.status', '=', 'active').executeTakeFirst();
}
