// Agent sessions: server-side sessions behind an httpOnly, SameSite=Strict cookie. Only
// SHA-256 hashes of session ids are stored. Bearer tokens are in ./tokens.ts.
import { createHash, randomBytes } from 'node:crypto';
import type { Agent, BrokerDb } from '../access/model.js';
import type { Clock } from '../shared/clock.js';
import { appendAudit } from '../audit/append.js';
import { newId } from '../access/ids.js';
import { sessionCode } from './session-code.js';
import type { IdentityDb } from './tables.js';

/** The session cookie's name. */
export { SESSION_COOKIE } from './cookies.js';
/** Session lifetime: 12 hours (one long shift), in ms. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;

/** SHA-256 of a session id or token, as stored. */
export const secretHash = (secret: string): Buffer => createHash('sha256').update(secret).digest();
const hash = secretHash;

/** How a session was authenticated (migrations/0020_identity.sql). */
export interface SessionOptions {
  /** When it ends at the latest (never later than SESSION_TTL_MS from now). */
  readonly expiresAt?: Date;
  /** 'demo' (the demo picker, default) or 'oidc'. */
  readonly authMethod?: 'demo' | 'oidc';
  /** When the identity provider authenticated the person (OIDC `auth_time`). */
  readonly authTime?: Date;
  /** The OIDC issuer that signed the person in. */
  readonly oidcIssuer?: string;
  /** The fingerprints of the signing-in client (network, device cookie): the session is bound
   *  to them on the log (`session_start` `details.net` / `details.dev`). */
  readonly client?: { readonly net: string; readonly dev: string };
}

/** Starts a session for `agentId` and records `session_start` with the session's code
 *  (`details.session`, never the secret) in the same transaction, so a forensic mark that names
 *  the code is tied to the agent by the log alone; returns the secret for the cookie (shown
 *  once). @throws KeyholeError AUDIT_APPEND_FAILED when it cannot be recorded (no session then). */
export async function createSession(db: BrokerDb, clock: Clock, agentId: string, opts: SessionOptions = {}): Promise<string> {
  const secret = randomBytes(32).toString('base64url');
  const now = clock.now();
  const ttlEnd = now.getTime() + SESSION_TTL_MS;
  const expiresAt = new Date(Math.min(ttlEnd, opts.expiresAt?.getTime() ?? ttlEnd));
  const row = { id_hash: hash(secret), agent_id: agentId, created_at: now, expires_at: expiresAt, ended_at: null };
  const via = opts.authMethod ?? 'demo';
  await db.transaction().execute(async (tx) => {
    const trx: BrokerDb = tx;
    if (via === 'demo') await trx.insertInto('agent_sessions').values(row).execute();
    else await (trx as unknown as IdentityDb).insertInto('agent_sessions').values({ ...row, auth_method: via, auth_time: opts.authTime ?? now, oidc_issuer: opts.oidcIssuer ?? null }).execute();
    await appendAudit(trx, {
      v: 1, time: now.toISOString(), requestId: newId('req'), action: 'session_start', agentId, customerId: null, ticketId: null,
      decision: 'allow', fields: {}, policyIds: [], reason: null, details: { session: sessionCode(secret), via, expiresAt: expiresAt.toISOString(), ...(opts.client ? { net: opts.client.net, dev: opts.client.dev } : {}) },
    });
  });
  return secret;
}

/** How the live session `secret` was authenticated, or undefined. */
export async function sessionInfo(db: BrokerDb, clock: Clock, secret: string): Promise<{ agentId: string; authMethod: string; authTime: Date | null; oidcIssuer: string | null; expiresAt: Date } | undefined> {
  const r = await (db as unknown as IdentityDb).selectFrom('agent_sessions').select(['agent_id', 'auth_method', 'auth_time', 'oidc_issuer', 'expires_at'])
    .where('id_hash', '=', hash(secret)).where('ended_at', 'is', null).where('expires_at', '>', clock.now()).executeTakeFirst();
  return r ? { agentId: r.agent_id, authMethod: r.auth_method, authTime: r.auth_time ?? null, oidcIssuer: r.oidc_issuer ?? null, expiresAt: r.expires_at } : undefined;
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
