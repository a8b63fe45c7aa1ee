// The policy engine: Keyhole's fail-closed decision function over the Cedar policies in
// `policies/` (loaded, strictly validated and preparsed once). One decision per view with a
// level per field; allow/deny for every other action. DESIGN.md "Data flow", module `policy/`.
import { fileURLToPath } from 'node:url';
import type { FieldName } from '../fields/catalog-types.js';
import { authorize } from './cedar-call.js';
import { loadPolicies, type LoadedPolicies } from './load.js';
import { actionRequest, agentEntity, ticketEntities, uid } from './requests.js';
import type { ActionInput, Decision, ViewDecision, ViewInput } from './types.js';
import { DecisionCache } from './decision-cache.js';
import { denied, disclosureContext, proposeLevels, resolveView, type LevelMap } from './view-levels.js';

/** The repository's `policies/` directory. */
export const DEFAULT_POLICY_DIR: string = fileURLToPath(new URL('../../policies/', import.meta.url));

/** Decides with Cedar. Every method is total: it never throws, and any Cedar evaluation error,
 *  failure answer or unexpected answer shape is a deny carrying the error in `errors`. */
export class PolicyEngine {
  readonly #policies: LoadedPolicies;
  readonly #views: DecisionCache<ViewDecision>;

  private constructor(policies: LoadedPolicies, cacheSize: number) {
    this.#policies = policies;
    this.#views = new DecisionCache(cacheSize);
  }

  /** Loads, validates in strict mode and preparses the schema and policies in `dir`.
   *  `viewCacheSize` bounds the LRU of view decisions (default 10,000; 0 disables it).
   *  @throws KeyholeError POLICY_INVALID with Cedar's messages (see loadPolicies); RangeError
   *  when `viewCacheSize` is not an integer >= 0. */
  static load(dir: string = DEFAULT_POLICY_DIR, opts: { viewCacheSize?: number } = {}): PolicyEngine {
    return new PolicyEngine(loadPolicies(dir), opts.viewCacheSize ?? 10_000);
  }

  /** The `@id`s of the loaded policies, sorted. */
  get policyIds(): readonly string[] {
    return this.#policies.policyIds;
  }

  /** The one decision of a view: whether the agent may view the ticket's customer at all and,
   *  if so, each field's level — the purpose's default, or up to its ceiling for a granted
   *  field, as confirmed (and possibly lowered) by Cedar. A level MUST NOT exceed the purpose's
   *  ceiling, nor its default without a grant; when `allowed` is false every field is hidden.
   *  Typically one Cedar call (see docs/design/policy.md). */
  decideView(input: ViewInput): ViewDecision {
    const key = viewKey(input);
    const hit = this.#views.get(key);
    if (hit) return hit;
    const decision = this.#decideViewUncached(input);
    if (decision.errors.length === 0) this.#views.set(key, decision);
    return decision;
  }

  #decideViewUncached(input: ViewInput): ViewDecision {
    try {
      const { agent, ticket, customer } = input;
      const granted = new Set<FieldName>(input.grantedFields);
      const entities = [agentEntity(agent), ...ticketEntities(ticket, customer)];
      const ask = (levels: LevelMap) => authorize(this.#policies, {
        principal: uid('Agent', agent.id),
        action: 'view',
        resource: uid('Ticket', ticket.id),
        context: disclosureContext(ticket.purpose, levels, granted),
        entities,
      });
      return resolveView(ask, proposeLevels(ticket.purpose, granted));
    } catch (e) {
      return denied([], [`policy engine error: ${e instanceof Error ? e.message : String(e)}`]);
    }
  }

  /** Decides any action but a view (see ActionInput for each action's principal and resource). */
  decide(input: ActionInput): Decision {
    try {
      const v = authorize(this.#policies, actionRequest(input));
      return Object.freeze({ allowed: v.allowed && v.errors.length === 0, policyIds: v.reasons, errors: v.errors });
    } catch (e) {
      return Object.freeze({ allowed: false, policyIds: [], errors: [`policy engine error: ${e instanceof Error ? e.message : String(e)}`] });
    }
  }
}

/** The canonical cache key of a view input: every field the decision reads, granted fields
 *  sorted. Two inputs with the same key get the same decision. */
function viewKey(i: ViewInput): string {
  const a = i.agent;
  return JSON.stringify([a.id, a.role, a.team, a.vendor, [...a.regions].sort(), a.suspended, a.stepUp ?? false,
    i.ticket.id, i.ticket.purpose, i.ticket.status, i.ticket.assigneeId, i.ticket.breakGlass ?? false, i.customer.id, i.customer.jurisdiction, i.customer.locked,
    [...new Set(i.grantedFields)].sort()]);
}
