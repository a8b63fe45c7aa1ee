// The view-decision cache returns exactly what an uncached engine decides.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { FIELD_NAMES, PURPOSES } from '../../src/fields/catalog-types.js';
import { DecisionCache } from '../../src/policy/decision-cache.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import type { ViewInput } from '../../src/policy/types.js';
import { policyDir, VIEW } from './fixtures.js';

const cached = PolicyEngine.load(undefined, { viewCacheSize: 50 });
const uncached = PolicyEngine.load(undefined, { viewCacheSize: 0 });

const input = fc.record({
  agent: fc.record({
    id: fc.constantFrom('agt_1', 'agt_2'), role: fc.constantFrom('agent', 'supervisor', 'security'), team: fc.constantFrom('a', 'b'),
    vendor: fc.constantFrom('v1', 'v2'), regions: fc.subarray(['DE', 'FR', 'US']), suspended: fc.boolean(),
  }),
  ticket: fc.record({ id: fc.constantFrom('t1', 't2'), purpose: fc.constantFrom(...PURPOSES), status: fc.constantFrom('open', 'closed'), assigneeId: fc.constantFrom('agt_1', 'agt_2', null) }),
  customer: fc.record({ id: fc.constantFrom('c1', 'c2'), jurisdiction: fc.constantFrom('DE', 'US'), locked: fc.boolean() }),
  grantedFields: fc.subarray([...FIELD_NAMES], { maxLength: 4 }),
}) as fc.Arbitrary<ViewInput>;

describe('view decision cache', () => {
  it('answers like the uncached engine for every input, in any order of repeats', () => {
    fc.assert(fc.property(fc.array(input, { minLength: 1, maxLength: 30 }), (inputs) => {
      for (const i of [...inputs, ...inputs.reverse()]) assert.deepEqual(cached.decideView(i), uncached.decideView(i));
    }), { numRuns: 60 });
  });

  it('never serves an allowed decision to the same agent once suspended', () => {
    const base: ViewInput = {
      agent: { id: 'agt_1', role: 'agent', team: 'a', vendor: 'v', regions: ['DE'], suspended: false },
      ticket: { id: 't1', purpose: 'account_access', status: 'open', assigneeId: 'agt_1' },
      customer: { id: 'c1', jurisdiction: 'DE', locked: false },
      grantedFields: [],
    };
    assert.equal(cached.decideView(base).allowed, true);
    assert.equal(cached.decideView({ ...base, agent: { ...base.agent, suspended: true } }).allowed, false);
  });
});

describe('DecisionCache (the LRU behind the view cache)', () => {
  it('holds at most `max` entries, evicting the least recently used, where a hit is a use', () => {
    const c = new DecisionCache<string>(2);
    c.set('a', 'A');
    c.set('b', 'B');
    assert.equal(c.get('a'), 'A'); // a is now the most recent
    c.set('c', 'C');
    assert.equal(c.size, 2);
    assert.equal(c.get('b'), undefined, 'b was the least recently used');
    assert.equal(c.get('a'), 'A');
    assert.equal(c.get('c'), 'C');
    c.set('d', 'D'); // a was read before c: a goes
    assert.equal(c.get('a'), undefined);
    assert.deepEqual([c.get('c'), c.get('d'), c.size], ['C', 'D', 2]);
  });

  it('re-setting a key replaces its value and makes it the most recent without growing', () => {
    const c = new DecisionCache<string>(2);
    c.set('a', 'A');
    c.set('b', 'B');
    c.set('a', 'A2');
    assert.equal(c.size, 2);
    c.set('c', 'C'); // b is now the least recently used
    assert.deepEqual([c.get('a'), c.get('b'), c.get('c')], ['A2', undefined, 'C']);
  });

  it('a miss stores nothing; bound 0 caches nothing', () => {
    const c = new DecisionCache<string>(2);
    assert.equal(c.get('nope'), undefined);
    assert.equal(c.size, 0);
    c.set('a', 'A');
    assert.equal(c.get('nope'), undefined);
    c.set('b', 'B');
    assert.deepEqual([c.size, c.get('a'), c.get('b')], [2, 'A', 'B'], 'the miss did not take a slot');
    const z = new DecisionCache<string>(0);
    z.set('a', 'A');
    assert.deepEqual([z.size, z.get('a')], [0, undefined]);
  });

  it('refuses a bound that is not an integer >= 0 (a missing bound would never evict)', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, undefined as unknown as number]) {
      assert.throws(() => new DecisionCache(bad), RangeError, String(bad));
    }
    assert.throws(() => PolicyEngine.load(undefined, { viewCacheSize: -1 }), RangeError);
  });
});

describe('PolicyEngine view cache', () => {
  it('caches by default (a repeat is the same decision object) and not with viewCacheSize 0', () => {
    const byDefault = PolicyEngine.load();
    assert.equal(byDefault.decideView(VIEW), byDefault.decideView(VIEW));
    const off = PolicyEngine.load(undefined, { viewCacheSize: 0 });
    const first = off.decideView(VIEW);
    assert.notEqual(off.decideView(VIEW), first);
    assert.deepEqual(off.decideView(VIEW), first);
  });

  describe('with a policy that errors on one customer', () => {
    const d = policyDir({
      'boom.cedar': '@id("test.boom")\nforbid (principal, action == Keyhole::Action::"view", resource)\n' +
        'when { resource.customer.jurisdiction == "FR" && 9223372036854775807 + (if principal.suspended then 0 else 1) > 0 };\n',
    });
    after(() => d.remove());
    const FR: ViewInput = { ...VIEW, customer: { ...VIEW.customer, jurisdiction: 'FR' } };

    it('a decision with a Cedar error is a deny that is never cached', () => {
      const e = PolicyEngine.load(d.dir, { viewCacheSize: 100 });
      const one = e.decideView(FR);
      assert.equal(one.allowed, false);
      assert.ok(one.errors.length > 0 && one.errors.every((x) => x.startsWith('test.boom: ')), one.errors.join('; '));
      const two = e.decideView(FR);
      assert.notEqual(two, one, 'decided again, not served from the cache');
      assert.deepEqual(two, one);
      assert.equal(e.decideView(VIEW), e.decideView(VIEW), 'error-free decisions are cached');
      assert.equal(e.decideView(VIEW).allowed, true);
    });
  });
});
