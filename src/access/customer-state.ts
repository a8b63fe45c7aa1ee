// The customer's privacy lock: while set, every access to their data is denied except through
// break-glass (two security approvers; the customer is told afterwards). Issue 6.
import type { BrokerDb, BrokerDeps } from './model.js';
import { audited, type CustomerRequestContext } from './recorder.js';

/** True when the customer has locked their data. */
export async function isCustomerLocked(db: BrokerDb, customerId: string): Promise<boolean> {
  const c = await db.selectFrom('customers').select('locked_at').where('id', '=', customerId).executeTakeFirst();
  return !!c?.locked_at;
}

/** Sets or lifts the customer's own privacy lock; recorded on the log. Locking also revokes
 *  every grant on the customer's data that is live or whose value may still be on a screen
 *  (used, not expired), and — after commit — tells each agent concerned (their grants, and the
 *  assignees of the customer's open tickets) with an `access_withdrawn` event, so a value
 *  already shown goes at once. Returns the lock time (null when lifted). */
export async function setPrivacyLock(deps: BrokerDeps, ctx: CustomerRequestContext, locked: boolean): Promise<Date | null> {
  const notify: { agentId: string; ticketId: string | null }[] = [];
  const at = await audited(deps, ctx, async (trx, rec) => {
    const now = deps.clock.now();
    await trx.updateTable('customers').set({ locked_at: locked ? now : null }).where('id', '=', ctx.customerId).execute();
    const revoked = locked
      ? await trx.updateTable('grants').set({ revoked_at: now, revoke_reason: 'customer locked their data', revoked_by_customer: true })
        .where('customer_id', '=', ctx.customerId).where('expires_at', '>', now).where('revoked_at', 'is', null).returning(['id', 'agent_id', 'ticket_id']).execute()
      : [];
    if (locked) {
      const open = await trx.selectFrom('tickets').select(['id', 'assignee_id']).where('customer_id', '=', ctx.customerId).where('status', '=', 'open').execute();
      for (const t of open) if (t.assignee_id) notify.push({ agentId: t.assignee_id, ticketId: t.id });
      for (const g of revoked) notify.push({ agentId: g.agent_id, ticketId: g.ticket_id });
    }
    await rec.append({ action: locked ? 'customer_lock' : 'customer_unlock', customerId: ctx.customerId, ticketId: null, decision: 'allow',
      details: { grantsRevoked: revoked.map((r) => r.id) } });
    return locked ? now : null;
  });
  const seen = new Set<string>();
  for (const n of notify) {
    if (seen.has(`${n.agentId}/${n.ticketId}`)) continue;
    seen.add(`${n.agentId}/${n.ticketId}`);
    deps.events.publish({ type: 'access_withdrawn', agentId: n.agentId, customerId: ctx.customerId, ticketId: n.ticketId, reason: 'customer_locked' });
  }
  return at;
}
