// The budget decision as a pure function, shared by the database guard and the simulator's
// in-memory model so both deny at exactly the same point: at the limit, never before.
// docs/design/detect.md "Budgets".
import type { BudgetName, Budgets } from './config.js';

/** What the guard is deciding about. */
export type GuardedAction = 'view' | 'verify' | 'lookup' | 'reveal_request';

/** The agent's usage inside each budget's window, before this request. */
export interface BudgetUsage {
  /** The customer was already touched inside the hour / shift window (re-access is free). */
  readonly seenInHour: boolean;
  readonly seenInShift: boolean;
  readonly customersInHour: number;
  readonly customersInShift: number;
  readonly revealsInShift: number;
  readonly lookupsInHour: number;
}

/** The outcome: allowed, or the first exhausted budget with its limit and usage. */
export type BudgetDecision =
  | { readonly allow: true }
  | { readonly allow: false; readonly budget: BudgetName; readonly limit: number; readonly used: number };

/** Decides one request against `limits` (the budgets plus live supervisor extensions).
 *  A request that would make a count exceed its limit is denied; a count equal to the limit
 *  after the request is allowed. A new customer counts against both customer budgets; a
 *  lookup also against `lookupsPerHour`, a reveal request against `revealsPerShift`. */
export function decideBudget(action: GuardedAction, limits: Budgets, usage: BudgetUsage): BudgetDecision {
  const over = (budget: BudgetName, used: number): BudgetDecision | undefined =>
    used + 1 > limits[budget] ? { allow: false, budget, limit: limits[budget], used } : undefined;
  const checks = [
    usage.seenInHour ? undefined : over('customersPerHour', usage.customersInHour),
    usage.seenInShift ? undefined : over('customersPerShift', usage.customersInShift),
    action === 'lookup' ? over('lookupsPerHour', usage.lookupsInHour) : undefined,
    action === 'reveal_request' ? over('revealsPerShift', usage.revealsInShift) : undefined,
  ];
  return checks.find((c) => c !== undefined) ?? { allow: true };
}

/** The human-readable reason of a denial, for the audit record (no customer data). */
export function budgetReason(d: Extract<BudgetDecision, { allow: false }>): string {
  return `budget ${d.budget} exhausted (${d.used} of ${d.limit}); a supervisor may extend it`;
}

/** `base` plus the sum of live extensions per budget. */
export function withExtensions(base: Budgets, extensions: ReadonlyArray<{ readonly budget: BudgetName; readonly extra: number }>): Budgets {
  const out = { ...base };
  for (const e of extensions) out[e.budget] += e.extra;
  return out;
}
