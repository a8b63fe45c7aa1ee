// decide() for every action but a view: lookup, verify, request/approve/deny reveal, assign,
// close, suspend — who may, the four-eyes rule, the guardrails, and Cedar errors that deny.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { PolicyEngine } from '../../src/policy/engine.js';
import type { ActionInput, Decision } from '../../src/policy/types.js';
import { AGENT, CUSTOMER, SECURITY, SUPERVISOR, TICKET, policyDir } from './fixtures.js';

const ON_TICKET = { agent: AGENT, ticket: TICKET, customer: CUSTOMER };

function assertDecision(d: Decision, allowed: boolean, policyIds: readonly string[]): void {
  assert.deepEqual({ allowed: d.allowed, policyIds: d.policyIds, errors: d.errors }, { allowed, policyIds, errors: [] });
}

describe('PolicyEngine.decide', () => {
  let engine: PolicyEngine;
  before(() => {
    engine = PolicyEngine.load();
  });

  it('lookup: opens a ticket for the agent in their region; fraud_investigation only for security', () => {
    const lookup: ActionInput = { action: 'lookup', ...ON_TICKET, ticket: { ...TICKET, id: 'new' }, fields: [] };
    assertDecision(engine.decide(lookup), true, ['gate.assigned-open-ticket']);
    assertDecision(engine.decide({ ...lookup, customer: { ...CUSTOMER, jurisdiction: 'US' } }), false, ['guard.region-mismatch']);
    assertDecision(engine.decide({ ...lookup, ticket: { ...lookup.ticket, purpose: 'fraud_investigation' } }), false, ['guard.fraud-security-only']);
    const sec = { ...lookup, agent: SECURITY, ticket: { ...lookup.ticket, purpose: 'fraud_investigation' as const, assigneeId: SECURITY.id } };
    assertDecision(engine.decide(sec), true, ['gate.assigned-open-ticket']);
  });

  it('verify: only a field the purpose shows at least verify_only', () => {
    assertDecision(engine.decide({ action: 'verify', ...ON_TICKET, fields: ['dateOfBirth'] }), true, ['gate.assigned-open-ticket']);
    assertDecision(engine.decide({ action: 'verify', ...ON_TICKET, fields: ['kycDocuments'] }), false, ['gate.verify-needs-verifiable-fields']);
    assertDecision(engine.decide({ action: 'verify', ...ON_TICKET, fields: [] }), false, ['gate.verify-needs-verifiable-fields']);
  });

  it('request_reveal: only fields whose ceiling is above their default, on the agent\'s open ticket', () => {
    assertDecision(engine.decide({ action: 'request_reveal', ...ON_TICKET, fields: ['totalBalance', 'fullName'] }), true, ['gate.assigned-open-ticket']);
    assertDecision(engine.decide({ action: 'request_reveal', ...ON_TICKET, fields: ['totalBalance', 'address'] }), false, ['gate.reveal-needs-revealable-fields']);
    assertDecision(engine.decide({ action: 'request_reveal', ...ON_TICKET, ticket: { ...TICKET, status: 'closed' }, fields: ['totalBalance'] }), false, []);
    assertDecision(engine.decide({ action: 'request_reveal', ...ON_TICKET, ticket: { ...TICKET, assigneeId: 'agt_bob' }, fields: ['totalBalance'] }), false, []);
  });

  it('approve/deny reveal: a supervisor or security, never an agent, never the requester (four-eyes)', () => {
    const review = { ...ON_TICKET, fields: ['totalBalance'] as const, requester: AGENT };
    for (const action of ['approve_reveal', 'deny_reveal'] as const) {
      assertDecision(engine.decide({ action, ...review, agent: SUPERVISOR }), true, ['staff.reviewer-decides-reveal']);
      assertDecision(engine.decide({ action, ...review, agent: SECURITY }), true, ['staff.reviewer-decides-reveal']);
      assertDecision(engine.decide({ action, ...review, agent: { ...AGENT, id: 'agt_bob' } }), false, []);
      // Self-approval is denied by a forbid even for a supervisor who requested it themselves.
      assertDecision(engine.decide({ action, ...review, agent: SUPERVISOR, requester: SUPERVISOR }), false, ['staff.no-self-approval']);
    }
    assertDecision(engine.decide({ action: 'approve_reveal', ...review, agent: SUPERVISOR, fields: ['address'] }), false, []);
  });

  it('the privacy lock denies customer access and approvals, not a denial of a request', () => {
    const locked = { ...CUSTOMER, locked: true };
    assertDecision(engine.decide({ action: 'verify', ...ON_TICKET, customer: locked, fields: ['dateOfBirth'] }), false, ['guard.customer-locked']);
    assertDecision(engine.decide({ action: 'lookup', ...ON_TICKET, customer: locked }), false, ['guard.customer-locked']);
    const review = { ...ON_TICKET, customer: locked, agent: SUPERVISOR, fields: ['totalBalance'] as const, requester: AGENT };
    assertDecision(engine.decide({ action: 'approve_reveal', ...review }), false, ['guard.customer-locked']);
    assertDecision(engine.decide({ action: 'deny_reveal', ...review }), true, ['staff.reviewer-decides-reveal']);
  });

  it('assign_ticket: supervisors and security only; close_ticket: the assignee or staff', () => {
    assertDecision(engine.decide({ action: 'assign_ticket', ...ON_TICKET, agent: SUPERVISOR, assigneeId: 'agt_bob' }), true, ['staff.supervisor-assigns']);
    assertDecision(engine.decide({ action: 'assign_ticket', ...ON_TICKET, assigneeId: 'agt_bob' }), false, []);
    assertDecision(engine.decide({ action: 'close_ticket', ...ON_TICKET }), true, ['staff.assignee-closes']);
    assertDecision(engine.decide({ action: 'close_ticket', ...ON_TICKET, agent: { ...AGENT, id: 'agt_bob' } }), false, []);
    assertDecision(engine.decide({ action: 'close_ticket', ...ON_TICKET, agent: SUPERVISOR }), true, ['staff.supervisor-closes']);
  });

  it('suspend_agent: security only', () => {
    assertDecision(engine.decide({ action: 'suspend_agent', agent: SECURITY, targetId: AGENT.id }), true, ['staff.security-suspends']);
    assertDecision(engine.decide({ action: 'suspend_agent', agent: SUPERVISOR, targetId: AGENT.id }), false, []);
  });

  it('a suspended principal is denied every action', () => {
    const inputs: ActionInput[] = [
      { action: 'lookup', ...ON_TICKET },
      { action: 'verify', ...ON_TICKET, fields: ['dateOfBirth'] },
      { action: 'request_reveal', ...ON_TICKET, fields: ['totalBalance'] },
      { action: 'approve_reveal', ...ON_TICKET, agent: SUPERVISOR, fields: ['totalBalance'], requester: AGENT },
      { action: 'deny_reveal', ...ON_TICKET, agent: SUPERVISOR, fields: ['totalBalance'], requester: AGENT },
      { action: 'assign_ticket', ...ON_TICKET, agent: SUPERVISOR, assigneeId: 'agt_bob' },
      { action: 'close_ticket', ...ON_TICKET },
      { action: 'suspend_agent', agent: SECURITY, targetId: AGENT.id },
    ];
    for (const input of inputs) {
      assert.equal(engine.decide(input).allowed, true, `${input.action} allowed when active`);
      const suspended = { ...input, agent: { ...input.agent, suspended: true } } as ActionInput;
      assertDecision(engine.decide(suspended), false, ['guard.suspended-agent']);
    }
  });

  it('a Cedar evaluation error in any policy denies, with the error', () => {
    const d = policyDir({ 'boom.cedar': '@id("test.boom")\nforbid (principal, action == Keyhole::Action::"close_ticket", resource)\nwhen { resource.customer.jurisdiction == "DE" && 9223372036854775807 + (if principal.suspended then 0 else 1) > 0 };\n' });
    let e: PolicyEngine;
    try {
      e = PolicyEngine.load(d.dir);
    } finally {
      d.remove();
    }
    const out = e.decide({ action: 'close_ticket', ...ON_TICKET });
    assert.equal(out.allowed, false);
    assert.match(out.errors.join(), /^test\.boom: .*overflow/);
    assert.equal(e.decide({ action: 'close_ticket', ...ON_TICKET, customer: { ...CUSTOMER, jurisdiction: 'FR' } }).allowed, true);
  });
});
