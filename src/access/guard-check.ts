// Asks the in-line guard and turns its answer into a recorded denial. Fail closed: a guard
// that throws denies the request.
import type { GuardRequest } from './guard.js';
import type { BrokerDeps, RequestContext } from './model.js';
import { denial } from './recorder.js';

/** Throws a recorded denial unless the guard allows `req` for the caller.
 *  @throws KeyholeError AGENT_SUSPENDED, BUDGET_EXCEEDED, or POLICY_DENIED when the guard fails. */
export async function checkGuard(deps: BrokerDeps, ctx: RequestContext, req: Omit<GuardRequest, 'agent'>): Promise<void> {
  const deny = { action: req.action, customerId: req.customerId, ticketId: req.ticketId, decision: 'deny' as const };
  let verdict;
  try {
    verdict = await deps.guard.check({ ...req, agent: ctx.agent });
  } catch {
    throw denial('POLICY_DENIED', { ...deny, reason: 'guard unavailable' });
  }
  if (!verdict.allow) throw denial(verdict.code, { ...deny, reason: verdict.reason, details: { contained: verdict.contain } });
}
