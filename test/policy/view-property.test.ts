// Security properties of decideView over random agents, tickets, customers and grants: no level
// above the purpose's ceiling, none above the default without a grant, all hidden on a deny;
// and, for the repository's policies, the gate and levels equal an independent oracle.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { FIELD_NAMES, PURPOSES } from '../../src/fields/catalog-types.js';
import { levelRank } from '../../src/fields/levels.js';
import { purposeRule } from '../../src/fields/purposes.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import type { ViewDecision, ViewInput } from '../../src/policy/types.js';
import { policyDir } from './fixtures.js';

const IDS = ['agt_1', 'agt_2', 'agt_3'] as const;
const REGIONS = ['DE', 'FR', 'US'] as const;

const viewInput: fc.Arbitrary<ViewInput> = fc.record({
  agent: fc.record({
    id: fc.constantFrom(...IDS),
    role: fc.constantFrom('agent', 'supervisor', 'security'),
    team: fc.constantFrom('tier1', 'security'),
    vendor: fc.constantFrom('inhouse', 'outsourced'),
    regions: fc.subarray([...REGIONS]),
    suspended: fc.boolean(),
  }),
  ticket: fc.record({
    id: fc.constantFrom('tkt_1', 'tkt_2'),
    purpose: fc.constantFrom(...PURPOSES),
    status: fc.constantFrom('open', 'closed'),
    assigneeId: fc.constantFrom(null, ...IDS),
  }),
  customer: fc.record({ id: fc.constant('cus_1'), jurisdiction: fc.constantFrom(...REGIONS), locked: fc.boolean() }),
  grantedFields: fc.subarray([...FIELD_NAMES]),
});

/** The invariants every policy set must keep, whatever its forbids. */
function assertBounded(input: ViewInput, d: ViewDecision): void {
  const granted = new Set(input.grantedFields);
  for (const f of FIELD_NAMES) {
    const rule = purposeRule(input.ticket.purpose, f);
    const rank = levelRank(d.fields[f].level);
    assert.ok(rank <= levelRank(rule.ceiling), `${f} above ceiling`);
    if (!granted.has(f)) assert.ok(rank <= levelRank(rule.default), `${f} above default without grant`);
    if (!d.allowed) assert.equal(d.fields[f].level, 'hidden', `${f} shown on deny`);
  }
}

/** The gate as DESIGN.md states it, written independently of the Cedar policies. */
function oracleAllows({ agent, ticket, customer }: ViewInput): boolean {
  return !agent.suspended && !customer.locked && ticket.status === 'open' && ticket.assigneeId === agent.id &&
    agent.regions.includes(customer.jurisdiction) && (ticket.purpose !== 'fraud_investigation' || agent.role === 'security');
}

describe('decideView properties', () => {
  let engine: PolicyEngine;
  let lowering: PolicyEngine;
  before(() => {
    engine = PolicyEngine.load();
    const d = policyDir({
      'lowering.cedar': [
        '@id("test.outsourced-no-reveal")',
        'forbid (principal, action == Keyhole::Action::"view", resource) when { principal.vendor == "outsourced" && context.maxRank >= 4 };',
        '@id("test.no-kyc-docs-above-verify")',
        'forbid (principal, action == Keyhole::Action::"view", resource) when { context.masked.contains("kycDocuments") || context.revealed.contains("kycDocuments") };',
      ].join('\n'),
    });
    try {
      lowering = PolicyEngine.load(d.dir);
    } finally {
      d.remove();
    }
  });

  it('repository policies: gate = oracle, levels = table (default, or ceiling when granted), bounded', () => {
    fc.assert(fc.property(viewInput, (input) => {
      const d = engine.decideView(input);
      assert.deepEqual(d.errors, []);
      assert.equal(d.allowed, oracleAllows(input));
      assertBounded(input, d);
      if (!d.allowed) return;
      const granted = new Set(input.grantedFields);
      for (const f of FIELD_NAMES) {
        const rule = purposeRule(input.ticket.purpose, f);
        assert.equal(d.fields[f].level, granted.has(f) ? rule.ceiling : rule.default, f);
      }
    }), { numRuns: 400 });
  });

  it('with lowering forbids: still bounded, and the forbidden levels never appear', () => {
    fc.assert(fc.property(viewInput, (input) => {
      const d = lowering.decideView(input);
      assert.deepEqual(d.errors, []);
      assert.equal(d.allowed, oracleAllows(input));
      assertBounded(input, d);
      if (input.agent.vendor === 'outsourced') assert.ok(FIELD_NAMES.every((f) => d.fields[f].level !== 'revealed'));
      assert.ok(levelRank(d.fields.kycDocuments.level) <= levelRank('verify_only'));
    }), { numRuns: 300 });
  });
});
