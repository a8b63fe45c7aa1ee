// Crypto-shredding on the record (issue 19): erasing a customer destroys their data key, blind
// indexes and ciphertexts, revokes their live grants, cancels their pending reveal and
// break-glass requests, closes their open tickets, and appends a `customer_erase` record naming
// who erased and why — all in one transaction, so an erase without its record cannot happen.
// docs/design/vault.md "Crypto-shredding".
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { appendAudit } from '../audit/append.js';
import type { AuditTables } from '../audit/tables.js';
import { KeyholeError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import type { Vault } from '../vault/vault.js';
import { loadAgent } from './agents.js';
import type { BrokerDb } from './model.js';

/** What an erase needs: who (a security staff member), whom, and why (free text, 1–1000
 *  characters, recorded on the log; e.g. "GDPR Art. 17 request #4711"). */
export const EraseInputSchema = z.strictObject({
  customerId: z.string().min(1).max(200),
  staffId: z.string().min(1).max(200),
  reason: z.string().trim().min(1).max(1000),
});

/** An erase request (see EraseInputSchema). */
export type EraseInput = z.infer<typeof EraseInputSchema>;

/** What an erase did. */
export interface EraseResult {
  readonly customerId: string;
  readonly erasedAt: string;
  readonly grantsRevoked: number;
  readonly requestsCancelled: number;
  readonly breakGlassRevoked: number;
  readonly ticketsClosed: readonly string[];
  /** Sequence-less id of the customer_erase record (its requestId). */
  readonly requestId: string;
}

/** Erases `input.customerId` on the record, in one transaction (see the file comment).
 *  @throws KeyholeError REASON_REQUIRED (no or blank reason), BAD_REQUEST (malformed input),
 *  NOT_FOUND (no such customer or staff member), FORBIDDEN (the staff member is not active
 *  security staff), CUSTOMER_ERASED (erased before: nothing changes, no second record),
 *  AUDIT_APPEND_FAILED (then nothing is erased). */
export async function eraseCustomerOnRecord(deps: { readonly db: BrokerDb; readonly vault: Vault; readonly clock: Clock }, raw: { customerId: string; staffId: string; reason?: string | undefined }): Promise<EraseResult> {
  if (raw.reason === undefined || raw.reason.trim() === '') throw new KeyholeError('REASON_REQUIRED', 'An erase needs a reason (e.g. "GDPR Art. 17 request #4711"); it is recorded on the log.');
  const parsed = EraseInputSchema.safeParse(raw);
  if (!parsed.success) throw new KeyholeError('BAD_REQUEST', 'The customer id, staff id or reason is malformed (reason: at most 1000 characters).');
  const input = parsed.data;
  return deps.db.transaction().execute(async (trx) => {
    const staff = await loadAgent(trx, input.staffId);
    if (!staff) throw new KeyholeError('NOT_FOUND', `No staff member ${input.staffId}.`);
    if (staff.role !== 'security' || staff.status !== 'active') throw new KeyholeError('FORBIDDEN', 'Only active security staff can erase a customer.');
    const c = await trx.selectFrom('customers').select(['erased_at']).where('id', '=', input.customerId).forUpdate().executeTakeFirst();
    if (!c) throw new KeyholeError('NOT_FOUND', 'No such customer.');
    if (c.erased_at !== null) throw new KeyholeError('CUSTOMER_ERASED', `Customer ${input.customerId} was erased on ${c.erased_at.toISOString()}.`);
    const now = deps.clock.now();
    const erasedAt = await deps.vault.eraseCustomer(trx as never, input.customerId);
    const grants = await trx.updateTable('grants').set({ revoked_at: now, revoke_reason: 'customer erased' })
      .where('customer_id', '=', input.customerId).where('used_at', 'is', null).where('revoked_at', 'is', null).returning('id').execute();
    const requests = await trx.updateTable('reveal_requests').set({ status: 'cancelled' })
      .where('customer_id', '=', input.customerId).where('status', '=', 'pending').returning('id').execute();
    const breakGlass = await trx.updateTable('break_glass_requests').set({ status: 'revoked' })
      .where('customer_id', '=', input.customerId).where('status', 'in', ['pending', 'approved']).returning('id').execute();
    const tickets = await trx.updateTable('tickets').set({ status: 'closed', closed_at: now })
      .where('customer_id', '=', input.customerId).where('status', '=', 'open').returning('id').execute();
    const requestId = `customer-erase-${randomUUID()}`;
    await appendAudit(trx as unknown as Kysely<AuditTables>, {
      v: 1, time: now.toISOString(), requestId, action: 'customer_erase', agentId: staff.id, customerId: input.customerId, ticketId: null,
      decision: 'allow', fields: {}, policyIds: [], reason: input.reason,
      details: {
        keyDestroyed: true, erasedAt: erasedAt.toISOString(), grantsRevoked: grants.length, requestsCancelled: requests.length,
        breakGlassRevoked: breakGlass.length, ticketsClosed: tickets.map((t) => t.id).sort(),
      },
    });
    return {
      customerId: input.customerId, erasedAt: erasedAt.toISOString(), grantsRevoked: grants.length, requestsCancelled: requests.length,
      breakGlassRevoked: breakGlass.length, ticketsClosed: tickets.map((t) => t.id).sort(), requestId,
    };
  });
}
