// Shared pieces of the audit tests: deterministic audit records, appending them the way the
// broker does (one transaction each), and an integrator over a test store with a real key.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { appendAudit } from '../../../src/audit/append.js';
import { Integrator, type IntegratorOptions } from '../../../src/audit/integrator.js';
import { openLogIdentity, type LogIdentity } from '../../../src/audit/log-identity.js';
import type { AuditTables } from '../../../src/audit/tables.js';
import type { AuditRecord } from '../../../src/shared/audit-entry.js';
import { FixedClock } from '../../../src/shared/clock.js';
import type { Store } from '../../../src/store/store.js';
import { MasterKeyProvider } from '../../../src/vault/master-key-provider.js';

export const TEST_ORIGIN = 'test.keyhole.example/log';

/** Record number `i` of a run tagged `tag` (distinct requestIds across tags). */
export function makeRecord(i: number, tag = 't'): AuditRecord {
  return {
    v: 1, time: new Date(Date.UTC(2026, 0, 5, 9, 0, 0) + i * 1000).toISOString(), requestId: `req_${tag}_${i}`,
    action: i % 3 === 0 ? 'view' : i % 3 === 1 ? 'verify' : 'reveal_request', agentId: `agt_${i % 7}`, customerId: `cus_${i % 11}`,
    ticketId: `tkt_${i % 13}`, decision: i % 5 === 0 ? 'deny' : 'allow', fields: { email: 'masked', dateOfBirth: 'verify_only' },
    policyIds: ['policy0'], reason: null, details: { n: i, matched: i % 2 === 0 },
  };
}

/** Appends records `from`..`from+count-1`, each in its own transaction. */
export async function appendRecords(db: Kysely<AuditTables>, from: number, count: number, tag = 't'): Promise<void> {
  for (let i = from; i < from + count; i++) await db.transaction().execute((trx) => appendAudit(trx, makeRecord(i, tag)));
}

/** Inserts records `from`..`from+count-1` into audit_pending in one statement (fast setup;
 *  appendRecords is the path the broker takes). */
export async function appendRecordsBulk(db: Kysely<AuditTables>, from: number, count: number, tag = 't'): Promise<void> {
  const texts = Array.from({ length: count }, (_, i) => JSON.stringify(makeRecord(from + i, tag)));
  await sql`insert into audit_pending (entry) select e from unnest(${texts}::jsonb[]) with ordinality as t(e, n) order by n`.execute(db);
}

/** A log identity under a fresh random master key. */
export async function testIdentity(origin = TEST_ORIGIN): Promise<LogIdentity> {
  return openLogIdentity(new MasterKeyProvider(randomBytes(32)), origin);
}

/** An integrator on `store` (always leader) with `identity`. */
export function testIntegrator(store: Store, identity: LogIdentity, opts: Partial<IntegratorOptions> = {}): Integrator {
  return new Integrator(store.db as Kysely<AuditTables>, { identity, clock: new FixedClock(), ...opts });
}
