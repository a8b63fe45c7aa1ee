// Appending an access record: inside the caller's transaction, into the durable pending table.
// The record is acknowledged when that transaction commits; the integrator sequences it later.
// DESIGN.md "Audit log sequencing across servers".
import type { Kysely } from 'kysely';
import type { AuditRecord } from '../shared/audit-entry.js';
import { KeyholeError } from '../shared/errors.js';
import type { AuditTables } from './tables.js';

/** Writes `record` to audit_pending using `trx` (the request's own transaction). Returns the
 *  pending id, which identifies the record until it has a sequence number.
 *  MUST be called inside the transaction that carries the state change the record describes,
 *  and before any customer data is returned.
 *  @throws KeyholeError AUDIT_APPEND_FAILED when the insert fails (the caller's transaction
 *  then rolls back, so the request returns no data). */
export async function appendAudit(trx: Kysely<AuditTables>, record: AuditRecord): Promise<number> {
  try {
    const row = await trx
      .insertInto('audit_pending')
      .values({ entry: JSON.stringify(record) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  } catch (cause) {
    throw new KeyholeError('AUDIT_APPEND_FAILED', undefined, { cause });
  }
}
