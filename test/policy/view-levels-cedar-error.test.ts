// A real Cedar evaluation error at any step of the per-field probing denies the whole view
// (src/policy/view-levels.ts resolveView: fail closed, never a lowered view instead). The error
// comes from Cedar itself: for each distinct request the probing makes, a policy that overflows
// a Long on exactly that request's context is added to the repository's policies.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FIELD_NAMES } from '../../src/fields/catalog-types.js';
import { authorize } from '../../src/policy/cedar-call.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { loadPolicies } from '../../src/policy/load.js';
import { agentEntity, ticketEntities, uid } from '../../src/policy/requests.js';
import type { ViewInput } from '../../src/policy/types.js';
import { disclosureContext, proposeLevels, resolveView, type LevelMap } from '../../src/policy/view-levels.js';
import { policyDir, VIEW } from './fixtures.js';

// Email and full name granted (revealed); a forbid denies each of them revealed, and another
// denies the two of them masked alone together, so the probing takes every path: the first call, the gate, the
// level groups, each field alone, the lowered fields together and then alone again, the final call.
const INPUT: ViewInput = { ...VIEW, grantedFields: ['email', 'fullName'] };
const LOWERING = [
  '@id("test.no-revealed-contact")',
  'forbid (principal, action == Keyhole::Action::"view", resource) when { context.revealed.containsAny(["email", "fullName"]) };',
  '@id("test.not-both-masked")',
  'forbid (principal, action == Keyhole::Action::"view", resource) when { context.masked == ["email", "fullName"] };',
].join('\n');

/** `context.<k>` equals the set `xs` (Cedar forbids empty set literals: isEmpty() then). */
const equals = (k: string, xs: unknown) => {
  const items = xs as string[];
  return items.length === 0 ? `context.${k}.isEmpty()` : `context.${k} == [${items.map((x) => JSON.stringify(x)).join(', ')}]`;
};

/** A policy that makes Cedar fail (Long overflow) on exactly the view request whose levels are
 *  `levels`, made by an agent of team `team` (no repository policy reads the team). */
function boomOn(team: string, levels: LevelMap): string {
  const c = disclosureContext(INPUT.ticket.purpose, levels, new Set(INPUT.grantedFields)) as Record<string, unknown>;
  const same = ['verifyOnly', 'masked', 'banded', 'revealed'].map((k) => equals(k, c[k])).join(' && ');
  return `@id("test.boom.${team}")\nforbid (principal, action == Keyhole::Action::"view", resource)\n` +
    `when { principal.team == "${team}" && ${same} && context.maxRank == ${String(c.maxRank)} && 9223372036854775807 + (if principal.suspended then 0 else 1) > 0 };\n`;
}

describe('a Cedar error while probing denies the whole view', () => {
  const lowering = policyDir({ 'lowering.cedar': LOWERING });
  after(() => lowering.remove());

  // The requests the probing makes, in order, recorded by asking the real Cedar.
  const policies = loadPolicies(lowering.dir);
  const asked: LevelMap[] = [];
  const clean = resolveView((levels) => {
    asked.push(levels);
    return authorize(policies, {
      principal: uid('Agent', INPUT.agent.id), action: 'view', resource: uid('Ticket', INPUT.ticket.id),
      context: disclosureContext(INPUT.ticket.purpose, levels, new Set(INPUT.grantedFields)),
      entities: [agentEntity(INPUT.agent), ...ticketEntities(INPUT.ticket, INPUT.customer)],
    });
  }, proposeLevels(INPUT.ticket.purpose, new Set(INPUT.grantedFields)));
  const distinct = [...new Map(asked.map((l) => [JSON.stringify(l), l])).values()];

  it('without an error, the forbidden fields are lowered to masked and nothing else changes', () => {
    const d = PolicyEngine.load(lowering.dir, { viewCacheSize: 0 }).decideView(INPUT);
    assert.deepEqual(d, clean);
    assert.equal(d.allowed, true);
    const proposed = proposeLevels(INPUT.ticket.purpose, new Set(INPUT.grantedFields));
    for (const f of FIELD_NAMES) {
      const want = f === 'email' || f === 'fullName' ? 'masked' : proposed[f];
      assert.equal(d.fields[f].level, want, f);
    }
    assert.deepEqual(d.fields.email.policyIds.filter((p) => p.startsWith('test.')), ['test.no-revealed-contact']);
    // first, gate, 4 level groups, 8 revealed fields alone, together, 2 alone again, final
    assert.ok(distinct.length >= 15, `the probing asked ${distinct.length} distinct requests`);
    const masks = asked.map((l) => FIELD_NAMES.filter((f) => l[f] !== 'hidden').join(','));
    assert.ok(masks.includes(''), 'the gate (all hidden) was asked');
    assert.ok(masks.includes('email') && masks.includes('fullName'), 'the lowered fields were asked alone again');
  });

  // One policy set with a failing policy per distinct request, each for its own team.
  const booms = policyDir({ 'lowering.cedar': LOWERING, 'boom.cedar': distinct.map((l, n) => boomOn(`boom-${n}`, l)).join('\n') });
  after(() => booms.remove());
  const engine = PolicyEngine.load(booms.dir, { viewCacheSize: 0 });

  it('the failing policies fail nothing else: other teams get the clean decision', () => {
    assert.deepEqual(engine.decideView(INPUT), clean);
  });

  for (const [n, levels] of distinct.entries()) {
    const shown = FIELD_NAMES.filter((f) => levels[f] !== 'hidden');
    const label = shown.length === 0 ? 'nothing shown (the gate)' : shown.length > 3 ? `${shown.length} fields shown` : shown.map((f) => `${f}:${levels[f]}`).join(' ');
    it(`request ${n + 1} (${label}): a Cedar error there denies the view`, () => {
      const v = engine.decideView({ ...INPUT, agent: { ...INPUT.agent, team: `boom-${n}` } });
      assert.equal(v.allowed, false);
      assert.ok(v.errors.length > 0 && v.errors.every((e) => e.startsWith(`test.boom.boom-${n}: `)), v.errors.join('; '));
      for (const f of FIELD_NAMES) assert.equal(v.fields[f].level, 'hidden', f);
      // The record names no policy that did not decide: the gate's permit where the gate itself
      // was asked, nothing otherwise, and no field-level ids.
      assert.deepEqual(v.policyIds, shown.length === 0 ? ['gate.assigned-open-ticket'] : []);
      for (const f of FIELD_NAMES) assert.deepEqual(v.fields[f].policyIds, [], f);
    });
  }
});
