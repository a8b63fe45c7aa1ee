// Agents as principals: loading one fresh for each request, and suspension — which revokes
// every grant and ends every session of the agent at once (DESIGN.md invariant 3).
import { KeyholeError } from '../shared/errors.js';
import { revokeGrants } from './grants.js';
import type { Agent, BrokerDb, BrokerDeps, RequestContext } from './model.js';
import { audited, denial } from './recorder.js';
import { withdrawContacts, type WithdrawActor } from './withdraw-contacts.js';

/** Loads agent `id`, or undefined. */
export async function loadAgent(db: BrokerDb, id: string): Promise<Agent | undefined> {
  const r = await db.selectFrom('agents').select(['id', 'name', 'email', 'role', 'team', 'vendor', 'regions', 'status']).where('id', '=', id).executeTakeFirst();
  return r ? { ...r, regions: r.regions } : undefined;
}

/** The outcome of a suspension. */
export interface SuspensionResult {
  readonly agentId: string;
  readonly grantsRevoked: number;
  readonly sessionsEnded: number;
  /** Bearer tokens revoked (suspension revokes them all; reinstatement does not restore them). */
  readonly tokensRevoked: number;
  /** Open tickets withdrawn (new contact code; a teammate or parked). Issue 14 item 1. */
  readonly ticketsWithdrawn: number;
}

/** Suspends `agentId` inside `trx`: status, grants revoked, sessions ended, pending reveal
 *  requests cancelled, open tickets withdrawn with new contact codes (withdraw-contacts.ts,
 *  one `ticket_assign` record each by `actor`). Used by the security console and by the
 *  detectors' containment. */
export async function suspendInTransaction(trx: BrokerDb, agentId: string, now: Date, actor: WithdrawActor): Promise<SuspensionResult> {
  await trx.updateTable('agents').set({ status: 'suspended', suspended_at: now }).where('id', '=', agentId).execute();
  const grants = await revokeGrants(trx, { agentId }, now, 'agent suspended');
  const sessions = await trx.updateTable('agent_sessions').set({ ended_at: now }).where('agent_id', '=', agentId).where('ended_at', 'is', null).returning('id_hash').execute();
  await trx.updateTable('reveal_requests').set({ status: 'cancelled' }).where('agent_id', '=', agentId).where('status', '=', 'pending').execute();
  // Suspension and containment revoke every bearer token too: reinstatement does not revive them.
  const tokens = await trx.updateTable('api_tokens').set({ revoked_at: now, revoked_by: 'suspension', revoked_reason: 'agent suspended' })
    .where('agent_id', '=', agentId).where('revoked_at', 'is', null).returning('id').execute();
  const withdrawn = await withdrawContacts(trx, agentId, now, actor);
  return { agentId, grantsRevoked: grants.length, sessionsEnded: sessions.length, tokensRevoked: tokens.length, ticketsWithdrawn: withdrawn.length };
}

/** Suspends or reinstates an agent (security staff only; never oneself).
 *  @throws KeyholeError FORBIDDEN, NOT_FOUND. */
export function setAgentStatus(deps: BrokerDeps, ctx: RequestContext, agentId: string, status: 'active' | 'suspended', reason: string): Promise<SuspensionResult> {
  return audited(deps, ctx, async (trx, rec) => {
    const action = status === 'suspended' ? ('agent_suspend' as const) : ('agent_reinstate' as const);
    if (ctx.agent.role !== 'security' || ctx.agent.id === agentId) {
      throw denial('FORBIDDEN', { action, customerId: null, ticketId: null, decision: 'deny', reason: 'only security staff change agent status', details: { target: agentId } });
    }
    const target = await loadAgent(trx, agentId);
    if (!target) throw new KeyholeError('NOT_FOUND', 'No such agent.');
    const now = deps.clock.now();
    const result = status === 'suspended'
      ? await suspendInTransaction(trx, agentId, now, { agentId: ctx.agent.id, requestId: ctx.requestId })
      : (await trx.updateTable('agents').set({ status: 'active', suspended_at: null }).where('id', '=', agentId).execute(), { agentId, grantsRevoked: 0, sessionsEnded: 0, tokensRevoked: 0, ticketsWithdrawn: 0 });
    await rec.append({ action, customerId: null, ticketId: null, decision: 'allow', reason,
      details: { target: agentId, grantsRevoked: result.grantsRevoked, sessionsEnded: result.sessionsEnded, tokensRevoked: result.tokensRevoked, ticketsWithdrawn: result.ticketsWithdrawn } });
    deps.events.publish({ type: 'agent_status', agentId, status });
    return result;
  });
}
