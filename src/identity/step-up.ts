// Security keys and step-up for staff (WebAuthn Level 3 via @simplewebauthn/server, as the
// customer portal does for customers): staff register keys from their profile; a decision
// that opens data to someone else or changes who has access needs a user-verified assertion
// made for that very action on that very target (the challenge is bound to agent, action and
// target) within 5 minutes. The assertion yields a single-use step-up token the client sends
// with the action (`X-Keyhole-Step-Up`); using it is recorded (`step_up`, with the credential
// id) under the action's request id. Staff without a key who signed in with single sign-on
// may instead re-authenticate at the provider (a session authenticated in the last 5 minutes).
import { createHash, randomBytes } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { webAuthnServer } from '../shared/webauthn-server.js';
import type { BrokerEvents } from '../access/events.js';
import type { Agent, BrokerDb } from '../access/model.js';
import { appendAudit } from '../audit/append.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import type { Clock } from '../shared/clock.js';
import { KeyholeError } from '../shared/errors.js';
import type { RelyingParty } from '../server/customer/webauthn.js';
import type { IdentityDb } from './tables.js';

/** How long a challenge, and the step-up it yields, stay valid: 5 minutes, in ms. */
export const STEP_UP_MAX_AGE_MS = 5 * 60_000;

/** The actions that need a step-up. */
export const STEP_UP_ACTIONS = ['reveal_approve', 'break_glass_approve', 'break_glass_deny', 'agent_suspend', 'agent_reinstate', 'incident_open', 'protection_apply', 'session_confirm'] as const;
/** One of them. */
export type StepUpAction = (typeof STEP_UP_ACTIONS)[number];

/** KEYHOLE_STAFF_STEP_UP: `required` (default outside demo mode) or `off`.
 *  @throws KeyholeError BAD_REQUEST on another value. */
export function stepUpModeFromEnv(env: Readonly<Record<string, string | undefined>>, demo: boolean): 'required' | 'off' {
  const v = env.KEYHOLE_STAFF_STEP_UP?.trim();
  if (!v) return demo ? 'off' : 'required';
  if (v !== 'required' && v !== 'off') throw new KeyholeError('BAD_REQUEST', 'KEYHOLE_STAFF_STEP_UP must be required or off.');
  return v;
}

/** What step-up needs. */
export interface StepUpDeps {
  readonly db: BrokerDb;
  readonly clock: Clock;
  readonly events: BrokerEvents;
  readonly rp: RelyingParty;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();
const idb = (d: StepUpDeps) => d.db as unknown as IdentityDb;

function challengeBytes(challenge: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(challenge, 'base64url'));
}

function clientData(response: { response: { clientDataJSON: string } }): { challenge: string; origin: string } {
  try {
    const json = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown; origin?: unknown };
    if (typeof json.challenge !== 'string') throw new Error('no challenge');
    return { challenge: json.challenge, origin: typeof json.origin === 'string' ? json.origin : '' };
  } catch (cause) {
    throw new KeyholeError('STEP_UP_INVALID', undefined, { cause });
  }
}

function originOk(rp: RelyingParty, origin: string): boolean {
  if (rp.origins.includes(origin)) return true;
  if (rp.rpId !== 'localhost') return false;
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' && u.hostname === 'localhost' && u.pathname === '/';
  } catch {
    return false;
  }
}

async function storeChallenge(d: StepUpDeps, agentId: string, purpose: 'register' | 'step_up', action: string | null, target: string | null): Promise<string> {
  const challenge = randomBytes(32).toString('base64url');
  const now = d.clock.now();
  await idb(d).deleteFrom('staff_challenges').where('expires_at', '<', new Date(now.getTime() - 24 * 3600_000)).execute();
  await idb(d).deleteFrom('staff_step_ups').where('expires_at', '<', new Date(now.getTime() - 24 * 3600_000)).execute();
  await idb(d).insertInto('staff_challenges').values({ challenge, agent_id: agentId, purpose, action, target, created_at: now, expires_at: new Date(now.getTime() + STEP_UP_MAX_AGE_MS), used_at: null }).execute();
  return challenge;
}

/** A staff key as listed (no key material). */
export interface StaffKey {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

/** The keys of `agentId`, oldest first. */
export async function listKeys(d: StepUpDeps, agentId: string): Promise<StaffKey[]> {
  const rows = await idb(d).selectFrom('staff_credentials').select(['id', 'name', 'created_at', 'last_used_at']).where('agent_id', '=', agentId).orderBy('created_at').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at.toISOString(), lastUsedAt: r.last_used_at?.toISOString() ?? null }));
}

/** Registration options for `agent` (user verification required; its keys excluded). */
export async function staffRegistrationOptions(d: StepUpDeps, agent: Agent) {
  const existing = await idb(d).selectFrom('staff_credentials').select(['id', 'transports']).where('agent_id', '=', agent.id).execute();
  const challenge = await storeChallenge(d, agent.id, 'register', null, null);
  return (await webAuthnServer()).generateRegistrationOptions({
    rpName: d.rp.rpName, rpID: d.rp.rpId, userName: agent.email, userDisplayName: agent.name, userID: new TextEncoder().encode(agent.id), challenge: challengeBytes(challenge),
    attestationType: 'none', excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports as never })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
  });
}

async function record(d: StepUpDeps, requestId: string, action: AuditRecord['action'], decision: 'allow' | 'deny', agentId: string, reason: string | null, details: AuditRecord['details'], trx?: IdentityDb): Promise<void> {
  const r: AuditRecord = { v: 1, time: d.clock.now().toISOString(), requestId, action, agentId, customerId: null, ticketId: null, decision, fields: {}, policyIds: [], reason, details };
  if (trx) await appendAudit(trx, r);
  else {
    await idb(d).transaction().execute(async (tx) => {
      const t: IdentityDb = tx;
      await appendAudit(t, r);
    });
  }
  d.events.publish({ type: 'audit', record: r });
}

/** Verifies a registration and stores the key as `name`; records `credential_register`.
 *  @throws KeyholeError STEP_UP_INVALID. */
export async function registerKey(d: StepUpDeps, agent: Agent, name: string, response: RegistrationResponseJSON, requestId: string): Promise<StaffKey> {
  const { challenge, origin } = clientData(response);
  const now = d.clock.now();
  const ch = await idb(d).updateTable('staff_challenges').set({ used_at: now }).where('challenge', '=', challenge).where('purpose', '=', 'register')
    .where('agent_id', '=', agent.id).where('used_at', 'is', null).where('expires_at', '>', now).returning('challenge').executeTakeFirst();
  if (!ch) throw new KeyholeError('STEP_UP_INVALID', 'The registration challenge is unknown, used or expired; start again.');
  let v;
  try {
    v = await (await webAuthnServer()).verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: originOk(d.rp, origin) ? origin : d.rp.origins[0] ?? '', expectedRPID: d.rp.rpId, requireUserVerification: true });
  } catch (cause) {
    throw new KeyholeError('STEP_UP_INVALID', undefined, { cause });
  }
  if (!v.verified) throw new KeyholeError('STEP_UP_INVALID');
  const c = v.registrationInfo.credential;
  await idb(d).transaction().execute(async (tx) => {
    const trx: IdentityDb = tx;
    await trx.insertInto('staff_credentials').values({ id: c.id, agent_id: agent.id, name, public_key: Buffer.from(c.publicKey), counter: c.counter, transports: c.transports ?? [], created_at: now, last_used_at: null }).execute();
    await record(d, requestId, 'credential_register', 'allow', agent.id, null, { credentialId: c.id, name }, trx);
  });
  return { id: c.id, name, createdAt: now.toISOString(), lastUsedAt: null };
}

/** Removes key `id` of `agent`; records `credential_remove`. @throws KeyholeError CREDENTIAL_NOT_FOUND. */
export async function removeKey(d: StepUpDeps, agent: Agent, id: string, requestId: string): Promise<void> {
  await idb(d).transaction().execute(async (tx) => {
    const trx: IdentityDb = tx;
    const r = await trx.deleteFrom('staff_credentials').where('id', '=', id).where('agent_id', '=', agent.id).returning('id').executeTakeFirst();
    if (!r) throw new KeyholeError('CREDENTIAL_NOT_FOUND');
    await record(d, requestId, 'credential_remove', 'allow', agent.id, null, { credentialId: id }, trx);
  });
}

/** Assertion options for `action` on `target` with one of `agent`'s keys.
 *  @throws KeyholeError STEP_UP_NO_KEY when it has none. */
export async function stepUpOptions(d: StepUpDeps, agent: Agent, action: StepUpAction, target: string) {
  const keys = await idb(d).selectFrom('staff_credentials').select(['id', 'transports']).where('agent_id', '=', agent.id).execute();
  if (keys.length === 0) throw new KeyholeError('STEP_UP_NO_KEY');
  const challenge = await storeChallenge(d, agent.id, 'step_up', action, target);
  return (await webAuthnServer()).generateAuthenticationOptions({ rpID: d.rp.rpId, challenge: challengeBytes(challenge), userVerification: 'required', allowCredentials: keys.map((k) => ({ id: k.id, transports: k.transports as never })) });
}

/** Verifies a user-verified assertion answering a challenge made for `action` on `target`
 *  by `agent`, not older than 5 minutes; returns the single-use step-up token.
 *  @throws KeyholeError STEP_UP_INVALID (recorded as `step_up_refused`). */
export async function verifyStepUp(d: StepUpDeps, agent: Agent, action: StepUpAction, target: string, response: AuthenticationResponseJSON, requestId: string): Promise<{ token: string; expiresAt: Date; credentialId: string }> {
  const refuse = async (reason: string, cause?: unknown): Promise<never> => {
    await record(d, requestId, 'step_up_refused', 'deny', agent.id, reason, { stepUpAction: action, target, credentialId: typeof response?.id === 'string' ? response.id.slice(0, 200) : null });
    throw new KeyholeError('STEP_UP_INVALID', undefined, cause === undefined ? undefined : { cause });
  };
  let data: { challenge: string; origin: string };
  try {
    data = clientData(response);
  } catch {
    return refuse('the assertion is malformed');
  }
  const now = d.clock.now();
  const ch = await idb(d).updateTable('staff_challenges').set({ used_at: now }).where('challenge', '=', data.challenge).where('purpose', '=', 'step_up')
    .where('agent_id', '=', agent.id).where('used_at', 'is', null).returning(['action', 'target', 'created_at', 'expires_at']).executeTakeFirst();
  if (!ch) return refuse('unknown or used challenge');
  if (ch.action !== action || ch.target !== target) return refuse('the assertion was made for another action');
  if (ch.expires_at.getTime() <= now.getTime()) return refuse('the assertion is older than 5 minutes');
  const cred = await idb(d).selectFrom('staff_credentials').selectAll().where('id', '=', response.id).where('agent_id', '=', agent.id).executeTakeFirst();
  if (!cred) return refuse('not one of this agent\'s keys');
  let v;
  try {
    v = await (await webAuthnServer()).verifyAuthenticationResponse({
      response, expectedChallenge: data.challenge, expectedOrigin: originOk(d.rp, data.origin) ? data.origin : d.rp.origins[0] ?? '', expectedRPID: d.rp.rpId, requireUserVerification: true,
      credential: { id: cred.id, publicKey: new Uint8Array(cred.public_key), counter: Number(cred.counter), transports: cred.transports as never },
    });
  } catch (cause) {
    return refuse('the assertion does not verify', cause);
  }
  if (!v.verified) return refuse('the assertion does not verify');
  const token = `su_${randomBytes(32).toString('base64url')}`;
  await idb(d).transaction().execute(async (trx) => {
    await trx.updateTable('staff_credentials').set({ counter: v.authenticationInfo.newCounter, last_used_at: now }).where('id', '=', cred.id).execute();
    await trx.insertInto('staff_step_ups').values({ token_hash: sha256(token), agent_id: agent.id, action, target, credential_id: cred.id, created_at: now, expires_at: ch.expires_at, used_at: null }).execute();
  });
  return { token, expiresAt: ch.expires_at, credentialId: cred.id };
}

/** Consumes the step-up `token` for `action` on `target` by `agent` and records `step_up`
 *  (with the credential id, and the caller's `client` fingerprints and session code when given:
 *  the session-binding detector takes a fresh step-up as the staff member confirming that
 *  client) under the action's `requestId`; or, for an agent without keys
 *  whose single sign-on session was authenticated in the last 5 minutes, accepts that.
 *  @throws KeyholeError STEP_UP_REQUIRED (no token), STEP_UP_NO_KEY (no key and no fresh
 *  sign-in), STEP_UP_INVALID (a token for another action or target, used, or expired). */
export async function consumeStepUp(d: StepUpDeps, agent: Agent, action: StepUpAction, target: string, token: string | undefined, requestId: string, session: { authMethod: string; authTime: Date | null } | undefined,
  client?: { readonly net: string; readonly dev: string; readonly session?: string | undefined }): Promise<void> {
  const now = d.clock.now();
  const where = client ? { net: client.net, dev: client.dev, ...(client.session ? { sess: client.session } : {}) } : {};
  if (token === undefined) {
    const keys = await idb(d).selectFrom('staff_credentials').select('id').where('agent_id', '=', agent.id).limit(1).execute();
    if (keys.length > 0) throw new KeyholeError('STEP_UP_REQUIRED', undefined, { details: { action, target } });
    if (session?.authMethod === 'oidc' && session.authTime && now.getTime() - session.authTime.getTime() <= STEP_UP_MAX_AGE_MS) {
      await record(d, requestId, 'step_up', 'allow', agent.id, null, { stepUpAction: action, target, method: 'reauthentication', credentialId: null, ...where });
      return;
    }
    throw new KeyholeError('STEP_UP_NO_KEY', undefined, { details: { action, target, reauthenticate: '/v1/auth/oidc/login?reauth=1' } });
  }
  await idb(d).transaction().execute(async (tx) => {
    const trx: IdentityDb = tx;
    const row = await trx.updateTable('staff_step_ups').set({ used_at: now }).where('token_hash', '=', sha256(token)).where('agent_id', '=', agent.id)
      .where('used_at', 'is', null).returning(['action', 'target', 'credential_id', 'expires_at']).executeTakeFirst();
    if (!row || row.action !== action || row.target !== target || row.expires_at.getTime() <= now.getTime()) {
      throw new KeyholeError('STEP_UP_INVALID', undefined, { details: { refused: row ? (row.expires_at.getTime() <= now.getTime() ? 'expired' : 'another action') : 'unknown or used' } });
    }
    await record(d, requestId, 'step_up', 'allow', agent.id, null, { stepUpAction: action, target, method: 'webauthn', credentialId: row.credential_id, ...where }, trx);
  }).catch(async (e: unknown) => {
    if (e instanceof KeyholeError && e.code === 'STEP_UP_INVALID') {
      await record(d, requestId, 'step_up_refused', 'deny', agent.id, String(e.details?.refused ?? 'invalid'), { stepUpAction: action, target });
    }
    throw e;
  });
}
