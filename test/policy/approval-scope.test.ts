// Approvals are scoped (issue 10.12), in Cedar (`staff.supervisor-own-scope`): a supervisor
// approves or denies a reveal only for an agent of their own vendor who shares one of their
// regions, on a customer of their regions; security staff decide for anyone. Property-based over
// vendors, region sets and jurisdictions, against the rule written out in plain TypeScript.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { PolicyEngine } from '../../src/policy/engine.js';
import type { PolicyAgent } from '../../src/policy/types.js';
import { AGENT, CUSTOMER, SECURITY, SUPERVISOR, TICKET } from './fixtures.js';

const REGIONS = ['DE', 'FR', 'GB', 'US', 'CA', 'SG'] as const;
const VENDORS = ['inhouse', 'northwind', 'atlas'] as const;
const regionSet = fc.uniqueArray(fc.constantFrom(...REGIONS), { minLength: 1, maxLength: 4 });

describe('approval scope (Cedar)', () => {
  let engine: PolicyEngine;
  before(() => {
    engine = PolicyEngine.load();
  });

  it('a supervisor decides only for their vendor, a shared region and a customer of their regions; security for all', () => {
    fc.assert(fc.property(
      fc.constantFrom(...VENDORS), regionSet, fc.constantFrom(...VENDORS), regionSet, fc.constantFrom(...REGIONS), fc.constantFrom('approve_reveal', 'deny_reveal'), fc.boolean(),
      (supVendor, supRegions, reqVendor, reqRegions, jurisdiction, action, asSecurity) => {
        const requester: PolicyAgent = { ...AGENT, vendor: reqVendor, regions: reqRegions };
        const decider: PolicyAgent = { ...(asSecurity ? SECURITY : SUPERVISOR), vendor: supVendor, regions: supRegions };
        const d = engine.decide({ action, agent: decider, ticket: { ...TICKET, assigneeId: requester.id }, customer: { ...CUSTOMER, jurisdiction }, fields: ['totalBalance'], requester });
        const inScope = supVendor === reqVendor && reqRegions.some((r) => supRegions.includes(r)) && supRegions.includes(jurisdiction);
        assert.deepEqual(d.errors, []);
        assert.equal(d.allowed, asSecurity || inScope);
        if (!asSecurity && !inScope) assert.deepEqual(d.policyIds, ['staff.supervisor-own-scope']);
      }), { numRuns: 300 });
  });

  it('a requester whose row is gone (no vendor, no regions) is in no supervisor\'s scope', () => {
    const gone: PolicyAgent = { id: 'agt_gone', role: 'agent', team: '', vendor: '', regions: [], suspended: true };
    const d = engine.decide({ action: 'approve_reveal', agent: SUPERVISOR, ticket: TICKET, customer: CUSTOMER, fields: ['totalBalance'], requester: gone });
    assert.equal(d.allowed, false);
    assert.deepEqual(d.policyIds, ['staff.supervisor-own-scope']);
  });
});
