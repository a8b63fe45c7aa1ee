// Break-glass: the only way past a customer's privacy lock. The ticket's assignee asks with a
// reason; two distinct security engineers, neither the requester, approve; the opening lasts
// at most an hour on that ticket only, and the customer is told afterwards (a notice in their
// portal; their receipts show these accesses as break-glass). Issue 6.
import { KeyholeError } from '../shared/errors.js';
import { newId } from './ids.js';
import type { BrokerDb, BrokerDeps, RequestContext } from './model.js';
import { audited, denial } from './recorder.js';
import { openTicketOf } from './ticket-gate.js';

/** Approvals a break-glass needs, from distinct security engineers. */
export const BREAK_GLASS_APPROVALS = 2;
/** How long an approved break-glass stays open, and a pending one waits: 60 minutes in ms. */
export const BREAK_GLASS_MS = 60 * 60_000;

/** A break-glass request as the API shows it. */
export interface BreakGlass {
  readonly id: string;
  readonly ticketId: string;
  readonly agentId: string;
  readonly reason: string;
  readonly status: 'pending' | 'approved' | 'denied' | 'expired' | 'revoked';
  readonly approvers: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string;
}

const toApi = (r: { id: string; ticket_id: string; agent_id: string; reason: string; status: BreakGlass['status']; approvers: string[]; created_at: Date; expires_at: Date }): BreakGlass => ({
  id: r.id, ticketId: r.ticket_id, agentId: r.agent_id, reason: r.reason, status: r.status, approvers: r.approvers,
  createdAt: r.created_at.toISOString(), expiresAt: r.expires_at.toISOString(),
});

/** True when an approved, unexpired break-glass opens `ticketId` to `agentId` at `now`. */
export async function hasLiveBreakGlass(db: BrokerDb, ticketId: string, agentId: string, now: Date): Promise<boolean> {
  const r = await db.selectFrom('break_glass_requests').select('id').where('ticket_id', '=', ticketId).where('agent_id', '=', agentId)
    .where('status', '=', 'approved').where('expires_at', '>', now).limit(1).executeTakeFirst();
  return r !== undefined;
}

/** Files a break-glass request on the caller's open ticket. @throws TICKET_NOT_FOUND, CONFLICT
 *  (the customer is not locked: break-glass is for locked customers only). */
export function requestBreakGlass(deps: BrokerDeps, ctx: RequestContext, ticketId: string, reason: string): Promise<BreakGlass> {
  return audited(deps, ctx, async (trx, rec) => {
    const now = deps.clock.now();
    const t = await openTicketOf(trx, ctx, ticketId, 'break_glass_request');
    if (!t.customer.locked) throw new KeyholeError('CONFLICT', 'The customer has not locked their data; no break-glass is needed.');
    const row = await trx.insertInto('break_glass_requests').values({
      id: newId('brk'), ticket_id: t.id, agent_id: ctx.agent.id, customer_id: t.customerId, reason, status: 'pending', approvers: [],
      created_at: now, expires_at: new Date(now.getTime() + BREAK_GLASS_MS), approved_at: null,
    }).returningAll().executeTakeFirstOrThrow();
    await rec.append({ action: 'break_glass_request', customerId: t.customerId, ticketId: t.id, decision: 'allow', reason, details: { breakGlassId: row.id } });
    return toApi(row);
  });
}

/** One security engineer's decision. The second distinct approval opens the ticket for
 *  BREAK_GLASS_MS and leaves a notice for the customer. @throws FORBIDDEN (not security),
 *  SELF_APPROVAL, REQUEST_NOT_FOUND, REQUEST_NOT_PENDING, CONFLICT (already approved by you). */
export function decideBreakGlass(deps: BrokerDeps, ctx: RequestContext, id: string, verdict: 'approve' | 'deny'): Promise<BreakGlass> {
  return audited(deps, ctx, async (trx, rec) => {
    const now = deps.clock.now();
    const r = await trx.selectFrom('break_glass_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!r) throw new KeyholeError('REQUEST_NOT_FOUND');
    const action = verdict === 'approve' ? ('break_glass_approve' as const) : ('break_glass_deny' as const);
    const base = { action, customerId: r.customer_id, ticketId: r.ticket_id, details: { breakGlassId: r.id } };
    if (ctx.agent.role !== 'security') throw denial('FORBIDDEN', { ...base, decision: 'deny', reason: 'only security engineers decide break-glass' });
    if (r.agent_id === ctx.agent.id) throw denial('SELF_APPROVAL', { ...base, decision: 'deny', reason: 'self-approval' });
    if (r.status !== 'pending' || r.expires_at <= now) throw new KeyholeError('REQUEST_NOT_PENDING');
    if (r.approvers.includes(ctx.agent.id)) throw new KeyholeError('CONFLICT', 'You already approved this break-glass; a second, different engineer must.');
    const approvers = verdict === 'approve' ? [...r.approvers, ctx.agent.id] : r.approvers;
    const opened = verdict === 'approve' && approvers.length >= BREAK_GLASS_APPROVALS;
    const status = verdict === 'deny' ? 'denied' : opened ? 'approved' : 'pending';
    const expiresAt = opened ? new Date(now.getTime() + BREAK_GLASS_MS) : r.expires_at;
    await trx.updateTable('break_glass_requests').set({ status, approvers, expires_at: expiresAt, approved_at: opened ? now : null }).where('id', '=', r.id).execute();
    if (opened) {
      await trx.insertInto('customer_notices').values({
        customer_id: r.customer_id, kind: 'break_glass', created_at: now, read_at: null,
        body: JSON.stringify({ ticketId: r.ticket_id, reason: r.reason, approvers: approvers.length, openedAt: now.toISOString(), until: expiresAt.toISOString() }),
      }).execute();
    }
    await rec.append({ ...base, decision: 'allow', details: { breakGlassId: r.id, approvals: approvers.length, opened } });
    return toApi({ ...r, status, approvers, expires_at: expiresAt });
  });
}

/** Break-glass requests for the security queue (pending, newest first), or the caller's own. */
export async function listBreakGlass(db: BrokerDb, ctx: RequestContext, now: Date): Promise<BreakGlass[]> {
  let q = db.selectFrom('break_glass_requests').selectAll().orderBy('created_at', 'desc').limit(100);
  q = ctx.agent.role === 'security' ? q.where('status', '=', 'pending').where('expires_at', '>', now) : q.where('agent_id', '=', ctx.agent.id);
  return (await q.execute()).map(toApi);
}
