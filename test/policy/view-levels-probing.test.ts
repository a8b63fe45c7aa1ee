// The probing of src/policy/view-levels.ts asks Cedar exactly the documented requests, in order
// (docs/design/policy.md "One decision per view"): the proposal; on a deny, the gate (nothing
// shown); each non-empty level group alone, highest first; in a denied group each field alone;
// the denied fields one level down together, and alone again when that is denied; the final
// confirmation of the lowered levels. No request for an empty group or a hidden field, none
// after an allowed group, and an allowed proposal is one request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIELD_NAMES, type FieldName } from '../../src/fields/catalog-types.js';
import { effectiveLevel } from '../../src/fields/catalog.js';
import type { Level } from '../../src/fields/levels.js';
import { authorize } from '../../src/policy/cedar-call.js';
import { loadPolicies } from '../../src/policy/load.js';
import { agentEntity, ticketEntities, uid } from '../../src/policy/requests.js';
import type { ViewInput } from '../../src/policy/types.js';
import { disclosureContext, proposeLevels, resolveView, type LevelMap } from '../../src/policy/view-levels.js';
import { policyDir, VIEW } from './fixtures.js';

const INPUT: ViewInput = { ...VIEW, grantedFields: ['email', 'fullName'] };
const proposed = proposeLevels(INPUT.ticket.purpose, new Set(INPUT.grantedFields));

/** The fields a request shows, as `field:level`, in catalog order. */
const shown = (levels: Partial<Record<FieldName, Level>>) =>
  FIELD_NAMES.filter((f) => levels[f] !== undefined && levels[f] !== 'hidden').map((f) => `${f}:${levels[f]}`).join(' ');
const groupOf = (level: Level) => Object.fromEntries(FIELD_NAMES.filter((f) => proposed[f] === level).map((f) => [f, level]));

function probe(policies: string, input: ViewInput = INPUT): { asked: string[]; levels: Record<string, Level> | null } {
  const d = policyDir({ 'lowering.cedar': policies });
  try {
    const ids = loadPolicies(d.dir);
    const asked: string[] = [];
    const v = resolveView((levels: LevelMap) => {
      asked.push(shown(levels));
      return authorize(ids, {
        principal: uid('Agent', input.agent.id), action: 'view', resource: uid('Ticket', input.ticket.id),
        context: disclosureContext(input.ticket.purpose, levels, new Set(input.grantedFields)),
        entities: [agentEntity(input.agent), ...ticketEntities(input.ticket, input.customer)],
      });
    }, proposeLevels(input.ticket.purpose, new Set(input.grantedFields)));
    return { asked, levels: v.allowed ? Object.fromEntries(FIELD_NAMES.map((f) => [f, v.fields[f].level])) : null };
  } finally {
    d.remove();
  }
}

describe('view probing asks exactly the documented requests', () => {
  it('an allowed proposal is one request', () => {
    const r = probe('');
    assert.deepEqual(r.asked, [shown(proposed)]);
    assert.deepEqual(r.levels, proposed);
  });

  it('two fields denied revealed, and denied masked together: every step, in order', () => {
    const r = probe([
      '@id("test.no-revealed-contact")',
      'forbid (principal, action == Keyhole::Action::"view", resource) when { context.revealed.containsAny(["email", "fullName"]) };',
      '@id("test.not-both-masked")',
      'forbid (principal, action == Keyhole::Action::"view", resource) when { context.masked == ["email", "fullName"] };',
    ].join('\n'));
    const revealed = FIELD_NAMES.filter((f) => proposed[f] === 'revealed');
    assert.ok(revealed.includes('email') && revealed.includes('fullName') && revealed.length > 2);
    const lowered = { ...proposed, email: 'masked', fullName: 'masked' } as const;
    assert.deepEqual(r.asked, [
      shown(proposed),
      '', // the gate
      shown(groupOf('revealed')),
      ...revealed.map((f) => `${f}:revealed`),
      'fullName:masked email:masked', // the denied ones one level down, together: denied
      'fullName:masked', 'email:masked', // so alone again: allowed
      shown(groupOf('banded')),
      shown(groupOf('masked')),
      shown(groupOf('verify_only')),
      shown(lowered), // the final confirmation
    ]);
    assert.deepEqual(r.levels, lowered);
  });

  it('a forbid on a whole level is settled by one request for the lowered group', () => {
    const r = probe('@id("test.no-banded")\nforbid (principal, action == Keyhole::Action::"view", resource) when { !context.banded.isEmpty() };');
    const banded = FIELD_NAMES.filter((f) => proposed[f] === 'banded');
    assert.ok(banded.length >= 2);
    const asked = r.asked;
    const at = asked.indexOf(shown(groupOf('banded')));
    assert.ok(at > 1, 'the banded group was probed after the gate');
    // each banded field alone (denied), then those a level below banded can render, together
    // (allowed): not alone again; a field with no level between banded and hidden is hidden.
    const down = Object.fromEntries(banded.map((f) => [f, effectiveLevel(f, 'masked')]));
    assert.ok(Object.values(down).some((l) => l !== 'hidden'));
    assert.deepEqual(asked.slice(at + 1, at + 1 + banded.length + 1), [...banded.map((f) => `${f}:banded`), shown(down)]);
    assert.equal(asked[at + 2 + banded.length], shown(groupOf('masked')), 'next: the masked group, not the lowered fields alone again');
    for (const f of banded) assert.equal(r.levels?.[f], down[f], f);
  });

  it('no request for a level no field is proposed at (account_access proposes nothing banded)', () => {
    const input: ViewInput = { ...VIEW, ticket: { ...VIEW.ticket, purpose: 'account_access' } };
    const levels = proposeLevels('account_access', new Set());
    assert.ok(!FIELD_NAMES.some((f) => levels[f] === 'banded') && levels.accountId === 'revealed');
    const r = probe('@id("test.no-account-id")\nforbid (principal, action == Keyhole::Action::"view", resource) when { context.revealed.contains("accountId") };', input);
    assert.equal(r.asked.filter((a) => a === '').length, 1, 'only the gate shows nothing');
    assert.notEqual(r.levels?.accountId, 'revealed');
  });
});
