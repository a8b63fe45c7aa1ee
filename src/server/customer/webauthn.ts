// Passkeys for customers (WebAuthn Level 3 via @simplewebauthn/server): registration while
// signed in, discoverable sign-in, and consent assertions with user verification required,
// each bound to a single-use, 5-minute challenge stored server-side.
import { randomBytes } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { webAuthnServer } from '../../shared/webauthn-server.js';
import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock.js';
import { KeyholeError } from '../../shared/errors.js';
import type { CustomerAuthTables } from './tables.js';

/** The relying party: its id (a registrable domain, e.g. `localhost`) and the exact origins
 *  allowed (e.g. `http://localhost:8080`). With rpId `localhost`, any `http://localhost:<port>`
 *  origin is accepted (development and tests). */
export interface RelyingParty {
  readonly rpId: string;
  readonly rpName: string;
  readonly origins: readonly string[];
}

const CHALLENGE_MS = 5 * 60_000;
type Purpose = 'register' | 'authenticate' | 'consent' | 'unlock';
type Db = Kysely<CustomerAuthTables>;

/** The relying party from KEYHOLE_RP_ID / KEYHOLE_ORIGIN (default localhost). */
export function relyingPartyFromEnv(env: NodeJS.ProcessEnv): RelyingParty {
  const rpId = env.KEYHOLE_RP_ID || 'localhost';
  const origins = (env.KEYHOLE_ORIGIN || 'http://localhost:8080').split(',').map((o) => o.trim()).filter(Boolean);
  return { rpId, rpName: 'Keyhole', origins };
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

function clientChallenge(response: { response: { clientDataJSON: string } }): string {
  try {
    const json = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown; origin?: unknown };
    if (typeof json.challenge !== 'string') throw new Error('no challenge');
    return json.challenge;
  } catch (cause) {
    throw new KeyholeError('PASSKEY_INVALID', undefined, { cause });
  }
}

function clientOrigin(response: { response: { clientDataJSON: string } }): string {
  const json = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as { origin?: unknown };
  return typeof json.origin === 'string' ? json.origin : '';
}

async function storeChallenge(db: Db, clock: Clock, purpose: Purpose, customerId: string | null, subject: string | null): Promise<string> {
  const challenge = randomBytes(32).toString('base64url');
  const now = clock.now();
  await db.insertInto('webauthn_challenges').values({ challenge, purpose, customer_id: customerId, subject, created_at: now, expires_at: new Date(now.getTime() + CHALLENGE_MS), used_at: null }).execute();
  return challenge;
}

/** The bytes of a stored (base64url) challenge. @simplewebauthn/server UTF-8-encodes a string
 *  challenge before base64url-encoding it, so the client would echo another string than the one
 *  stored; passing the bytes makes the client's `challenge` equal the stored one. */
function challengeBytes(challenge: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(challenge, 'base64url'));
}

/** Consumes the stored challenge the client answered (single use), checking its purpose,
 *  customer and subject. @throws KeyholeError PASSKEY_INVALID. */
async function takeChallenge(db: Db, clock: Clock, challenge: string, purpose: Purpose, customerId: string | null, subject: string | null): Promise<void> {
  const now = clock.now();
  let q = db.updateTable('webauthn_challenges').set({ used_at: now }).where('challenge', '=', challenge).where('purpose', '=', purpose)
    .where('used_at', 'is', null).where('expires_at', '>', now);
  q = customerId === null ? q : q.where('customer_id', '=', customerId);
  q = subject === null ? q : q.where('subject', '=', subject);
  const row = await q.returning('challenge').executeTakeFirst();
  if (!row) throw new KeyholeError('PASSKEY_INVALID', 'The passkey challenge is unknown, used or expired; start again.');
}

/** Registration options for the signed-in customer (resident key, user verification required). */
export async function registrationOptions(db: Db, clock: Clock, rp: RelyingParty, customer: { id: string; accountId: string }) {
  const existing = await db.selectFrom('customer_credentials').select(['id', 'transports']).where('customer_id', '=', customer.id).execute();
  const challenge = await storeChallenge(db, clock, 'register', customer.id, null);
  return (await webAuthnServer()).generateRegistrationOptions({
    rpName: rp.rpName, rpID: rp.rpId, userName: customer.accountId, userID: new TextEncoder().encode(customer.id), challenge: challengeBytes(challenge),
    attestationType: 'none', excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
}

/** Verifies a registration and stores the credential. @throws KeyholeError PASSKEY_INVALID. */
export async function verifyRegistration(db: Db, clock: Clock, rp: RelyingParty, customerId: string, response: RegistrationResponseJSON): Promise<string> {
  const challenge = clientChallenge(response);
  await takeChallenge(db, clock, challenge, 'register', customerId, null);
  const origin = clientOrigin(response);
  let v;
  try {
    v = await (await webAuthnServer()).verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: originOk(rp, origin) ? origin : rp.origins[0] ?? '', expectedRPID: rp.rpId, requireUserVerification: true });
  } catch (cause) {
    throw new KeyholeError('PASSKEY_INVALID', undefined, { cause });
  }
  if (!v.verified) throw new KeyholeError('PASSKEY_INVALID');
  const c = v.registrationInfo.credential;
  await db.insertInto('customer_credentials').values({
    id: c.id, customer_id: customerId, public_key: Buffer.from(c.publicKey), counter: c.counter, transports: c.transports ?? [], created_at: clock.now(), last_used_at: null,
  }).execute();
  return c.id;
}

/** What a customer's assertion authorizes beyond sign-in: approving one reveal request
 *  (`consent`, subject = the request id) or lifting the privacy lock (`unlock`, subject = the
 *  customer id). */
export interface AssertionScope {
  readonly customerId: string;
  readonly requestId: string;
  readonly purpose?: 'consent' | 'unlock';
}

/** Options for a sign-in (discoverable credentials) or, with `consent`, for approving one
 *  reveal request (or lifting the lock) with one of the customer's own passkeys. */
export async function assertionOptions(db: Db, clock: Clock, rp: RelyingParty, consent?: AssertionScope) {
  const allow = consent ? await db.selectFrom('customer_credentials').select(['id', 'transports']).where('customer_id', '=', consent.customerId).execute() : [];
  if (consent && allow.length === 0) throw new KeyholeError('CONFLICT', 'Register a passkey first; consent needs one.');
  const challenge = await storeChallenge(db, clock, consent ? (consent.purpose ?? 'consent') : 'authenticate', consent?.customerId ?? null, consent?.requestId ?? null);
  return (await webAuthnServer()).generateAuthenticationOptions({ rpID: rp.rpId, challenge: challengeBytes(challenge), userVerification: 'required', allowCredentials: allow.map((c) => ({ id: c.id, transports: c.transports as never })) });
}

/** Verifies an assertion (user verification required) and returns the customer it belongs to;
 *  with `consent`, the assertion MUST answer that request's challenge with that customer's key.
 *  @throws KeyholeError PASSKEY_INVALID. */
export async function verifyAssertion(db: Db, clock: Clock, rp: RelyingParty, response: AuthenticationResponseJSON, consent?: AssertionScope): Promise<string> {
  const challenge = clientChallenge(response);
  await takeChallenge(db, clock, challenge, consent ? (consent.purpose ?? 'consent') : 'authenticate', consent?.customerId ?? null, consent?.requestId ?? null);
  const cred = await db.selectFrom('customer_credentials').selectAll().where('id', '=', response.id).executeTakeFirst();
  if (!cred || (consent && cred.customer_id !== consent.customerId)) throw new KeyholeError('PASSKEY_INVALID');
  const origin = clientOrigin(response);
  let v;
  try {
    v = await (await webAuthnServer()).verifyAuthenticationResponse({
      response, expectedChallenge: challenge, expectedOrigin: originOk(rp, origin) ? origin : rp.origins[0] ?? '', expectedRPID: rp.rpId, requireUserVerification: true,
      credential: { id: cred.id, publicKey: new Uint8Array(cred.public_key), counter: Number(cred.counter), transports: cred.transports },
    });
  } catch (cause) {
    throw new KeyholeError('PASSKEY_INVALID', undefined, { cause });
  }
  if (!v.verified) throw new KeyholeError('PASSKEY_INVALID');
  await db.updateTable('customer_credentials').set({ counter: v.authenticationInfo.newCounter, last_used_at: clock.now() }).where('id', '=', cred.id).execute();
  return cred.customer_id;
}
