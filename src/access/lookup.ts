// Lookup for an inbound contact: exact match on e-mail, phone or account id opens a ticket for
// the matching customer, assigned to the caller. No listing, browsing or sorting of customers
// exists anywhere. A miss — no match, several matches, an erased customer, or a policy denial —
// is one uniform answer: the policy is decided before the budget, every lookup (hit or miss)
// goes through the guard and counts against the lookup budget, and a miss does the same
// queries as a denied hit (blind-index query, customer row, policy decision, guard). So once the
// budget is spent every lookup gets 429, and before that every miss gets 404 (issue 10.7).
import { canonicalFromAnswer } from '../fields/normalize.js';
import type { Purpose } from '../fields/catalog-types.js';
import { KeyholeError } from '../shared/errors.js';
import { checkGuard } from './guard-check.js';
import { newContactCode, newId } from './ids.js';
import type { BrokerDb, BrokerDeps, RequestContext } from './model.js';
import { audited } from './recorder.js';
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

/** A customer id no row has: a miss reads it so it costs the same queries as a hit. */
const NO_CUSTOMER = 'cus_lookup_miss';
/** A canonical value looked up when the given identifier does not normalize (same query). */
const NO_CANONICAL = 'lookup-miss.invalid';

interface Candidate {
  readonly id: string;
  readonly jurisdiction: string;
  readonly is_decoy: boolean;
  readonly locked_at: Date | null;
}

/** Finds the one customer matching `key` and opens a ticket for them assigned to the caller.
 *  Every outcome is on the log: a hit as `lookup` + `ticket_open`; a miss as a denied `lookup`
 *  with `details.miss` (committed with the lookup-budget count, so detectors score misses).
 *  @throws KeyholeError LOOKUP_NO_MATCH (no match, several matches, erased customer, or the
 *  policy denies: all alike, after counting against the budget), guard denials (suspension,
 *  BUDGET_EXCEEDED for a hit and a miss alike, decoys). */
export async function lookupCustomer(deps: BrokerDeps, ctx: RequestContext, key: LookupKey, opts: LookupOptions): Promise<TicketRow> {
  const ticket = await audited(deps, ctx, async (trx, rec) => {
    const now = deps.clock.now();
    const kind = 'email' in key ? 'email' : 'phone' in key ? 'phone' : 'accountId';
    const found = await findCandidate(deps, trx, key);
    const decision = deps.policy.decide({
      action: 'lookup',
      agent: policyAgent(ctx.agent),
      ticket: { id: 'new', purpose: opts.purpose, status: 'open', assigneeId: ctx.agent.id },
      customer: found
        ? { id: found.id, jurisdiction: found.jurisdiction, locked: found.locked_at !== null }
        : { id: NO_CUSTOMER, jurisdiction: ctx.agent.regions[0] ?? 'ZZ', locked: false },
      fields: [],
    });
    const hit = found && decision.allowed ? found : undefined;
    // A decoy is touched whatever the policy says (and contains); a miss touches no customer.
    const touched = hit ?? (found?.is_decoy ? found : undefined);
    await checkGuard(deps, ctx, trx, { action: 'lookup', customerId: touched?.id ?? null, ticketId: null, isDecoy: touched?.is_decoy ?? false, at: now });
    if (!hit) {
      const reason = found ? 'policy denied lookup' : 'no match';
      await rec.append({ action: 'lookup', customerId: found?.id ?? null, ticketId: null, decision: 'deny', reason, details: { by: kind, miss: true } });
      return undefined;
    }
    const ticketId = newId('tkt');
    await trx.insertInto('tickets').values({
      id: ticketId, customer_id: hit.id, purpose: opts.purpose, status: 'open', assignee_id: ctx.agent.id, channel: opts.channel,
      subject: opts.subject, referenced_tx: [], created_by: ctx.agent.id, created_at: now, closed_at: null, contact_code: newContactCode(),
    }).execute();
    await rec.append({ action: 'lookup', customerId: hit.id, ticketId, decision: 'allow', policyIds: decision.policyIds, details: { by: kind } });
    await rec.append({ action: 'ticket_open', customerId: hit.id, ticketId, decision: 'allow', details: { purpose: opts.purpose, channel: opts.channel } });
    return (await loadTicket(trx, ticketId)) as TicketRow;
  });
  if (!ticket) throw new KeyholeError('LOOKUP_NO_MATCH');
  return ticket;
}

/** The one live customer matching `key`, or undefined (none, several, erased). Always runs the
 *  identifier query and one customer-row query, whatever it finds. */
async function findCandidate(deps: BrokerDeps, trx: BrokerDb, key: LookupKey): Promise<Candidate | undefined> {
  const ids = await matchCustomers(deps, trx, key);
  const id = ids.length === 1 ? (ids[0] as string) : NO_CUSTOMER;
  const row = await trx.selectFrom('customers').select(['id', 'jurisdiction', 'is_decoy', 'erased_at', 'locked_at']).where('id', '=', id).executeTakeFirst();
  return row && !row.erased_at ? row : undefined;
}

async function matchCustomers(deps: BrokerDeps, trx: BrokerDb, key: LookupKey): Promise<string[]> {
  if ('accountId' in key) {
    const rows = await trx.selectFrom('customers').select('id').where('account_id', '=', key.accountId.trim()).limit(2).execute();
    return rows.map((r) => r.id);
  }
  const field = 'email' in key ? 'email' : 'phone';
  const raw = 'email' in key ? key.email : key.phone;
  const canonical = canonicalFromAnswer(field, raw, {}) ?? NO_CANONICAL;
  return (await deps.vault.findByBlindIndex(trx, field, canonical)).slice(0, 2);
}
