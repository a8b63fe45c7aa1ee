// Reveal requests and their four-eyes decision: an agent asks for fields above the purpose's
// default with a reason; a supervisor (or security) other than the requester approves or
// denies; approval creates a single-use grant (default 15 min, at most 60) that the next view
// consumes. Fields whose purpose rule asks for customer approval also wait for the customer.
import { levelRank } from '../fields/levels.js';
import type { Approval, FieldName } from '../fields/catalog-types.js';
import { purposeRule } from '../fields/purposes.js';
import { KeyholeError } from '../shared/errors.js';
import { checkGuard } from './guard-check.js';
import { newId } from './ids.js';
import type { Agent, BrokerDb, BrokerDeps, RequestContext } from './model.js';
import { loadAgent } from './agents.js';
import { audited, denial } from './recorder.js';
import { loadTicket, openTicketOf } from './ticket-gate.js';
import { toRevealRequest, type RevealRequest } from './reveal-read.js';
import { policyAgent, ticketFacts } from './policy-facts.js';

/** How long a request waits for a decision: 60 min for staff approval, 10 min when the
 *  customer must consent (issue 6). */
const PENDING_MS = { staff: 60 * 60_000, customer: 10 * 60_000 };
const APPROVAL_ORDER: readonly Approval[] = ['supervisor', 'customer', 'supervisor_and_customer'];

/** The strictest approval among `approvals`. */
function strictest(approvals: readonly Approval[]): Approval {
  const needsCustomer = approvals.some((a) => a !== 'supervisor');
  const needsStaff = approvals.some((a) => a !== 'customer');
  if (needsCustomer && needsStaff) return 'supervisor_and_customer';
  return needsCustomer ? 'customer' : (APPROVAL_ORDER[0] as Approval);
}

/** Files a reveal request for `fields` on the caller's open ticket.
 *  @throws KeyholeError TICKET_NOT_FOUND, REVEAL_NOT_ALLOWED (a field's ceiling for the purpose
 *  is not above its default), POLICY_DENIED, guard denials. */
export function requestReveal(deps: BrokerDeps, ctx: RequestContext, ticketId: string, fields: readonly FieldName[], reason: string): Promise<RevealRequest> {
  return audited(deps, ctx, async (trx, rec) => {
    const now = deps.clock.now();
    const ticket = await openTicketOf(trx, ctx, ticketId, 'reveal_request');
    const base = { action: 'reveal_request' as const, customerId: ticket.customerId, ticketId: ticket.id };
    const wanted = [...new Set(fields)];
    const rules = wanted.map((f) => purposeRule(ticket.purpose, f));
    if (rules.some((r) => levelRank(r.ceiling) <= levelRank(r.default))) {
      throw denial('REVEAL_NOT_ALLOWED', { ...base, decision: 'deny', fields: Object.fromEntries(wanted.map((f) => [f, 'revealed'])), reason: 'field not revealable for this purpose' });
    }
    await checkGuard(deps, ctx, trx, { action: 'reveal_request', customerId: ticket.customerId, ticketId: ticket.id, isDecoy: ticket.customer.isDecoy, at: now });
    const decision = deps.policy.decide({ action: 'request_reveal', agent: policyAgent(ctx.agent), ...(await ticketFacts(trx, ticket, now)), fields: wanted });
    if (!decision.allowed) throw denial('POLICY_DENIED', { ...base, decision: 'deny', policyIds: decision.policyIds, reason: 'policy denied reveal request' });
    const approval = strictest(rules.map((r) => r.approval));
    const row = await trx.insertInto('reveal_requests').values({
      id: newId('rvl'), ticket_id: ticket.id, agent_id: ctx.agent.id, customer_id: ticket.customerId, fields: wanted, reason,
      approval, status: 'pending', decided_by: null, decided_at: null, comment: null, created_at: now,
      expires_at: new Date(now.getTime() + (approval === 'supervisor' ? PENDING_MS.staff : PENDING_MS.customer)),
    }).returningAll().executeTakeFirstOrThrow();
    await rec.append({ ...base, decision: 'allow', fields: Object.fromEntries(wanted.map((f) => [f, purposeRule(ticket.purpose, f).ceiling])),
      policyIds: decision.policyIds, reason, details: { revealRequestId: row.id, approval } });
    deps.events.publish({ type: 'reveal_request', requestId: row.id, status: 'pending', agentId: ctx.agent.id, customerId: ticket.customerId, approval });
    return toRevealRequest(row, null);
  });
}

/** Options of an approval. */
export interface DecideOptions {
  readonly comment?: string | undefined;
  /** Grant lifetime in minutes (default 15, at most 60). */
  readonly durationMinutes?: number | undefined;
}

/** A requester whose row is gone: no vendor, no regions, suspended (every scope denies). */
const unknownAgent = (id: string): Agent => ({ id, name: '', email: '', role: 'agent', team: '', vendor: '', regions: [], status: 'suspended' });

/** A supervisor's (or security's) decision on a pending request. A supervisor decides only for
 *  agents of their own vendor who share one of their regions, on customers of their regions
 *  (Cedar `staff.supervisor-own-scope`).
 *  @throws KeyholeError REQUEST_NOT_FOUND, REQUEST_NOT_PENDING (decided or expired),
 *  SELF_APPROVAL, FORBIDDEN (role, or a non-security approver while the requester is under
 *  step-up), TICKET_CLOSED, POLICY_DENIED. */
export function decideReveal(deps: BrokerDeps, ctx: RequestContext, requestId: string, verdict: 'approve' | 'deny', opts: DecideOptions = {}): Promise<RevealRequest> {
  return audited(deps, ctx, async (trx, rec) => {
    const now = deps.clock.now();
    const req = await trx.selectFrom('reveal_requests').selectAll().where('id', '=', requestId).forUpdate().executeTakeFirst();
    if (!req) throw new KeyholeError('REQUEST_NOT_FOUND');
    const action = verdict === 'approve' ? ('reveal_approve' as const) : ('reveal_deny' as const);
    const base = { action, customerId: req.customer_id, ticketId: req.ticket_id, fields: Object.fromEntries(req.fields.map((f) => [f, 'revealed'])) };
    if (ctx.agent.role === 'agent') throw denial('FORBIDDEN', { ...base, decision: 'deny', reason: 'only supervisors and security decide reveals' });
    if (req.agent_id === ctx.agent.id) throw denial('SELF_APPROVAL', { ...base, decision: 'deny', reason: 'self-approval' });
    // Step-up (detect): a requester under suspicion needs a security approver for every reveal.
    if (verdict === 'approve' && ctx.agent.role !== 'security' && (await deps.guard.requiresStepUp?.(trx, req.agent_id))) {
      throw denial('FORBIDDEN', { ...base, decision: 'deny', reason: 'requester under step-up: security approval required' });
    }
    if (req.status !== 'pending' || req.decided_by !== null) throw new KeyholeError('REQUEST_NOT_PENDING');
    if (req.expires_at <= now) {
      await trx.updateTable('reveal_requests').set({ status: 'expired' }).where('id', '=', req.id).execute();
      return toRevealRequest({ ...req, status: 'expired' }, null);
    }
    const ticket = await loadTicket(trx, req.ticket_id);
    if (!ticket || ticket.status !== 'open') throw new KeyholeError('TICKET_CLOSED');
    const decision = deps.policy.decide({
      action: verdict === 'approve' ? 'approve_reveal' : 'deny_reveal', agent: policyAgent(ctx.agent), ...(await ticketFacts(trx, ticket, now)),
      fields: req.fields as FieldName[], requester: policyAgent((await loadAgent(trx, req.agent_id)) ?? unknownAgent(req.agent_id)),
    });
    if (!decision.allowed) throw denial('POLICY_DENIED', { ...base, decision: 'deny', policyIds: decision.policyIds, reason: 'policy denied decision' });
    const comment = opts.comment ?? null;
    if (verdict === 'approve' && req.approval === 'customer') {
      throw new KeyholeError('CONFLICT', 'This reveal waits for the customer\'s consent, not a supervisor\'s.');
    }
    // Four-eyes done; a reveal that also needs consent opens only once the customer said yes.
    const customerDone = req.approval === 'supervisor' || req.customer_verdict === 'approved';
    const status = verdict === 'deny' ? 'denied' : customerDone ? 'approved' : 'pending';
    await trx.updateTable('reveal_requests').set({ status, decided_by: ctx.agent.id, decided_at: now, comment }).where('id', '=', req.id).execute();
    const grant = status === 'approved' ? await createGrant(deps, trx, req, now, req.customer_duration_min ?? opts.durationMinutes) : null;
    await rec.append({ ...base, decision: 'allow', policyIds: decision.policyIds, reason: comment,
      details: { revealRequestId: req.id, requesterId: req.agent_id, ...(grant ? { grantId: grant.id, grantExpiresAt: grant.expiresAt.toISOString() } : {}) } });
    deps.events.publish({ type: 'reveal_request', requestId: req.id, status, agentId: req.agent_id, customerId: req.customer_id, approval: req.approval });
    return toRevealRequest({ ...req, status, decided_by: ctx.agent.id, decided_at: now, comment }, grant);
  });
}

/** Creates the single-use grant of an approved request. */
export async function createGrant(
  deps: BrokerDeps, trx: BrokerDb,
  req: { id: string; ticket_id: string; agent_id: string; customer_id: string; fields: string[] },
  now: Date, durationMinutes?: number,
): Promise<{ id: string; expiresAt: Date }> {
  const bounds = deps.grantMinutes ?? { default: 15, max: 60 };
  const minutes = Math.min(Math.max(durationMinutes ?? bounds.default, 1), bounds.max);
  const expiresAt = new Date(now.getTime() + minutes * 60_000);
  const id = newId('gnt');
  await trx.insertInto('grants').values({
    id, request_id: req.id, ticket_id: req.ticket_id, agent_id: req.agent_id, customer_id: req.customer_id, fields: req.fields,
    created_at: now, expires_at: expiresAt, used_at: null, revoked_at: null, revoke_reason: null,
  }).execute();
  return { id, expiresAt };
}
