// The facts the policy decides on, built once per request from the loaded agent and ticket:
// suspension, the customer's privacy lock and a live break-glass on this ticket.
import type { PolicyAgent, PolicyCustomer, PolicyTicket } from '../policy/types.js';
import { hasLiveBreakGlass } from './break-glass.js';
import type { Agent, BrokerDb } from './model.js';
import type { TicketRow } from './ticket-gate.js';

/** The policy's view of an agent. */
export function policyAgent(agent: Agent): PolicyAgent {
  return { ...agent, suspended: agent.status !== 'active' };
}

/** The policy's view of ticket `t` and its customer. The break-glass flag is looked up only
 *  for a locked customer (for the ticket's assignee), so unlocked customers cost no query. */
export async function ticketFacts(db: BrokerDb, t: TicketRow, now: Date): Promise<{ ticket: PolicyTicket; customer: PolicyCustomer }> {
  const breakGlass = t.customer.locked && t.assigneeId !== null ? await hasLiveBreakGlass(db, t.id, t.assigneeId, now) : false;
  return {
    ticket: { id: t.id, purpose: t.purpose, status: t.status, assigneeId: t.assigneeId, breakGlass },
    customer: { id: t.customerId, jurisdiction: t.customer.jurisdiction, locked: t.customer.locked },
  };
}
