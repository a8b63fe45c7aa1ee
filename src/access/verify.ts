// Verify, don't view: the agent types what the caller says; the server compares its canonical
// form with the field's blind index and answers match / no match. At most 5 failed attempts per
// agent, customer and field in 24 h, then locked; every attempt is recorded.
import { sql } from 'kysely';
import { FIELD_CATALOG } from '../fields/catalog.js';
import type { FieldName } from '../fields/catalog-types.js';
import { levelRank } from '../fields/levels.js';
import { canonicalFromAnswer } from '../fields/normalize.js';
import { purposeRule } from '../fields/purposes.js';
import { checkGuard } from './guard-check.js';
import type { BrokerDeps, RequestContext } from './model.js';
import { audited, denial } from './recorder.js';
import { openTicketOf } from './ticket-gate.js';
import { policyAgent, ticketFacts } from './policy-facts.js';

/** Failed attempts allowed per agent, customer and field in `VERIFY_WINDOW_MS`. */
export const MAX_FAILED_VERIFIES = 5;
/** The window of the failed-attempt limit: 24 hours in ms. */
export const VERIFY_WINDOW_MS = 24 * 3600 * 1000;

/** The answer of a verification. */
export interface VerifyResult {
  readonly match: boolean;
  /** Failed attempts left before the lock. */
  readonly attemptsLeft: number;
}

/** Checks `answer` (attacker-controlled free text) against `field` of the customer of the
 *  caller's open ticket. An unparseable answer counts as a failed attempt.
 *  @throws KeyholeError TICKET_NOT_FOUND, FIELD_NOT_VERIFIABLE (the field has no verification
 *  method, or the purpose hides it), VERIFY_LOCKED (5 failures in 24 h), guard denials. */
export function verifyField(deps: BrokerDeps, ctx: RequestContext, ticketId: string, field: FieldName, answer: string): Promise<VerifyResult> {
  return audited(deps, ctx, async (trx, rec) => {
    const now = deps.clock.now();
    const ticket = await openTicketOf(trx, ctx, ticketId, 'verify');
    const base = { action: 'verify' as const, customerId: ticket.customerId, ticketId: ticket.id };
    if (FIELD_CATALOG[field].verify === undefined || levelRank(purposeRule(ticket.purpose, field).default) < levelRank('verify_only')) {
      throw denial('FIELD_NOT_VERIFIABLE', { ...base, decision: 'deny', fields: { [field]: 'hidden' }, reason: 'field not verifiable for this purpose' });
    }
    await checkGuard(deps, ctx, trx, { action: 'verify', customerId: ticket.customerId, ticketId: ticket.id, isDecoy: ticket.customer.isDecoy, at: now });
    const facts = await ticketFacts(trx, ticket, now);
    const decision = deps.policy.decide({ action: 'verify', agent: policyAgent(ctx.agent), ...facts, fields: [field] });
    if (!decision.allowed) throw denial('POLICY_DENIED', { ...base, decision: 'deny', policyIds: decision.policyIds, reason: 'policy denied verify' });
    // Serialize attempts on (agent, customer, field) so concurrent guesses cannot pass the limit.
    await sql`select pg_advisory_xact_lock(hashtext(${`${ctx.agent.id}|${ticket.customerId}|${field}`}))`.execute(trx);
    const since = new Date(now.getTime() - VERIFY_WINDOW_MS);
    const failed = await trx.selectFrom('verify_attempts').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('agent_id', '=', ctx.agent.id).where('customer_id', '=', ticket.customerId).where('field', '=', field)
      .where('matched', '=', false).where('at', '>', since).executeTakeFirstOrThrow();
    const failures = Number(failed.n);
    if (failures >= MAX_FAILED_VERIFIES) {
      throw denial('VERIFY_LOCKED', { ...base, decision: 'deny', fields: { [field]: 'verify_only' }, reason: 'verify locked after 5 failures' });
    }
    const canonical = canonicalFromAnswer(field, answer, { country: ticket.customer.jurisdiction });
    const match = canonical !== null && (await deps.vault.matchesBlindIndex(trx, ticket.customerId, field, canonical));
    await trx.insertInto('verify_attempts').values({ agent_id: ctx.agent.id, customer_id: ticket.customerId, field, matched: match, at: now }).execute();
    await rec.append({ ...base, decision: 'allow', fields: { [field]: 'verify_only' }, policyIds: decision.policyIds, details: { matched: match, ...(facts.ticket.breakGlass ? { breakGlass: true } : {}) } });
    return { match, attemptsLeft: MAX_FAILED_VERIFIES - failures - (match ? 0 : 1) };
  });
}

