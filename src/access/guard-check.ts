// Asks the in-line guard and turns its answer into a recorded denial. Fail closed: a guard
// that throws denies the request.
import type { BrokerDb, BrokerDeps, RequestContext } from './model.js';
import type { DeferredWrite, GuardRequest } from './guard.js';
import { denial } from './recorder.js';

/** Throws a recorded denial unless the guard allows `req` for the caller. A denial that asks
 *  for containment carries `details.contain`, which `audited()` acts on after recording it.
 *  Returns the guard's deferred write when `req.deferWrite` asked for one (the caller MUST run
 *  it before commit), else undefined.
 *  @throws KeyholeError AGENT_SUSPENDED, BUDGET_EXCEEDED, or POLICY_DENIED (also when the guard fails). */
export async function checkGuard(deps: BrokerDeps, ctx: RequestContext, trx: BrokerDb, req: Omit<GuardRequest, 'agent' | 'db' | 'requestId'>): Promise<DeferredWrite | undefined> {
  const deny = { action: req.action, customerId: req.customerId, ticketId: req.ticketId, decision: 'deny' as const };
  let verdict;
  try {
    verdict = await deps.guard.check({ ...req, db: trx, agent: ctx.agent, requestId: ctx.requestId });
  } catch {
    throw denial('POLICY_DENIED', { ...deny, reason: 'guard unavailable' });
  }
  if (!verdict.allow) {
    const err = denial(verdict.code, { ...deny, reason: verdict.reason, details: { ...verdict.evidence, contained: verdict.contain, ...(verdict.rule ? { guard: verdict.rule } : {}) } });
    if (verdict.contain) (err.details as Record<string, unknown>).contain = verdict.reason;
    throw err;
  }
  return req.deferWrite === true ? verdict.write : undefined;
}
