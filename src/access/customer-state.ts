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
 *  every live grant on the customer's data at once. Returns the lock time (null when lifted). */
export function setPrivacyLock(deps: BrokerDeps, ctx: CustomerRequestContext, locked: boolean): Promise<Date | null> {
  return audited(deps, ctx, async (trx, rec) => {
    const now = deps.clock.now();
    await trx.updateTable('customers').set({ locked_at: locked ? now : null }).where('id', '=', ctx.customerId).execute();
    const revoked = locked
      ? await trx.updateTable('grants').set({ revoked_at: now, revoke_reason: 'customer locked their data', revoked_by_customer: true })
        .where('customer_id', '=', ctx.customerId).where('used_at', 'is', null).where('revoked_at', 'is', null).returning('id').execute()
      : [];
    await rec.append({ action: locked ? 'customer_lock' : 'customer_unlock', customerId: ctx.customerId, ticketId: null, decision: 'allow',
      details: { grantsRevoked: revoked.map((r) => r.id) } });
    return locked ? now : null;
  });
}
