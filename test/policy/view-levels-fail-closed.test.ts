// The per-field level resolution (src/policy/view-levels.ts) fails closed: a Cedar error at ANY
// step of the probing — the first call, the gate, a level group, one field, the lowered fields
// together, the final confirmation — denies the whole view; it never lowers the view instead.
// And the purpose-table facts handed to Cedar (over default, over ceiling) are computed from
// the levels themselves, so Cedar's `levels.within-purpose-table` forbid sees an over-reach.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIELD_NAMES, type FieldName } from '../../src/fields/catalog-types.js';
import { authorize, type Verdict } from '../../src/policy/cedar-call.js';
import { DEFAULT_POLICY_DIR } from '../../src/policy/engine.js';
import { loadPolicies } from '../../src/policy/load.js';
import { agentEntity, ticketEntities, uid } from '../../src/policy/requests.js';
import { disclosureContext, proposeLevels, resolveView, type LevelMap } from '../../src/policy/view-levels.js';
import { VIEW } from './fixtures.js';

const granted = new Set<FieldName>(['email']);
const proposed = proposeLevels('withdrawal_issue', granted);

/** A scripted Cedar: a forbid on `email` at `revealed`, a permit otherwise; call `errorAt`
 *  (1-based) answers with an evaluation error instead. */
function scripted(errorAt: number) {
  let calls = 0;
  const ask = (levels: LevelMap): Verdict => {
    calls++;
    if (calls === errorAt) return { allowed: false, reasons: [], errors: ['evaluation error'] };
    if (levels.email === 'revealed') return { allowed: false, reasons: ['forbid.email'], errors: [] };
    return { allowed: true, reasons: ['permit.view'], errors: [] };
  };
  return { ask, calls: () => calls };
}

describe('resolveView fails closed', () => {
  const clean = scripted(0);
  const ok = resolveView(clean.ask, proposed);
  const total = clean.calls();

  it('without errors, lowers only the forbidden field', () => {
    assert.equal(ok.allowed, true);
    assert.equal(ok.fields.email.level, 'masked');
    assert.deepEqual(ok.fields.email.policyIds, ['forbid.email', 'permit.view']);
    for (const f of FIELD_NAMES) if (f !== 'email') assert.equal(ok.fields[f].level, proposed[f], f);
    assert.ok(total >= 6, `the probing takes several calls (${total})`);
  });

  for (let n = 1; n <= Math.max(total, 6); n++) {
    it(`a Cedar error at call ${n} denies the whole view`, () => {
      const s = scripted(n);
      const d = resolveView(s.ask, proposed);
      if (n > total) return assert.equal(d.allowed, true);
      assert.equal(d.allowed, false);
      assert.deepEqual(d.errors, ['evaluation error']);
      for (const f of FIELD_NAMES) assert.equal(d.fields[f].level, 'hidden', f);
    });
  }
});

describe('disclosureContext', () => {
  it('lists a field above its default as overDefault, and above its ceiling as overCeiling', () => {
    const levels = { ...proposeLevels('general_inquiry', new Set()) };
    levels.email = 'revealed'; // general_inquiry: email masked, ceiling masked
    levels.phone = 'masked'; // general_inquiry hides the phone (default and ceiling hidden)
    const c = disclosureContext('general_inquiry', levels, new Set()) as Record<string, unknown>;
    assert.deepEqual([...(c.overDefault as string[])].sort(), ['email', 'phone']);
    assert.deepEqual([...(c.overCeiling as string[])].sort(), ['email', 'phone']);
    assert.ok((c.revealed as string[]).includes('email'));
    assert.deepEqual(c.masked, ['fullName', 'phone']);
    assert.equal(c.maxRank, 4);
  });

  it('a granted field at its ceiling is over default but not over ceiling', () => {
    const c = disclosureContext('withdrawal_issue', proposed, granted) as Record<string, unknown>;
    assert.deepEqual(c.overDefault, ['email']);
    assert.deepEqual(c.overCeiling, []);
    assert.deepEqual(c.granted, ['email']);
  });

  const policies = loadPolicies(DEFAULT_POLICY_DIR);
  const ask = (levels: LevelMap, g: ReadonlySet<FieldName>) => authorize(policies, {
    principal: uid('Agent', VIEW.agent.id), action: 'view', resource: uid('Ticket', VIEW.ticket.id),
    context: disclosureContext(VIEW.ticket.purpose, levels, g), entities: [agentEntity(VIEW.agent), ...ticketEntities(VIEW.ticket, VIEW.customer)],
  });

  it('Cedar forbids a level above the default without a grant, and above the ceiling with one', () => {
    const base = proposeLevels(VIEW.ticket.purpose, new Set());
    assert.equal(ask(base, new Set()).allowed, true, 'the defaults are allowed');
    assert.equal(ask({ ...base, email: 'revealed' }, new Set()).allowed, false, 'over default without a grant');
    assert.equal(ask({ ...base, email: 'revealed' }, new Set(['email'])).allowed, true, 'at the ceiling with a grant');
    assert.equal(ask({ ...base, dateOfBirth: 'revealed' }, new Set(['dateOfBirth'])).allowed, false, 'over the ceiling even with a grant');
    const deny = ask({ ...base, email: 'revealed' }, new Set());
    assert.deepEqual(deny.reasons, ['levels.within-purpose-table']);
  });
});
