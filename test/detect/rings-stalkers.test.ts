// Rings and stalkers (issue 15 item 5), over crafted record streams: the same customer looked up
// with nobody verified, on day after day, contains at the third repeat and says why; verified
// call-backs do not. Two agents of one vendor sharing a target list far beyond chance are both
// contained with the shared lookups as evidence; customers who call back are not a ring.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agent, context, DAY, HOUR, Stream, T0 } from './streams.js';

describe('stalking', () => {
  it('the third repeated orphan lookup in 30 days contains, with the words and the lookups', () => {
    const s = new Stream(context([agent('agt_a')]));
    for (const [i, c] of ['c_x', 'c_y', 'c_x', 'c_y', 'c_x'].entries()) s.at(T0 + (1 + 2 * i) * DAY + 10 * HOUR).peek('agt_a', c);
    const st = s.of('stalking', 'agt_a');
    assert.equal(st.length, 3);
    assert.deepEqual(st.slice(0, 2).map((x) => x.points), [6, 8]);
    const contain = s.actions.find((a) => a.kind === 'contain');
    assert.ok(contain, s.actions.map((a) => a.kind).join());
    assert.match(st.at(-1)!.summary, /same customer again on another day with nobody verified .* 3 such repeats in 30 days — the pattern of watching someone/);
    assert.equal(st.at(-1)!.seqs.length, 3, 'the three repeated lookups');
  });

  it('a customer who calls back on several days (verified each time) is not stalking', () => {
    const s = new Stream(context([agent('agt_a')]));
    for (let d = 0; d < 6; d++) s.at(T0 + (1 + 2 * d) * DAY + 10 * HOUR).call('agt_a', 'c_x');
    assert.equal(s.of('stalking').length, 0);
  });
});

describe('rings', () => {
  const others = Array.from({ length: 6 }, (_, i) => `agt_o${i}`);
  /** A vendor of `members` and six others: a normal week for everybody (distinct callers,
   *  verified), then r1 and r2 work through one list, every target looked up by both. */
  const ringStream = (members: readonly string[]): Stream => {
    const s = new Stream(context([...members, ...others].map((id) => agent(id))));
    let n = 0;
    for (let d = 0; d < 5; d++) for (const id of [...members, ...others]) {
      s.at(T0 + d * DAY + 9 * HOUR + n * 60_000);
      for (let k = 0; k < 4; k++) s.call(id, `c_norm${n++}`);
    }
    for (let k = 0; k < 24; k++) {
      s.at(T0 + (6 + Math.floor(k / 6)) * DAY + 9 * HOUR + (k % 6) * 20 * 60_000);
      s.call('agt_r1', `c_list${k}`);
      s.call('agt_r2', `c_list${k}`);
    }
    return s;
  };

  it('two agents of one vendor splitting a target list are both contained once their sharing is overwhelming', () => {
    const members = ['agt_r1', 'agt_r2'];
    const s = ringStream(members);
    for (const id of members) {
      assert.ok(s.actions.some((a) => a.agentId === id && a.kind === 'contain'), `${id} contained`);
      assert.ok(s.of('collusion', id).some((x) => /a shared target list — both contained|a member of the same ring — contained/.test(x.summary)), `${id}: ${s.of('collusion', id).map((x) => x.summary).join(' | ')}`);
    }
    assert.ok(!s.actions.some((a) => others.includes(a.agentId) && a.kind === 'contain'));
  });

  it('a member who carries on after the others are contained is contained once the sharing with them is improbable', () => {
    const s = ringStream(['agt_r1', 'agt_r2', 'agt_r3']);
    const contained = () => new Set(s.actions.filter((a) => a.kind === 'contain').map((a) => a.agentId));
    assert.ok(contained().has('agt_r1') && contained().has('agt_r2'));
    // r3 works through the same list a day later; o0 happens to take one of those customers.
    s.at(T0 + 11 * DAY + 9 * HOUR);
    s.call('agt_o0', 'c_list20');
    for (let k = 0; k < 3; k++) s.call('agt_r3', `c_list${k}`);
    assert.ok(!contained().has('agt_r3'), 'three shared customers are not yet a ring');
    for (let k = 3; k < 6; k++) s.call('agt_r3', `c_list${k}`);
    assert.ok(contained().has('agt_r3'), s.of('collusion', 'agt_r3').map((x) => x.summary).join(' | '));
    assert.match(s.of('collusion', 'agt_r3').at(-1)!.summary, /shares looked-up customers with contained agents .*a member of the same ring — contained/);
    assert.ok(!others.some((id) => contained().has(id)));
  });

  it('a vendor team of two who take each other’s call-backs is not a ring: there is no one else to compare with', () => {
    const s = new Stream(context(['agt_p1', 'agt_p2'].map((id) => agent(id))));
    for (let k = 0; k < 24; k++) {
      s.at(T0 + (1 + Math.floor(k / 3)) * DAY + 9 * HOUR + (k % 3) * 40 * 60_000);
      s.call('agt_p1', `c_${k}`);
      s.call('agt_p2', `c_${k}`);
      s.call('agt_p1', `c_own1_${k}`);
      s.call('agt_p2', `c_own2_${k}`);
    }
    assert.equal(s.points('collusion'), 0, s.of('collusion').map((x) => x.summary).join(' | '));
  });
});
