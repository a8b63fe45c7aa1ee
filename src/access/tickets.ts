// Tickets: the caller's queue, one ticket's detail, assignment by a supervisor, and closing
// (which revokes the ticket's grants at once).
import { KeyholeError } from '../shared/errors.js';
import { revokeGrants } from './grants.js';
import type { BrokerDeps, RequestContext } from './model.js';
import { audited, denial } from './recorder.js';
import { loadTicket, openTicketOf, type TicketRow } from './ticket-gate.js';

/** A ticket as the API shows it: no customer data beyond the customer's id. */
export interface TicketSummary {
  readonly id: string;
  readonly customerId: string;
  readonly purpose: string;
  readonly status: 'open' | 'closed';
  readonly assigneeId: string | null;
  readonly channel: string;
  readonly subject: string;
  readonly createdAt: string;
  readonly closedAt: string | null;
  /** The contact code the customer's portal shows too (only while open). */
  readonly contactCode: string | null;
}

/** Maps a ticket row to the API shape. */
export function toTicketSummary(t: TicketRow): TicketSummary {
  return {
    id: t.id, customerId: t.customerId, purpose: t.purpose, status: t.status, assigneeId: t.assigneeId, channel: t.channel,
    subject: t.subject, createdAt: t.createdAt.toISOString(), closedAt: t.closedAt?.toISOString() ?? null,
    contactCode: t.status === 'open' ? t.contactCode : null,
  };
}

/** The caller's queue: their tickets with `status` (default open), newest first, at most 200. */
export async function myTickets(deps: BrokerDeps, ctx: RequestContext, status: 'open' | 'closed' = 'open'): Promise<TicketSummary[]> {
  const rows = await deps.db.selectFrom('tickets').select('id').where('assignee_id', '=', ctx.agent.id).where('status', '=', status)
    .orderBy('created_at', 'desc').limit(200).execute();
  const out: TicketSummary[] = [];
  for (const r of rows) {
    const t = await loadTicket(deps.db, r.id);
    if (t) out.push(toTicketSummary(t));
  }
  return out;
}

/** One ticket: the assignee sees their own; supervisors and security see any.
 *  @throws KeyholeError TICKET_NOT_FOUND otherwise (the same as a missing ticket). */
export async function ticketDetail(deps: BrokerDeps, ctx: RequestContext, ticketId: string): Promise<TicketSummary> {
  const t = await loadTicket(deps.db, ticketId);
  if (!t || (t.assigneeId !== ctx.agent.id && ctx.agent.role === 'agent')) throw new KeyholeError('TICKET_NOT_FOUND');
  return toTicketSummary(t);
}

/** Assigns an open ticket to `agentId` (supervisors and security only); the previous
 *  assignee's grants on it are revoked and their pending reveal requests on it cancelled (an
 *  approval after the hand-over would open data to someone no longer on the ticket).
 *  @throws KeyholeError FORBIDDEN, TICKET_NOT_FOUND, TICKET_CLOSED, NOT_FOUND (agent). */
export function assignTicket(deps: BrokerDeps, ctx: RequestContext, ticketId: string, agentId: string): Promise<TicketSummary> {
  return audited(deps, ctx, async (trx, rec) => {
    const t = await loadTicket(trx, ticketId);
    if (!t) throw new KeyholeError('TICKET_NOT_FOUND');
    if (ctx.agent.role === 'agent') throw denial('FORBIDDEN', { action: 'ticket_assign', customerId: t.customerId, ticketId, decision: 'deny', reason: 'only supervisors assign' });
    if (t.status !== 'open') throw new KeyholeError('TICKET_CLOSED');
    const target = await trx.selectFrom('agents').select(['id', 'status']).where('id', '=', agentId).executeTakeFirst();
    if (!target || target.status !== 'active') throw new KeyholeError('NOT_FOUND', 'No such active agent.');
    const now = deps.clock.now();
    const revoked = t.assigneeId && t.assigneeId !== agentId ? await revokeGrants(trx, { ticketId, agentId: t.assigneeId }, now, 'ticket reassigned') : [];
    const cancelled = await trx.updateTable('reveal_requests').set({ status: 'cancelled' }).where('ticket_id', '=', ticketId)
      .where('status', '=', 'pending').where('agent_id', '<>', agentId).returning(['id', 'agent_id', 'approval']).execute();
    await trx.updateTable('tickets').set({ assignee_id: agentId }).where('id', '=', ticketId).execute();
    await rec.append({ action: 'ticket_assign', customerId: t.customerId, ticketId, decision: 'allow',
      details: { from: t.assigneeId, to: agentId, grantsRevoked: revoked, revealRequestsCancelled: cancelled.map((c) => c.id) } });
    for (const c of cancelled) {
      deps.events.publish({ type: 'reveal_request', requestId: c.id, status: 'cancelled', agentId: c.agent_id, customerId: t.customerId, approval: c.approval });
    }
    return toTicketSummary({ ...t, assigneeId: agentId });
  });
}

/** Closes the caller's open ticket and revokes all its grants.
 *  @throws KeyholeError TICKET_NOT_FOUND. */
export function closeTicket(deps: BrokerDeps, ctx: RequestContext, ticketId: string): Promise<TicketSummary> {
  return audited(deps, ctx, async (trx, rec) => {
    const t = await openTicketOf(trx, ctx, ticketId, 'ticket_close');
    const now = deps.clock.now();
    const revoked = await revokeGrants(trx, { ticketId }, now, 'ticket closed');
    await trx.updateTable('reveal_requests').set({ status: 'cancelled' }).where('ticket_id', '=', ticketId).where('status', '=', 'pending').execute();
    await trx.updateTable('tickets').set({ status: 'closed', closed_at: now }).where('id', '=', ticketId).execute();
    await rec.append({ action: 'ticket_close', customerId: t.customerId, ticketId, decision: 'allow', details: { grantsRevoked: revoked } });
    return toTicketSummary({ ...t, status: 'closed', closedAt: now });
  });
}
