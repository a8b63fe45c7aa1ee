// The view-decision cache must never answer one input with another's decision. For every
// component of the cache key there is a pair of inputs differing in exactly that component
// whose uncached decisions differ; a cache that dropped the component from its key would
// answer the second with the first's decision (issue 20: a cached allow outliving a
// residency change, a privacy lock, the end of break-glass or a single-use grant).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { PolicyEngine } from '../../src/policy/engine.js';
import type { ViewDecision, ViewInput } from '../../src/policy/types.js';
import { policyDir, VIEW } from './fixtures.js';

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
  // The end of break-glass sets the flag to false (not undefined): false and true must differ.
  ['ticket.breakGlass (false → true)', { ...LOCKED, ticket: { ...LOCKED.ticket, breakGlass: false } }, { ...LOCKED, ticket: { ...LOCKED.ticket, breakGlass: true } }],
  ['customer.jurisdiction', VIEW, { ...VIEW, customer: { ...VIEW.customer, jurisdiction: 'US' } }],
  ['customer.locked', VIEW, LOCKED],
  ['grantedFields', VIEW, { ...VIEW, grantedFields: ['email'] }],
];

const fresh = PolicyEngine.load(undefined, { viewCacheSize: 0 });
const levels = (d: ViewDecision) => JSON.stringify([d.allowed, Object.entries(d.fields).map(([f, x]) => [f, x.level])]);

/** Decides `base` and `variant` on fresh cached engines in both orders, and checks each gets
 *  the answer of an uncached engine (so the pair must decide differently to mean anything). */
function assertOwnDecisions(component: string, load: (viewCacheSize: number) => PolicyEngine, base: ViewInput, variant: ViewInput): void {
  const uncached = load(0);
  const want = { base: levels(uncached.decideView(base)), variant: levels(uncached.decideView(variant)) };
  assert.notEqual(want.base, want.variant, `the pair for ${component} must decide differently`);
  const a = load(100);
  assert.equal(levels(a.decideView(base)), want.base);
  assert.equal(levels(a.decideView(variant)), want.variant);
  const b = load(100);
  assert.equal(levels(b.decideView(variant)), want.variant);
  assert.equal(levels(b.decideView(base)), want.base);
  // And a repeat is served (from the cache) with the same answer.
  assert.equal(levels(b.decideView(variant)), want.variant);
}

describe('view decision cache key', () => {
  for (const [component, base, variant] of PAIRS) {
    it(`${component}: inputs differing only there get their own decisions, in either order`, () => {
      assertOwnDecisions(component, (viewCacheSize) => PolicyEngine.load(undefined, { viewCacheSize }), base, variant);
    });
  }

  it('granted fields are a set: order and repetition do not change the key', () => {
    const e = PolicyEngine.load(undefined, { viewCacheSize: 100 });
    const one = e.decideView({ ...VIEW, grantedFields: ['email', 'phone'] });
    assert.equal(e.decideView({ ...VIEW, grantedFields: ['phone', 'email', 'phone'] }), one, 'the same cached object');
  });

  it('regions are a set: their order does not change the key', () => {
    const e = PolicyEngine.load(undefined, { viewCacheSize: 100 });
    const one = e.decideView({ ...VIEW, agent: { ...VIEW.agent, regions: ['DE', 'FR'] } });
    assert.equal(e.decideView({ ...VIEW, agent: { ...VIEW.agent, regions: ['FR', 'DE'] } }), one, 'the same cached object');
  });
});

// The key also holds what today's policies do not read (step-up, team, vendor, the ticket's and
// the customer's ids), so that a policy reading them is never answered from the cache with
// another input's decision. A policy set that reads each of them shows it.
describe('view decision cache key, for policies reading every entity attribute', () => {
  const d = policyDir({
    'reads-all.cedar': [
      '@id("test.step-up-no-reveal")',
      'forbid (principal, action == Keyhole::Action::"view", resource) when { principal.stepUp && context.maxRank >= 4 };',
      '@id("test.flagged-team")',
      'forbid (principal, action == Keyhole::Action::"view", resource) when { principal.team == "flagged" };',
      '@id("test.flagged-vendor")',
      'forbid (principal, action == Keyhole::Action::"view", resource) when { principal.vendor == "flagged" };',
      '@id("test.flagged-ticket")',
      'forbid (principal, action == Keyhole::Action::"view", resource) when { resource == Keyhole::Ticket::"tkt_flagged" };',
      '@id("test.flagged-customer")',
      'forbid (principal, action == Keyhole::Action::"view", resource) when { resource.customer == Keyhole::Customer::"cus_flagged" };',
    ].join('\n'),
  });
  const load = (viewCacheSize: number) => PolicyEngine.load(d.dir, { viewCacheSize });
  load(0); // fail here, not in every test, if the policy text is invalid
  // withdrawal_issue reveals fields only under a grant: grant the email so step-up matters.
  const REVEAL: ViewInput = { ...VIEW, grantedFields: ['email'] };
  const agent = (a: Partial<ViewInput['agent']>): ViewInput => ({ ...REVEAL, agent: { ...REVEAL.agent, ...a } });
  const pairs: ReadonlyArray<readonly [string, ViewInput, ViewInput]> = [
    ['agent.stepUp (unset → true)', REVEAL, agent({ stepUp: true })],
    ['agent.stepUp (false → true)', agent({ stepUp: false }), agent({ stepUp: true })],
    ['agent.team', REVEAL, agent({ team: 'flagged' })],
    ['agent.vendor', REVEAL, agent({ vendor: 'flagged' })],
    ['ticket.id', REVEAL, { ...REVEAL, ticket: { ...REVEAL.ticket, id: 'tkt_flagged' } }],
    ['customer.id', REVEAL, { ...REVEAL, customer: { ...REVEAL.customer, id: 'cus_flagged' } }],
  ];
  for (const [component, base, variant] of pairs) {
    it(`${component}: inputs differing only there get their own decisions, in either order`, () => {
      assertOwnDecisions(component, load, base, variant);
    });
  }
  after(() => d.remove());
});
