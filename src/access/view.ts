// The view: what an agent sees of the customer behind one of their open tickets. Policy
// decision → guard → grant consumption → decryption of only what the levels need → masking →
// the audit record, all in one transaction before anything is returned (DESIGN.md data flow).
import { FIELD_CATALOG } from '../fields/catalog.js';
import { FIELD_NAMES, type FieldName, type Purpose } from '../fields/catalog-types.js';
import { levelRank, type Level } from '../fields/levels.js';
import { purposeRule } from '../fields/purposes.js';
import { renderField, type RenderedValue } from '../fields/render.js';
import { releaseGrants } from './grants.js';
import { checkGuard } from './guard-check.js';
import type { BrokerDeps, RequestContext } from './model.js';
import { audited, denial } from './recorder.js';
import { openTicketClaimingGrants } from './ticket-gate.js';
import { policyAgent, ticketFacts } from './policy-facts.js';

/** One field as the agent sees it. `value` is null unless the level shows something. */
export interface FieldView {
  readonly name: FieldName;
  readonly level: Level;
  readonly value: RenderedValue | null;
  /** The agent may check a caller's answer against this field. */
  readonly verifiable: boolean;
  /** A reveal may be requested (the purpose's ceiling is above the current level). */
  readonly revealable: boolean;
  /** Set while a live grant covers this field. */
  readonly grantExpiresAt: string | null;
}

/** The answer of `GET /v1/tickets/{id}/customer`. */
export interface CustomerView {
  readonly ticketId: string;
  readonly customerId: string;
  readonly purpose: Purpose;
  readonly fields: readonly FieldView[];
  /** Grants consumed by this view (single use). */
  readonly grantsUsed: readonly string[];
}

const needsValue = (level: Level) => levelRank(level) >= levelRank('masked');

/** Renders the customer of the caller's open ticket `ticketId`.
 *  @throws KeyholeError TICKET_NOT_FOUND (not theirs / closed / missing, all alike),
 *  AGENT_SUSPENDED or BUDGET_EXCEEDED (guard), CUSTOMER_LOCKED (privacy lock, no live
 *  break-glass), POLICY_DENIED, DECRYPT_FAILED,
 *  AUDIT_APPEND_FAILED — each with no customer data. */
export function viewCustomer(deps: BrokerDeps, ctx: RequestContext, ticketId: string): Promise<CustomerView> {
  return audited(deps, ctx, async (trx, rec) => {
    const now = deps.clock.now();
    // One statement: the ticket gate, the customer's plain attributes, their sealed fields, the
    // guard's read (its budget counters, locked) and the caller's live grants, consumed first (issue 10 item 6): they are claimed atomically and only what this
    // request claimed is rendered; a concurrent view of the same grant gets none of it. A
    // denial below rolls the claims back with everything else.
    const { ticket, claimed, sealed, guardPrefetched } = await openTicketClaimingGrants(trx, ctx, ticketId, now, deps.guard.prefetch);
    const base = { action: 'view' as const, customerId: ticket.customerId, ticketId: ticket.id };
    // The guard's counter write is deferred to the allow record's statement below (one round
    // trip fewer); a denial rolls the transaction back either way.
    const guardWrite = await checkGuard(deps, ctx, trx, { action: 'view', customerId: ticket.customerId, ticketId: ticket.id, isDecoy: ticket.customer.isDecoy, at: now,
      deferWrite: true, ...(deps.guard.prefetch !== undefined ? { prefetched: guardPrefetched } : {}) });
    const granted = [...new Set(claimed.flatMap((g) => g.fields))];
    const facts = await ticketFacts(trx, ticket, now);
    const decision = deps.policy.decideView({ agent: policyAgent(ctx.agent), ...facts, grantedFields: granted });
    if (!decision.allowed) {
      // A customer's privacy lock gets its own code, so the desk can say why and offer break-glass.
      if (facts.customer.locked && !facts.ticket.breakGlass) {
        throw denial('CUSTOMER_LOCKED', { ...base, decision: 'deny', policyIds: decision.policyIds, reason: 'customer locked' });
      }
      throw denial('POLICY_DENIED', { ...base, decision: 'deny', policyIds: decision.policyIds, reason: 'policy denied view' });
    }
    const levels = Object.fromEntries(FIELD_NAMES.map((f) => [f, decision.fields[f].level])) as Record<FieldName, Level>;
    // A grant is consumed when the view actually shows a granted field above its default.
    // Claimed grants the view did not need go back to live, in this same transaction.
    const grants = claimed.filter((g) => g.fields.some((f) => levelRank(levels[f]) > levelRank(purposeRule(ticket.purpose, f).default)));
    await releaseGrants(trx, claimed.filter((g) => !grants.includes(g)).map((g) => g.id), now);
    const consumed = grants.map((g) => g.id);
    const toDecrypt = FIELD_NAMES.filter((f) => FIELD_CATALOG[f].protected && needsValue(levels[f]));
    const values = await deps.vault.openPrefetched(ticket.customerId, ticket.customer.erased, sealed, toDecrypt);
    const c = ticket.customer;
    const plain: Partial<Record<FieldName, unknown>> = { accountId: c.accountId, tier: c.tier, accountStatus: c.status, jurisdiction: c.jurisdiction, createdAt: c.createdAt.toISOString() };
    const fields = FIELD_NAMES.map((name): FieldView => {
      const level = levels[name];
      const raw = FIELD_CATALOG[name].protected ? values.get(name) : plain[name];
      const rule = purposeRule(ticket.purpose, name);
      return {
        name,
        level,
        value: needsValue(level) && raw !== undefined ? renderField(name, raw as never, level, { referencedTx: ticket.referencedTx, purpose: ticket.purpose }) : null,
        verifiable: FIELD_CATALOG[name].verify !== undefined && levelRank(rule.default) >= levelRank('verify_only'),
        revealable: levelRank(rule.ceiling) > levelRank(level),
        grantExpiresAt: levelRank(level) > levelRank(rule.default) ? (grants.find((g) => g.fields.includes(name))?.expiresAt.toISOString() ?? null) : null,
      };
    });
    const policyIds = [...new Set([...decision.policyIds, ...Object.values(decision.fields).flatMap((f) => f.policyIds)])];
    // Without grant-use records to follow, the allow record is the last statement: its COMMIT
    // goes with it (one round trip fewer); this returns only after that commit.
    await rec.append({
      ...base,
      decision: 'allow',
      fields: Object.fromEntries(fields.filter((f) => f.level !== 'hidden').map((f) => [f.name, f.level])),
      policyIds,
      details: { ...(consumed.length > 0 ? { grantsUsed: consumed } : {}), ...(facts.ticket.breakGlass ? { breakGlass: true } : {}) },
    }, guardWrite, consumed.length === 0);
    for (const g of consumed) {
      await rec.append({ action: 'grant_use', customerId: ticket.customerId, ticketId: ticket.id, decision: 'allow', details: { grantId: g },
        fields: Object.fromEntries((grants.find((x) => x.id === g)?.fields ?? []).map((f) => [f, levels[f]])) });
    }
    return { ticketId: ticket.id, customerId: ticket.customerId, purpose: ticket.purpose, fields, grantsUsed: consumed };
  });
}
