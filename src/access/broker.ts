// The access broker: the one entry point through which customer data is reached. Each method
// takes the request context (a freshly loaded agent and a request id) and enforces the
// ticket gate, policy, guard, grants and audit of DESIGN.md.
import type { FieldName } from '../fields/catalog-types.js';
import { setAgentStatus } from './agents.js';
import { lookupCustomer, type LookupKey, type LookupOptions } from './lookup.js';
import type { BrokerDeps, RequestContext } from './model.js';
import { decideReveal, requestReveal, type DecideOptions } from './reveal.js';
import { listRevealRequests } from './reveal-read.js';
import { assignTicket, closeTicket, myTickets, ticketDetail, toTicketSummary } from './tickets.js';
import { verifyField } from './verify.js';
import { viewCustomer } from './view.js';

/** The broker's operations bound to its dependencies. */
export class Broker {
  readonly deps: BrokerDeps;
  constructor(deps: BrokerDeps) {
    this.deps = deps;
  }
  /** See viewCustomer. @throws KeyholeError LOG_UNHEALTHY while the log fails closed. */
  async view(ctx: RequestContext, ticketId: string) {
    this.deps.logGate?.assertServing();
    return viewCustomer(this.deps, ctx, ticketId);
  }
  /** See verifyField. @throws KeyholeError LOG_UNHEALTHY while the log fails closed. */
  async verify(ctx: RequestContext, ticketId: string, field: FieldName, answer: string) {
    this.deps.logGate?.assertServing();
    return verifyField(this.deps, ctx, ticketId, field, answer);
  }
  /** See requestReveal. */
  requestReveal(ctx: RequestContext, ticketId: string, fields: readonly FieldName[], reason: string) {
    return requestReveal(this.deps, ctx, ticketId, fields, reason);
  }
  /** See decideReveal. */
  decideReveal(ctx: RequestContext, requestId: string, verdict: 'approve' | 'deny', opts?: DecideOptions) {
    return decideReveal(this.deps, ctx, requestId, verdict, opts);
  }
  /** See listRevealRequests. */
  revealRequests(ctx: RequestContext, status?: 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled') {
    return listRevealRequests(this.deps.db, ctx.agent, { ...(status ? { status } : {}), now: this.deps.clock.now() });
  }
  /** See lookupCustomer; returns the opened ticket. @throws KeyholeError LOG_UNHEALTHY while
   *  the log fails closed. */
  async lookup(ctx: RequestContext, key: LookupKey, opts: LookupOptions) {
    this.deps.logGate?.assertServing();
    return toTicketSummary(await lookupCustomer(this.deps, ctx, key, opts));
  }
  /** See myTickets. */
  tickets(ctx: RequestContext, status?: 'open' | 'closed') {
    return myTickets(this.deps, ctx, status);
  }
  /** See ticketDetail. */
  ticket(ctx: RequestContext, ticketId: string) {
    return ticketDetail(this.deps, ctx, ticketId);
  }
  /** See assignTicket. */
  assign(ctx: RequestContext, ticketId: string, agentId: string) {
    return assignTicket(this.deps, ctx, ticketId, agentId);
  }
  /** See closeTicket. */
  close(ctx: RequestContext, ticketId: string) {
    return closeTicket(this.deps, ctx, ticketId);
  }
  /** See setAgentStatus. */
  setAgentStatus(ctx: RequestContext, agentId: string, status: 'active' | 'suspended', reason: string) {
    return setAgentStatus(this.deps, ctx, agentId, status, reason);
  }
}
