// The budget decision (src/detect/budget-rules.ts) at its exact thresholds: a count that reaches
// its limit is allowed, one past it is denied, for every budget; re-access is free only inside
// the window that saw the customer; lookups and reveal requests count only against their own
// budget; the first exhausted budget is the one reported; extensions add up. Pure functions, so
// the mutation run of the detect-guard group (issue 20) kills most of its mutants here in a second.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { budgetReason, decideBudget, withExtensions, type BudgetUsage, type GuardedAction } from '../../src/detect/budget-rules.js';
import type { BudgetName, Budgets } from '../../src/detect/config.js';

const LIMITS: Budgets = { customersPerHour: 4, customersPerShift: 10, revealsPerShift: 2, lookupsPerHour: 3 };
const NONE: BudgetUsage = { seenInHour: false, seenInShift: false, customersInHour: 0, customersInShift: 0, revealsInShift: 0, lookupsInHour: 0 };
const ACTIONS: readonly GuardedAction[] = ['view', 'verify', 'lookup', 'reveal_request'];

describe('decideBudget', () => {
  it('allows a new customer up to customersPerHour and denies the one past it, for every action', () => {
    for (const action of ACTIONS) {
      assert.deepEqual(decideBudget(action, LIMITS, { ...NONE, customersInHour: 3, customersInShift: 3 }), { allow: true }, action);
      assert.deepEqual(decideBudget(action, LIMITS, { ...NONE, customersInHour: 4, customersInShift: 4 }), { allow: false, budget: 'customersPerHour', limit: 4, used: 4 }, action);
    }
  });

  it('allows a new customer up to customersPerShift and denies the one past it', () => {
    for (const action of ACTIONS) {
      assert.deepEqual(decideBudget(action, LIMITS, { ...NONE, customersInShift: 9 }), { allow: true }, action);
      assert.deepEqual(decideBudget(action, LIMITS, { ...NONE, customersInShift: 10 }), { allow: false, budget: 'customersPerShift', limit: 10, used: 10 }, action);
    }
  });

  it('counts lookups against lookupsPerHour at the limit, and only lookups', () => {
    assert.deepEqual(decideBudget('lookup', LIMITS, { ...NONE, lookupsInHour: 2 }), { allow: true });
    assert.deepEqual(decideBudget('lookup', LIMITS, { ...NONE, lookupsInHour: 3 }), { allow: false, budget: 'lookupsPerHour', limit: 3, used: 3 });
    for (const action of ['view', 'verify', 'reveal_request'] as const) {
      assert.deepEqual(decideBudget(action, LIMITS, { ...NONE, lookupsInHour: 99 }), { allow: true }, action);
    }
  });

  it('counts reveal requests against revealsPerShift at the limit, and only reveal requests', () => {
    assert.deepEqual(decideBudget('reveal_request', LIMITS, { ...NONE, revealsInShift: 1 }), { allow: true });
    assert.deepEqual(decideBudget('reveal_request', LIMITS, { ...NONE, revealsInShift: 2 }), { allow: false, budget: 'revealsPerShift', limit: 2, used: 2 });
    for (const action of ['view', 'verify', 'lookup'] as const) {
      assert.deepEqual(decideBudget(action, LIMITS, { ...NONE, revealsInShift: 99 }), { allow: true }, action);
    }
  });

  it('a lookup or reveal on an already-seen customer still counts against its own budget', () => {
    const seen = { ...NONE, seenInHour: true, seenInShift: true, customersInHour: 4, customersInShift: 10 };
    assert.deepEqual(decideBudget('lookup', LIMITS, { ...seen, lookupsInHour: 3 }), { allow: false, budget: 'lookupsPerHour', limit: 3, used: 3 });
    assert.deepEqual(decideBudget('reveal_request', LIMITS, { ...seen, revealsInShift: 2 }), { allow: false, budget: 'revealsPerShift', limit: 2, used: 2 });
  });

  it('re-access is free only within the window that saw the customer', () => {
    const full = { ...NONE, customersInHour: 4, customersInShift: 10 };
    assert.deepEqual(decideBudget('view', LIMITS, { ...full, seenInHour: true, seenInShift: true }), { allow: true });
    // Seen this shift but not this hour: the hour budget applies.
    assert.deepEqual(decideBudget('view', LIMITS, { ...full, seenInShift: true }), { allow: false, budget: 'customersPerHour', limit: 4, used: 4 });
    // Seen this hour (the shift is full too): the shift budget still applies unless seen in the shift.
    assert.deepEqual(decideBudget('view', LIMITS, { ...full, seenInHour: true }), { allow: false, budget: 'customersPerShift', limit: 10, used: 10 });
  });

  it('reports the first exhausted budget: hour, then shift, then lookups, then reveals', () => {
    const all = { ...NONE, customersInHour: 4, customersInShift: 10, lookupsInHour: 3, revealsInShift: 2 };
    assert.equal((decideBudget('lookup', LIMITS, all) as { budget: BudgetName }).budget, 'customersPerHour');
    assert.equal((decideBudget('lookup', LIMITS, { ...all, customersInHour: 0 }) as { budget: BudgetName }).budget, 'customersPerShift');
    assert.equal((decideBudget('lookup', LIMITS, { ...all, customersInHour: 0, customersInShift: 0 }) as { budget: BudgetName }).budget, 'lookupsPerHour');
    assert.equal((decideBudget('reveal_request', LIMITS, { ...all, customersInHour: 0, customersInShift: 0 }) as { budget: BudgetName }).budget, 'revealsPerShift');
  });

  it('property: allowed exactly when every applicable count stays within its limit after the request', () => {
    const n = fc.integer({ min: 0, max: 12 });
    fc.assert(fc.property(
      fc.constantFrom(...ACTIONS), fc.record({ customersPerHour: n, customersPerShift: n, revealsPerShift: n, lookupsPerHour: n }),
      fc.record({ seenInHour: fc.boolean(), seenInShift: fc.boolean(), customersInHour: n, customersInShift: n, revealsInShift: n, lookupsInHour: n }),
      (action, limits, usage) => {
        const ok = (usage.seenInHour || usage.customersInHour + 1 <= limits.customersPerHour)
          && (usage.seenInShift || usage.customersInShift + 1 <= limits.customersPerShift)
          && (action !== 'lookup' || usage.lookupsInHour + 1 <= limits.lookupsPerHour)
          && (action !== 'reveal_request' || usage.revealsInShift + 1 <= limits.revealsPerShift);
        const d = decideBudget(action, limits, usage);
        assert.equal(d.allow, ok);
        if (!d.allow) assert.equal(d.limit, limits[d.budget]);
      },
    ), { numRuns: 500 });
  });
});

describe('withExtensions', () => {
  it('adds every live extension to its budget and leaves the others and the base alone', () => {
    const base = Object.freeze({ ...LIMITS });
    const out = withExtensions(base, [{ budget: 'lookupsPerHour', extra: 2 }, { budget: 'lookupsPerHour', extra: 3 }, { budget: 'revealsPerShift', extra: 1 }]);
    assert.deepEqual(out, { customersPerHour: 4, customersPerShift: 10, revealsPerShift: 3, lookupsPerHour: 8 });
    assert.deepEqual(base, LIMITS);
    assert.deepEqual(withExtensions(base, []), LIMITS);
  });

  it('an extension moves the exact threshold by its size', () => {
    const limits = withExtensions(LIMITS, [{ budget: 'customersPerHour', extra: 1 }]);
    assert.deepEqual(decideBudget('view', limits, { ...NONE, customersInHour: 4 }), { allow: true });
    assert.deepEqual(decideBudget('view', limits, { ...NONE, customersInHour: 5 }), { allow: false, budget: 'customersPerHour', limit: 5, used: 5 });
  });
});

describe('budgetReason', () => {
  it('names the budget and its figures, nothing else', () => {
    assert.equal(budgetReason({ allow: false, budget: 'lookupsPerHour', limit: 3, used: 3 }), 'budget lookupsPerHour exhausted (3 of 3); a supervisor may extend it');
  });
});
