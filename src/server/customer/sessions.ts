// Customer sessions in the portal: an httpOnly, SameSite=Strict cookie; only its SHA-256 is
// stored. Customers sign in with a passkey (or the demo picker when KEYHOLE_DEMO=1).
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock.js';
import type { CustomerAuthTables } from './tables.js';
import type { AccessTables } from '../../access/tables.js';

/** The customer session cookie's name. */
export { CUSTOMER_COOKIE } from '../../identity/cookies.js';
/** Customer session lifetime: 8 hours in ms. */
export const CUSTOMER_SESSION_MS = 8 * 3600 * 1000;

type Db = Kysely<CustomerAuthTables & AccessTables>;
const hash = (s: string) => createHash('sha256').update(s).digest();

/** A signed-in customer: ids only (their data is fetched per request). */
export interface CustomerPrincipal {
  readonly id: string;
  readonly accountId: string;
  readonly jurisdiction: string;
}

/** Starts a session for `customerId`; returns the cookie secret. */
export async function createCustomerSession(db: Db, clock: Clock, customerId: string): Promise<string> {
  const secret = randomBytes(32).toString('base64url');
  const now = clock.now();
  await db.insertInto('customer_sessions').values({ id_hash: hash(secret), customer_id: customerId, created_at: now, expires_at: new Date(now.getTime() + CUSTOMER_SESSION_MS), ended_at: null }).execute();
  return secret;
}

/** The customer of a live session, or undefined (unknown, ended, expired, erased). */
export async function customerForSession(db: Db, clock: Clock, secret: string): Promise<CustomerPrincipal | undefined> {
  return db.selectFrom('customer_sessions as s').innerJoin('customers as c', 'c.id', 's.customer_id')
    .select(['c.id', 'c.account_id as accountId', 'c.jurisdiction']).where('s.id_hash', '=', hash(secret)).where('s.ended_at', 'is', null)
    .where('s.expires_at', '>', clock.now()).where('c.erased_at', 'is', null).executeTakeFirst();
}

/** Ends the session with `secret` (idempotent). */
export async function endCustomerSession(db: Db, clock: Clock, secret: string): Promise<void> {
  await db.updateTable('customer_sessions').set({ ended_at: clock.now() }).where('id_hash', '=', hash(secret)).where('ended_at', 'is', null).execute();
}
