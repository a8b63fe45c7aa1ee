// Who watches the watchers (issue 12 item 5): a read of the audit log by staff — log entries,
// the audit explorer, an incident's timeline or proofs — is itself a `log_read` record, appended
// (and committed) before the entries are returned; when it cannot be recorded, the read fails.
// The record names what was read and the filters (ids and times), never a customer value.
import type { FastifyRequest } from 'fastify';
import type { BrokerDeps } from '../access/model.js';
import { buildRecord } from '../access/recorder.js';
import { appendAudit } from '../audit/append.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import { ctxOf } from './auth.js';
import type { Runtime } from './runtime.js';

/** Records that the request's agent reads `what` of the log with `filters` (undefined dropped).
 *  @throws KeyholeError AUDIT_APPEND_FAILED (the caller then returns nothing). */
export async function recordLogRead(rt: Runtime, req: FastifyRequest, what: string, filters: Record<string, string | number | boolean | null | undefined>): Promise<void> {
  const ctx = ctxOf(req);
  const details: AuditRecord['details'] = { what, ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as AuditRecord['details'] };
  const record = buildRecord({ clock: rt.clock } as BrokerDeps, ctx, { action: 'log_read', customerId: null, ticketId: null, decision: 'allow', details });
  await rt.db.transaction().execute((trx) => appendAudit(trx as never, record));
  rt.events.publish({ type: 'audit', record });
}
