// The view-decision cache returns exactly what an uncached engine decides.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FIELD_NAMES, PURPOSES } from '../../src/fields/catalog-types.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import type { ViewInput } from '../../src/policy/types.js';

const cached = PolicyEngine.load(undefined, { viewCacheSize: 50 });
const uncached = PolicyEngine.load(undefined, { viewCacheSize: 0 });

const input = fc.record({
  agent: fc.record({
    id: fc.constantFrom('agt_1', 'agt_2'), role: fc.constantFrom('agent', 'supervisor', 'security'), team: fc.constantFrom('a', 'b'),
    vendor: fc.constantFrom('v1', 'v2'), regions: fc.subarray(['DE', 'FR', 'US']), suspended: fc.boolean(),
  }),
  ticket: fc.record({ id: fc.constantFrom('t1', 't2'), purpose: fc.constantFrom(...PURPOSES), status: fc.constantFrom('open', 'closed'), assigneeId: fc.constantFrom('agt_1', 'agt_2', null) }),
  customer: fc.record({ id: fc.constantFrom('c1', 'c2'), jurisdiction: fc.constantFrom('DE', 'US'), locked: fc.boolean() }),
  grantedFields: fc.subarray([...FIELD_NAMES], { maxLength: 4 }),
}) as fc.Arbitrary<ViewInput>;

describe('view decision cache', () => {
  it('answers like the uncached engine for every input, in any order of repeats', () => {
    fc.assert(fc.property(fc.array(input, { minLength: 1, maxLength: 30 }), (inputs) => {
      for (const i of [...inputs, ...inputs.reverse()]) assert.deepEqual(cached.decideView(i), uncached.decideView(i));
    }), { numRuns: 60 });
  });

  it('never serves an allowed decision to the same agent once suspended', () => {
    const base: ViewInput = {
      agent: { id: 'agt_1', role: 'agent', team: 'a', vendor: 'v', regions: ['DE'], suspended: false },
      ticket: { id: 't1', purpose: 'account_access', status: 'open', assigneeId: 'agt_1' },
      customer: { id: 'c1', jurisdiction: 'DE', locked: false },
      grantedFields: [],
    };
    assert.equal(cached.decideView(base).allowed, true);
    assert.equal(cached.decideView({ ...base, agent: { ...base.agent, suspended: true } }).allowed, false);
  });
});
