// The policy engine's fail-closed edges (issue 20): a Cedar call that throws inside the wasm,
// answers without a message, malformed inputs to the engine (a deny with the reason, never a
// throw), and decisions that cannot be changed by a caller once cached and shared.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIELD_NAMES } from '../../src/fields/catalog-types.js';
import { authorize, readAnswer } from '../../src/policy/cedar-call.js';
import { DEFAULT_POLICY_DIR, PolicyEngine } from '../../src/policy/engine.js';
import { loadPolicies } from '../../src/policy/load.js';
import { actionRequest, ticketEntities } from '../../src/policy/requests.js';
import type { ActionInput, ViewInput } from '../../src/policy/types.js';
import { AGENT, CUSTOMER, SECURITY, TICKET, VIEW } from './fixtures.js';

const engine = PolicyEngine.load(undefined, { viewCacheSize: 100 });

describe('authorize when the wasm call throws', () => {
  it('is a deny carrying "cedar threw" and the reason', () => {
    const ids = loadPolicies(DEFAULT_POLICY_DIR);
    // A BigInt cannot cross the wasm boundary: statefulIsAuthorized throws.
    const v = authorize(ids, {
      principal: { type: 'Keyhole::Agent', id: AGENT.id }, action: 'close_ticket', resource: { type: 'Keyhole::Ticket', id: TICKET.id },
      context: { n: 10n } as never, entities: [],
    });
    assert.equal(v.allowed, false);
    assert.deepEqual(v.reasons, []);
    assert.equal(v.errors.length, 1);
    assert.match(v.errors[0]!, /^cedar threw: /);
  });
});

describe('authorize validates the request against the schema', () => {
  it('a resource of the wrong type, or an undeclared context attribute, is a deny with the error', () => {
    const ids = loadPolicies(DEFAULT_POLICY_DIR);
    const close = actionRequest({ action: 'close_ticket', agent: AGENT, ticket: TICKET, customer: CUSTOMER } as ActionInput);
    assert.deepEqual(authorize(ids, close), { allowed: true, reasons: ['staff.assignee-closes'], errors: [] });
    for (const bad of [{ ...close, resource: { type: 'Keyhole::Agent', id: AGENT.id } }, { ...close, context: { sneaky: true } }]) {
      const v = authorize(ids, bad);
      assert.equal(v.allowed, false, JSON.stringify(bad.resource));
      assert.ok(v.errors.length > 0);
    }
  });

  it('a suspension aimed at a ticket is refused although the permit would evaluate to allow', () => {
    // staff.security-suspends reads only the principal: without request validation, Cedar would
    // allow suspending a Ticket. Validation refuses a resource type the action does not apply to.
    const ids = loadPolicies(DEFAULT_POLICY_DIR);
    const suspend = actionRequest({ action: 'suspend_agent', agent: SECURITY, targetId: AGENT.id } as ActionInput);
    assert.equal(authorize(ids, suspend).allowed, true);
    const v = authorize(ids, { ...suspend, resource: { type: 'Keyhole::Ticket', id: TICKET.id }, entities: [...suspend.entities, ...ticketEntities(TICKET, CUSTOMER)] });
    assert.equal(v.allowed, false);
    assert.match(v.errors.join(), /resource type/);
  });
});

describe('readAnswer messages', () => {
  it('a failure without (an array of) errors still carries an error', () => {
    for (const errors of [[], undefined, 'boom', { message: 'x' }]) {
      assert.deepEqual(readAnswer({ type: 'failure', errors }), { allowed: false, reasons: [], errors: ['cedar failure without errors'] }, JSON.stringify(errors));
    }
  });

  it('adds help only when there is some, and names malformed errors', () => {
    assert.deepEqual(readAnswer({ type: 'failure', errors: [{ message: 'm', help: '' }, { message: 'n', help: 'h' }, { message: 3 }, 'x'] }).errors,
      ['m', 'n (h)', 'unexpected cedar error', 'unexpected cedar error']);
    const ok = (errors: unknown[]) => ({ type: 'success', response: { decision: 'allow', diagnostics: { reason: ['p'], errors } } });
    const v = readAnswer(ok([{ policyId: 'p1', error: { message: 'overflow', help: '' } }, 'junk']));
    assert.deepEqual(v, { allowed: false, reasons: ['p'], errors: ['p1: overflow', 'unexpected cedar error'] });
  });

  it('an answer whose type is neither success nor failure is a deny, even with an allowing response', () => {
    const response = { decision: 'allow', diagnostics: { reason: ['p'], errors: [] } };
    assert.deepEqual(readAnswer({ type: 'success', response }), { allowed: true, reasons: ['p'], errors: [] });
    for (const type of ['Success', 'partial', undefined]) {
      assert.deepEqual(readAnswer({ type, response }), { allowed: false, reasons: [], errors: ['unexpected cedar answer'] }, String(type));
    }
  });
});

describe('PolicyEngine on malformed input', () => {
  it('decide: a deny naming the engine error, never a throw', () => {
    const d = engine.decide({ action: 'verify' } as unknown as ActionInput);
    assert.equal(d.allowed, false);
    assert.deepEqual(d.policyIds, []);
    assert.equal(d.errors.length, 1);
    assert.match(d.errors[0]!, /^policy engine error: /);
    assert.ok(Object.isFrozen(d));
  });

  it('decideView: an unknown purpose is a deny with Cedar\'s error, and is not cached', () => {
    const bad = { ...VIEW, ticket: { ...VIEW.ticket, purpose: 'toString' } } as unknown as ViewInput;
    const d = engine.decideView(bad);
    assert.equal(d.allowed, false);
    assert.ok(d.errors.length > 0);
    for (const f of FIELD_NAMES) assert.equal(d.fields[f].level, 'hidden', f);
    assert.notEqual(engine.decideView(bad), d);
  });
});

describe('decisions are immutable', () => {
  it('an allowed view, a denied view and an action decision are frozen to the field', () => {
    const allowed = engine.decideView(VIEW);
    const denied = engine.decideView({ ...VIEW, customer: { ...CUSTOMER, locked: true } });
    assert.equal(allowed.allowed, true);
    assert.equal(denied.allowed, false);
    for (const d of [allowed, denied]) {
      assert.ok(Object.isFrozen(d) && Object.isFrozen(d.fields), 'decision and its fields');
      for (const f of FIELD_NAMES) assert.ok(Object.isFrozen(d.fields[f]), f);
    }
    const a = engine.decide({ action: 'close_ticket', agent: AGENT, ticket: TICKET, customer: CUSTOMER } as ActionInput);
    assert.ok(Object.isFrozen(a));
  });
});
