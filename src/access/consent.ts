// The customer's consent to reveals of fields the purpose table marks "customer approval", and
// their control over grants on their data: approve (the server layer checks a passkey
// assertion with user verification first), deny, or revoke a live grant at once. Issue 6.
import { KeyholeError } from '../shared/errors.js';
import type { FieldName } from '../fields/catalog-types.js';
import type { BrokerDb, BrokerDeps } from './model.js';
import { audited, type CustomerRequestContext } from './recorder.js';
import { createGrant } from './reveal.js';
import { toRevealRequest, type RevealRequest } from './reveal-read.js';

/** A reveal waiting for this customer's answer. */
export interface ConsentRequest {
  readonly id: string;
  readonly ticketId: string;
  readonly agentId: string;
  readonly fields: readonly FieldName[];
  readonly reason: string;
  readonly supervisorApproved: boolean;
  readonly createdAt: string;
  readonly expiresAt: string;
}

/** The reveals waiting for `customerId`'s consent at `now`, newest first. */
export async function pendingConsents(db: BrokerDb, customerId: string, now: Date): Promise<ConsentRequest[]> {
  const rows = await db.selectFrom('reveal_requests').selectAll().where('customer_id', '=', customerId).where('status', '=', 'pending')
    .where('approval', 'in', ['customer', 'supervisor_and_customer']).where('customer_verdict', 'is', null).where('expires_at', '>', now)
    .orderBy('created_at', 'desc').limit(50).execute();
  return rows.map((r) => ({
    id: r.id, ticketId: r.ticket_id, agentId: r.agent_id, fields: r.fields as FieldName[], reason: r.reason, supervisorApproved: r.decided_by !== null,
    createdAt: r.created_at.toISOString(), expiresAt: r.expires_at.toISOString(),
  }));
}

/** The customer's answer to a pending reveal. Approval with `durationMinutes` (1–60) opens the
 *  grant at once when no supervisor is needed or one already approved.
 *  @throws KeyholeError REQUEST_NOT_FOUND (not theirs, or no consent asked), REQUEST_NOT_PENDING
 *  (decided, cancelled or expired — an unanswered request expires after 10 minutes). */
export function customerDecide(deps: BrokerDeps, ctx: CustomerRequestContext, requestId: string, verdict: 'approve' | 'deny', durationMinutes = 15): Promise<RevealRequest> {
  return audited(deps, ctx, async (trx, rec) => {
    const now = deps.clock.now();
    const req = await trx.selectFrom('reveal_requests').selectAll().where('id', '=', requestId).forUpdate().executeTakeFirst();
    if (!req || req.customer_id !== ctx.customerId || req.approval === 'supervisor') throw new KeyholeError('REQUEST_NOT_FOUND');
    if (req.status !== 'pending' || req.customer_verdict !== null || req.expires_at <= now) throw new KeyholeError('REQUEST_NOT_PENDING');
    const minutes = Math.min(Math.max(Math.round(durationMinutes), 1), 60);
    const staffDone = req.approval === 'customer' || req.decided_by !== null;
    const status = verdict === 'deny' ? 'denied' : staffDone ? 'approved' : 'pending';
    const customerVerdict = verdict === 'approve' ? ('approved' as const) : ('denied' as const);
    await trx.updateTable('reveal_requests').set({ status, customer_verdict: customerVerdict, customer_decided_at: now, customer_duration_min: minutes })
      .where('id', '=', req.id).execute();
    const grant = status === 'approved' ? await createGrant(deps, trx, req, now, minutes) : null;
    await rec.append({
      action: verdict === 'approve' ? 'consent_approve' : 'consent_deny', customerId: req.customer_id, ticketId: req.ticket_id, decision: 'allow',
      fields: Object.fromEntries(req.fields.map((f) => [f, 'revealed'])),
      details: { revealRequestId: req.id, requesterId: req.agent_id, ...(grant ? { grantId: grant.id, grantExpiresAt: grant.expiresAt.toISOString() } : {}) },
    });
    deps.events.publish({ type: 'reveal_request', requestId: req.id, status, agentId: req.agent_id, customerId: req.customer_id, approval: req.approval });
    return toRevealRequest({ ...req, status }, grant);
  });
}

/** A live grant on the customer's data. */
export interface CustomerGrant {
  readonly id: string;
  readonly ticketId: string;
  readonly agentId: string;
  readonly fields: readonly FieldName[];
  readonly expiresAt: string;
  /** When the value was shown (the grant's single use), or null while unused: a shown value
   *  stays on the agent's screen until `expiresAt` unless the customer ends it. */
  readonly shownAt: string | null;
}

/** The grants on `customerId`'s data that are unrevoked and unexpired: unused ones, and used
 *  ones whose value may still be on the agent's screen. */
export async function liveGrantsOnCustomer(db: BrokerDb, customerId: string, now: Date): Promise<CustomerGrant[]> {
  const rows = await db.selectFrom('grants').select(['id', 'ticket_id', 'agent_id', 'fields', 'expires_at', 'used_at']).where('customer_id', '=', customerId)
    .where('revoked_at', 'is', null).where('expires_at', '>', now).orderBy('created_at', 'desc').execute();
  return rows.map((r) => ({ id: r.id, ticketId: r.ticket_id, agentId: r.agent_id, fields: r.fields as FieldName[], expiresAt: r.expires_at.toISOString(), shownAt: r.used_at?.toISOString() ?? null }));
}

/** The customer revokes a grant on their data that is live or whose value may still be shown
 *  (used, not expired); it ends at once: the next view is masked and the agent's desk drops a
 *  shown value on the `access_withdrawn` event (published inside the transaction callback, so a
 *  failed commit may still send it — it only makes a screen reload).
 *  @throws KeyholeError NOT_FOUND (not theirs), CONFLICT (already revoked or expired). */
export function customerRevokeGrant(deps: BrokerDeps, ctx: CustomerRequestContext, grantId: string): Promise<void> {
  return audited(deps, ctx, async (trx, rec) => {
    const now = deps.clock.now();
    const g = await trx.selectFrom('grants').selectAll().where('id', '=', grantId).forUpdate().executeTakeFirst();
    if (!g || g.customer_id !== ctx.customerId) throw new KeyholeError('NOT_FOUND', 'No such grant.');
    // A used grant whose value may still be on the agent's screen can be ended too (issue 14 item 2).
    if (g.revoked_at || g.expires_at <= now) throw new KeyholeError('CONFLICT', 'This grant is no longer live.');
    await trx.updateTable('grants').set({ revoked_at: now, revoke_reason: 'revoked by the customer', revoked_by_customer: true }).where('id', '=', g.id).execute();
    await rec.append({ action: 'grant_revoke', customerId: g.customer_id, ticketId: g.ticket_id, decision: 'allow', details: { grantId: g.id, by: 'customer' } });
    deps.events.publish({ type: 'reveal_request', requestId: g.request_id, status: 'revoked', agentId: g.agent_id, customerId: g.customer_id });
    deps.events.publish({ type: 'access_withdrawn', agentId: g.agent_id, customerId: g.customer_id, ticketId: g.ticket_id, reason: 'grant_revoked' });
  });
}
