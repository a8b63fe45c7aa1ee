// Two-person erasure (issue 19): security staff ask to erase a customer with a reason
// (`erase_request` on the log); a different security staff member approves — the crypto-shredding
// and its `customer_erase` record (naming both) happen in that transaction — or denies
// (`erase_deny`). migrations/0081_erase_requests.sql.
import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/append.js';
import type { AuditTables } from '../audit/tables.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import { KeyholeError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { Vault } from '../vault/vault.js';
import { eraseInTransaction, type EraseResult } from './erasure.js';
import { newId } from './ids.js';
import type { Agent, BrokerDb } from './model.js';

/** An erase request as the API shows it. */
export interface EraseRequest {
  readonly id: string;
  readonly customerId: string;
  readonly requestedBy: string;
  readonly reason: string;
  readonly status: 'pending' | 'approved' | 'denied';
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly createdAt: string;
}

interface EraseRequestRow {
  id: string; customer_id: string; requested_by: string; reason: string; status: 'pending' | 'approved' | 'denied';
  decided_by: string | null; decided_at: Date | null; created_at: Date;
}
type Db = Kysely<{ erase_requests: EraseRequestRow; customers: { id: string; erased_at: Date | null } }>;

/** What the functions run on. */
export interface EraseDeps {
  readonly db: BrokerDb;
  readonly vault: Vault;
  readonly clock: Clock;
}

const db = (x: unknown) => x as Db;
const audit = (x: unknown) => x as Kysely<AuditTables>;

function toRequest(r: EraseRequestRow): EraseRequest {
  return {
    id: r.id, customerId: r.customer_id, requestedBy: r.requested_by, reason: r.reason, status: r.status, decidedBy: r.decided_by,
    decidedAt: r.decided_at === null ? null : new Date(r.decided_at).toISOString(), createdAt: new Date(r.created_at).toISOString(),
  };
}

function record(now: Date, requestId: string, action: AuditRecord['action'], agent: Agent, customerId: string, reason: string | null, details: AuditRecord['details']): AuditRecord {
  return { v: 1, time: now.toISOString(), requestId, action, agentId: agent.id, customerId, ticketId: null, decision: 'allow', fields: {}, policyIds: [], reason, details };
}

function assertSecurity(agent: Agent): void {
  if (agent.role !== 'security' || agent.status !== 'active') throw new KeyholeError('FORBIDDEN', 'Only active security staff can erase a customer.');
}

/** Asks to erase `customerId` (security staff only); recorded as `erase_request`.
 *  @throws KeyholeError FORBIDDEN, REASON_REQUIRED, NOT_FOUND (no customer), CUSTOMER_ERASED,
 *  CONFLICT (a request for this customer is already pending). */
export async function requestErase(deps: EraseDeps, agent: Agent, requestId: string, customerId: string, reason: string): Promise<EraseRequest> {
  assertSecurity(agent);
  if (!reason.trim()) throw new KeyholeError('REASON_REQUIRED', 'An erase needs a reason; it is recorded on the log.');
  return deps.db.transaction().execute(async (trx) => {
    const c = await db(trx).selectFrom('customers').select('erased_at').where('id', '=', customerId).forUpdate().executeTakeFirst();
    if (!c) throw new KeyholeError('NOT_FOUND', 'No such customer.');
    if (c.erased_at !== null) throw new KeyholeError('CUSTOMER_ERASED');
    const pending = await db(trx).selectFrom('erase_requests').select('id').where('customer_id', '=', customerId).where('status', '=', 'pending').executeTakeFirst();
    if (pending) throw new KeyholeError('CONFLICT', `Erase request ${pending.id} for this customer is pending.`);
    const now = deps.clock.now();
    const row: EraseRequestRow = { id: newId('era'), customer_id: customerId, requested_by: agent.id, reason: reason.trim(), status: 'pending', decided_by: null, decided_at: null, created_at: now };
    await db(trx).insertInto('erase_requests').values(row).execute();
    await appendAudit(audit(trx), record(now, requestId, 'erase_request', agent, customerId, row.reason, { eraseRequestId: row.id }));
    return toRequest(row);
  });
}

/** Approves (erases, on the record) or denies erase request `id`. The approver MUST be active
 *  security staff other than the requester. @throws KeyholeError FORBIDDEN, SELF_APPROVAL,
 *  NOT_FOUND, REQUEST_NOT_PENDING, and the erase's errors. */
export async function decideErase(deps: EraseDeps, agent: Agent, requestId: string, id: string, verdict: 'approve' | 'deny'): Promise<{ readonly request: EraseRequest; readonly erased: EraseResult | null }> {
  assertSecurity(agent);
  return deps.db.transaction().execute(async (trx) => {
    const r = await db(trx).selectFrom('erase_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!r) throw new KeyholeError('NOT_FOUND', 'No such erase request.');
    if (r.status !== 'pending') throw new KeyholeError('REQUEST_NOT_PENDING', 'The erase request was already decided.');
    if (r.requested_by === agent.id) throw new KeyholeError('SELF_APPROVAL', 'A second security staff member must decide an erase request.');
    const now = deps.clock.now();
    const status = verdict === 'approve' ? 'approved' : 'denied';
    await db(trx).updateTable('erase_requests').set({ status, decided_by: agent.id, decided_at: now }).where('id', '=', id).execute();
    let erased: EraseResult | null = null;
    if (verdict === 'approve') {
      erased = await eraseInTransaction(trx, deps, { customerId: r.customer_id, staffId: agent.id, reason: r.reason }, { eraseRequestId: r.id, requestedBy: r.requested_by, approvedBy: agent.id });
    } else {
      await appendAudit(audit(trx), record(now, requestId, 'erase_deny', agent, r.customer_id, r.reason, { eraseRequestId: r.id, requestedBy: r.requested_by }));
    }
    return { request: toRequest({ ...r, status, decided_by: agent.id, decided_at: now }), erased };
  });
}

/** Erase requests, newest first (at most `limit`), optionally only those with `status`. */
export async function listEraseRequests(d: BrokerDb, opts: { readonly status?: EraseRequest['status'] | undefined; readonly limit: number }): Promise<EraseRequest[]> {
  const rows = await db(d).selectFrom('erase_requests').selectAll().$if(opts.status !== undefined, (q) => q.where('status', '=', opts.status as EraseRequest['status']))
    .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
  return rows.map(toRequest);
}
