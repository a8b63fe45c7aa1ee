// Lookup for an inbound contact: exact match on e-mail, phone or account id opens a ticket for
// the matching customer, assigned to the caller. No listing, browsing or sorting of customers
// exists anywhere; a miss is a 404 that is the same whether or not the customer exists.
import { canonicalFromAnswer } from '../fields/normalize.js';
import type { Purpose } from '../fields/catalog-types.js';
import { checkGuard } from './guard-check.js';
import { newContactCode, newId } from './ids.js';
import type { BrokerDb, BrokerDeps, RequestContext } from './model.js';
import { audited, denial } from './recorder.js';
import { loadTicket, type TicketRow } from './ticket-gate.js';
import { policyAgent } from './policy-facts.js';

/** What the caller gave: exactly one identifier (attacker-controlled strings). */
export type LookupKey = { readonly email: string } | { readonly phone: string } | { readonly accountId: string };

/** Options of the ticket a lookup opens. */
export interface LookupOptions {
  readonly purpose: Purpose;
  readonly channel: string;
  readonly subject: string;
}

/** Finds the one customer matching `key` and opens a ticket for them assigned to the caller.
 *  @throws KeyholeError LOOKUP_NO_MATCH (no match, several matches, erased customer, or the
 *  policy denies: all alike), guard denials (suspension, budgets, decoys). */
export function lookupCustomer(deps: BrokerDeps, ctx: RequestContext, key: LookupKey, opts: LookupOptions): Promise<TicketRow> {
  return audited(deps, ctx, async (trx, rec) => {
    const now = deps.clock.now();
    const kind = 'email' in key ? 'email' : 'phone' in key ? 'phone' : 'accountId';
    const noMatch = (customerId: string | null, reason: string) =>
      denial('LOOKUP_NO_MATCH', { action: 'lookup', customerId, ticketId: null, decision: 'deny', reason, details: { by: kind } });
    const ids = await matchCustomers(deps, trx, key);
    if (ids.length !== 1) throw noMatch(null, ids.length === 0 ? 'no match' : 'ambiguous match');
    const customer = await trx.selectFrom('customers').select(['id', 'jurisdiction', 'is_decoy', 'erased_at', 'locked_at']).where('id', '=', ids[0] as string).executeTakeFirst();
    if (!customer || customer.erased_at) throw noMatch(null, 'no match');
    await checkGuard(deps, ctx, trx, { action: 'lookup', customerId: customer.id, ticketId: null, isDecoy: customer.is_decoy, at: now });
    const decision = deps.policy.decide({
      action: 'lookup',
      agent: policyAgent(ctx.agent),
      ticket: { id: 'new', purpose: opts.purpose, status: 'open', assigneeId: ctx.agent.id },
      customer: { id: customer.id, jurisdiction: customer.jurisdiction, locked: customer.locked_at !== null },
      fields: [],
    });
    if (!decision.allowed) throw noMatch(customer.id, 'policy denied lookup');
    const ticketId = newId('tkt');
    await trx.insertInto('tickets').values({
      id: ticketId, customer_id: customer.id, purpose: opts.purpose, status: 'open', assignee_id: ctx.agent.id, channel: opts.channel,
      subject: opts.subject, referenced_tx: [], created_by: ctx.agent.id, created_at: now, closed_at: null, contact_code: newContactCode(),
    }).execute();
    await rec.append({ action: 'lookup', customerId: customer.id, ticketId, decision: 'allow', policyIds: decision.policyIds, details: { by: kind } });
    await rec.append({ action: 'ticket_open', customerId: customer.id, ticketId, decision: 'allow', details: { purpose: opts.purpose, channel: opts.channel } });
    return (await loadTicket(trx, ticketId)) as TicketRow;
  });
}

async function matchCustomers(deps: BrokerDeps, trx: BrokerDb, key: LookupKey): Promise<string[]> {
  if ('accountId' in key) {
    const rows = await trx.selectFrom('customers').select('id').where('account_id', '=', key.accountId.trim()).limit(2).execute();
    return rows.map((r) => r.id);
  }
  const field = 'email' in key ? 'email' : 'phone';
  const raw = 'email' in key ? key.email : key.phone;
  const canonical = canonicalFromAnswer(field, raw, {});
  if (canonical === null) return [];
  return (await deps.vault.findByBlindIndex(trx, field, canonical)).slice(0, 2);
}
