// The fail-closed reading of Cedar's answers: a malformed request, an error result, an
// evaluation error or any unexpected shape from the wasm API is a deny carrying the reason.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { authorize, readAnswer, type CedarRequest } from '../../src/policy/cedar-call.js';
import { loadPolicies, type LoadedPolicies } from '../../src/policy/load.js';
import { DEFAULT_POLICY_DIR } from '../../src/policy/engine.js';
import { agentEntity, fieldFacts, ticketEntities, uid } from '../../src/policy/requests.js';
import { AGENT, CUSTOMER, TICKET } from './fixtures.js';

const ok = (decision: unknown, reason: unknown = ['p'], errors: unknown = []) =>
  ({ type: 'success', response: { decision, diagnostics: { reason, errors } }, warnings: [] });

describe('readAnswer', () => {
  it('allows only a well-formed success/allow without errors', () => {
    assert.deepEqual(readAnswer(ok('allow', ['b', 'a'])), { allowed: true, reasons: ['a', 'b'], errors: [] });
    assert.deepEqual(readAnswer(ok('deny', ['f'])), { allowed: false, reasons: ['f'], errors: [] });
  });

  it('denies an allow that carries evaluation errors, naming the erroring policy', () => {
    const v = readAnswer(ok('allow', ['p'], [{ policyId: 'x', error: { message: 'overflow', help: null } }]));
    assert.equal(v.allowed, false);
    assert.deepEqual(v.errors, ['x: overflow']);
  });

  it('denies a failure answer with its messages (and help)', () => {
    const v = readAnswer({ type: 'failure', errors: [{ message: 'bad context', help: 'add it' }], warnings: [] });
    assert.deepEqual(v, { allowed: false, reasons: [], errors: ['bad context (add it)'] });
    assert.equal(readAnswer({ type: 'failure', errors: [] }).allowed, false);
  });

  it('denies every unexpected shape', () => {
    const shapes: unknown[] = [
      null, undefined, 'allow', true, [], {}, { type: 'success' }, { type: 'success', response: null },
      { type: 'residuals', response: { decision: 'allow' } }, ok('Allow'), ok('maybe'), ok(true),
      ok('allow', 'p'), ok('allow', [1]), ok('allow', ['p'], null), { type: 'success', response: { decision: 'allow' } },
    ];
    for (const s of shapes) {
      const v = readAnswer(s);
      assert.equal(v.allowed, false, JSON.stringify(s));
      assert.ok(v.errors.length > 0, JSON.stringify(s));
    }
  });
});

describe('authorize', () => {
  let ids: LoadedPolicies;
  before(() => {
    ids = loadPolicies(DEFAULT_POLICY_DIR);
  });
  const verify = (): CedarRequest => ({
    principal: uid('Agent', AGENT.id), action: 'verify', resource: uid('Ticket', TICKET.id),
    context: fieldFacts(TICKET.purpose, ['dateOfBirth']),
    entities: [agentEntity(AGENT), ...ticketEntities(TICKET, CUSTOMER)],
  });

  it('allows a well-formed request the policies permit', () => {
    assert.deepEqual(authorize(ids, verify()), { allowed: true, reasons: ['gate.assigned-open-ticket'], errors: [] });
  });

  it('denies a request whose context omits an attribute a policy reads', () => {
    const { notVerifiable: _omitted, ...context } = verify().context;
    const v = authorize(ids, { ...verify(), context });
    assert.equal(v.allowed, false);
    assert.match(v.errors.join(), /notVerifiable/);
  });

  it('denies a request whose entities omit an attribute a policy reads', () => {
    const [agent, ...rest] = verify().entities;
    const { suspended: _omitted, ...attrs } = agent?.attrs ?? {};
    const v = authorize(ids, { ...verify(), entities: [{ ...agent!, attrs }, ...rest] });
    assert.equal(v.allowed, false);
    assert.match(v.errors.join(), /suspended/);
  });

  it('denies an unknown action and an unknown preparsed policy set instead of throwing', () => {
    assert.equal(authorize(ids, { ...verify(), action: 'delete_customer' }).allowed, false);
    const v = authorize({ ...ids, policySetId: 'no-such-set' }, verify());
    assert.equal(v.allowed, false);
    assert.ok(v.errors.length > 0);
  });
});
