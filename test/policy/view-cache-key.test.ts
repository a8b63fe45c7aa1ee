// The view-decision cache must never answer one input with another's decision. For every
// component of the cache key there is a pair of inputs differing in exactly that component
// whose uncached decisions differ; a cache that dropped the component from its key would
// answer the second with the first's decision (issue 20: a cached allow outliving a
// residency change, a privacy lock, the end of break-glass or a single-use grant).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PolicyEngine } from '../../src/policy/engine.js';
import type { ViewDecision, ViewInput } from '../../src/policy/types.js';
import { VIEW } from './fixtures.js';

const LOCKED: ViewInput = { ...VIEW, customer: { ...VIEW.customer, locked: true } };
const SECURITY_FRAUD: ViewInput = {
  agent: { ...VIEW.agent, role: 'security', team: 'security' },
  ticket: { ...VIEW.ticket, purpose: 'fraud_investigation' },
  customer: VIEW.customer,
  grantedFields: [],
};

/** [component, base, variant]: the variant differs from the base in that component only. */
const PAIRS: ReadonlyArray<readonly [string, ViewInput, ViewInput]> = [
  ['agent.id', VIEW, { ...VIEW, agent: { ...VIEW.agent, id: 'agt_bob' } }],
  ['agent.role', SECURITY_FRAUD, { ...SECURITY_FRAUD, agent: { ...SECURITY_FRAUD.agent, role: 'agent' } }],
  ['agent.regions', VIEW, { ...VIEW, agent: { ...VIEW.agent, regions: ['FR'] } }],
  ['agent.suspended', VIEW, { ...VIEW, agent: { ...VIEW.agent, suspended: true } }],
  ['ticket.purpose', VIEW, { ...VIEW, ticket: { ...VIEW.ticket, purpose: 'general_inquiry' } }],
  ['ticket.status', VIEW, { ...VIEW, ticket: { ...VIEW.ticket, status: 'closed' } }],
  ['ticket.assigneeId', VIEW, { ...VIEW, ticket: { ...VIEW.ticket, assigneeId: 'agt_bob' } }],
  ['ticket.breakGlass', LOCKED, { ...LOCKED, ticket: { ...LOCKED.ticket, breakGlass: true } }],
  ['customer.jurisdiction', VIEW, { ...VIEW, customer: { ...VIEW.customer, jurisdiction: 'US' } }],
  ['customer.locked', VIEW, LOCKED],
  ['grantedFields', VIEW, { ...VIEW, grantedFields: ['email'] }],
];

const fresh = PolicyEngine.load(undefined, { viewCacheSize: 0 });
const levels = (d: ViewDecision) => JSON.stringify([d.allowed, Object.entries(d.fields).map(([f, x]) => [f, x.level])]);

describe('view decision cache key', () => {
  for (const [component, base, variant] of PAIRS) {
    it(`${component}: inputs differing only there get their own decisions, in either order`, () => {
      const want = { base: levels(fresh.decideView(base)), variant: levels(fresh.decideView(variant)) };
      assert.notEqual(want.base, want.variant, `the pair for ${component} must decide differently`);
      const a = PolicyEngine.load(undefined, { viewCacheSize: 100 });
      assert.equal(levels(a.decideView(base)), want.base);
      assert.equal(levels(a.decideView(variant)), want.variant);
      const b = PolicyEngine.load(undefined, { viewCacheSize: 100 });
      assert.equal(levels(b.decideView(variant)), want.variant);
      assert.equal(levels(b.decideView(base)), want.base);
      // And a repeat is served (from the cache) with the same answer.
      assert.equal(levels(b.decideView(variant)), want.variant);
    });
  }

  it('granted fields are a set: order and repetition do not change the key', () => {
    const e = PolicyEngine.load(undefined, { viewCacheSize: 100 });
    const one = e.decideView({ ...VIEW, grantedFields: ['email', 'phone'] });
    assert.equal(e.decideView({ ...VIEW, grantedFields: ['phone', 'email', 'phone'] }), one, 'the same cached object');
  });
});
