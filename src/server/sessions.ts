// Agent authentication: server-side sessions behind an httpOnly, SameSite=Strict cookie, and
// bearer API tokens. Only SHA-256 hashes of session ids and tokens are stored.
import { createHash, randomBytes } from 'node:crypto';
import type { Agent, BrokerDb } from '../access/model.js';
import type { Clock } from '../shared/clock.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'kh_session';
/** Session lifetime: 12 hours (one long shift), in ms. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;

const hash = (secret: string) => createHash('sha256').update(secret).digest();

/** Starts a session for `agentId`; returns the secret for the cookie (shown once). */
export async function createSession(db: BrokerDb, clock: Clock, agentId: string): Promise<string> {
  const secret = randomBytes(32).toString('base64url');
  const now = clock.now();
  await db.insertInto('agent_sessions').values({ id_hash: hash(secret), agent_id: agentId, created_at: now, expires_at: new Date(now.getTime() + SESSION_TTL_MS), ended_at: null }).execute();
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

/** Creates a bearer API token for `agentId`; returns it (shown once). */
export async function createApiToken(db: BrokerDb, clock: Clock, agentId: string, label: string): Promise<string> {
  const token = `kh_${randomBytes(32).toString('base64url')}`;
  await db.insertInto('api_tokens').values({ token_hash: hash(token), agent_id: agentId, label, created_at: clock.now(), revoked_at: null }).execute();
  return token;
}

/** The active agent of an unrevoked API token, or undefined. */
export async function agentForToken(db: BrokerDb, token: string): Promise<Agent | undefined> {
  const a = await db.selectFrom('api_tokens as t').innerJoin('agents as a', 'a.id', 't.agent_id')
    .select(['a.id', 'a.name', 'a.email', 'a.role', 'a.team', 'a.vendor', 'a.regions', 'a.status'])
    .where('t.token_hash', '=', hash(token)).where('t.revoked_at', 'is', null).where('a.status', '=', 'active').executeTakeFirst();
  return a;
}
