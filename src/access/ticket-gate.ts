// The first gate of every ticket-scoped operation: the ticket exists, is assigned to the caller
// and is open; otherwise the caller learns nothing (DESIGN.md invariant 2): a missing ticket,
// somebody else's ticket and an unknown customer all answer TICKET_NOT_FOUND.
import type { AuditAction } from '../shared/audit-entry.js';
import type { Purpose } from '../fields/catalog-types.js';
import type { BrokerDb, RequestContext } from './model.js';
import { denial } from './recorder.js';

/** A ticket joined with the plain attributes of its customer. */
export interface TicketRow {
  readonly id: string;
  readonly customerId: string;
  readonly purpose: Purpose;
  readonly status: 'open' | 'closed';
  readonly assigneeId: string | null;
  readonly channel: string;
  readonly subject: string;
  readonly referencedTx: readonly string[];
  readonly createdAt: Date;
  readonly closedAt: Date | null;
  readonly customer: {
    readonly accountId: string;
    readonly tier: string;
    readonly status: string;
    readonly createdAt: Date;
    readonly jurisdiction: string;
    readonly isDecoy: boolean;
    readonly erased: boolean;
    readonly locked: boolean;
  };
  /** The one-time code the agent's desk and the customer's portal both show. */
  readonly contactCode: string | null;
}

/** Loads ticket `ticketId` (any state) with its customer's plain attributes, or undefined. */
export async function loadTicket(db: BrokerDb, ticketId: string): Promise<TicketRow | undefined> {
  const r = await db
    .selectFrom('tickets as t')
    .innerJoin('customers as c', 'c.id', 't.customer_id')
    .select(['t.id', 't.customer_id', 't.purpose', 't.status', 't.assignee_id', 't.channel', 't.subject', 't.referenced_tx',
      't.created_at', 't.closed_at', 'c.jurisdiction', 'c.is_decoy', 'c.erased_at', 'c.account_id', 'c.tier', 'c.status as customer_status', 'c.created_at as customer_created_at', 'c.locked_at', 't.contact_code'])
    .where('t.id', '=', ticketId)
    .executeTakeFirst();
  if (!r) return undefined;
  return {
    id: r.id,
    customerId: r.customer_id,
    purpose: r.purpose as Purpose,
    status: r.status,
    assigneeId: r.assignee_id,
    channel: r.channel,
    subject: r.subject,
    referencedTx: r.referenced_tx,
    createdAt: r.created_at,
    closedAt: r.closed_at,
    customer: {
      accountId: r.account_id, tier: r.tier, status: r.customer_status, createdAt: r.customer_created_at,
      jurisdiction: r.jurisdiction, isDecoy: r.is_decoy, erased: r.erased_at !== null, locked: r.locked_at !== null,
    },
    contactCode: r.contact_code,
  };
}

/** Loads the caller's own open ticket.
 *  @throws KeyholeError TICKET_NOT_FOUND (recorded as a denial) when the ticket does not exist,
 *  is not assigned to the caller, is closed, or its customer was erased — all alike. */
export async function openTicketOf(trx: BrokerDb, ctx: RequestContext, ticketId: string, action: AuditAction): Promise<TicketRow> {
  const t = await loadTicket(trx, ticketId);
  if (!t || t.assigneeId !== ctx.agent.id || t.status !== 'open' || t.customer.erased) {
    throw denial('TICKET_NOT_FOUND', {
      action,
      customerId: t?.customerId ?? null,
      ticketId: t ? t.id : null,
      decision: 'deny',
      reason: !t ? 'no such ticket' : t.assigneeId !== ctx.agent.id ? 'ticket not assigned to agent' : t.status !== 'open' ? 'ticket closed' : 'customer erased',
      details: t ? {} : { requestedTicketId: ticketId.slice(0, 64) },
    });
  }
  return t;
}
