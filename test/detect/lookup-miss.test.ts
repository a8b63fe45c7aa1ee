// Lookup misses count in the risk score (issue 10.7): a run of lookups that find no customer
// raises risk and, kept up, an alert and a step-up; an honest desk whose callers sometimes give
// a wrong address is not flagged. Pure engine tests over crafted record streams.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { agent, context, HOUR, MIN, Stream, T0 } from './streams.js';

/** A denied lookup as the broker records a miss. */
function miss(s: Stream, agentId: string, customerId: string | null = null): void {
  s.rec({ action: 'lookup', agentId, customerId, decision: 'deny', reason: customerId ? 'policy denied lookup' : 'no match', details: { by: 'email', miss: true } });
}

describe('lookup misses in the risk score', () => {
  it('400 misses in a row raise risk above 0, then alert and step-up', () => {
    const s = new Stream(context([agent('agt_x'), agent('agt_y')]));
    for (let i = 0; i < 400; i++) {
      s.at(T0 + 9 * HOUR + i * 5_000);
      miss(s, 'agt_x', i % 7 === 0 ? `c${i}` : null);
    }
    const risk = s.engine.risk('agt_x', s.t)?.risk ?? 0;
    assert.ok(risk > 0, `risk ${risk}`);
    assert.ok(s.of('lookup_miss', 'agt_x').length > 0);
    const kinds = s.actions.filter((a) => a.agentId === 'agt_x').map((a) => a.kind);
    assert.ok(kinds.includes('alert') && kinds.includes('step_up'), kinds.join(','));
    assert.ok(s.actions.find((a) => a.kind === 'alert')?.signals.some((x) => x.detector === 'lookup_miss'), 'the alert names the evidence');
  });

  it('a few misses spread among hits (callers who mistype) cost nothing', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 20, maxLength: 120 }), (pattern) => {
      const s = new Stream(context([agent('agt_x')]));
      let run = 0;
      pattern.forEach((wantMiss, i) => {
        s.at(T0 + 9 * HOUR + i * 3 * MIN);
        // At most two misses in a row, and at most one in five lookups.
        const m = wantMiss && run < 2 && i % 5 === 0;
        run = m ? run + 1 : 0;
        if (m) miss(s, 'agt_x');
        else s.call('agt_x', `c${i}`);
      });
      assert.equal(s.points('lookup_miss', 'agt_x'), 0);
    }), { numRuns: 30 });
  });
});
