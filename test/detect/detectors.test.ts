// Each detector on crafted streams: it fires on its pattern and stays quiet on the near miss.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unverifiedRevealPoints } from '../../src/detect/detectors/reveal-rate.js';
import { agent, context, DAY, HOUR, MIN, Stream, T0 } from './streams.js';

const A = agent('agt_a');
const peers = Array.from({ length: 6 }, (_, i) => agent(`agt_p${i}`));
const cust = (i: number) => `c${i}`;

/** `days` days of ordinary calls for every agent in `ids` (n calls each, 09:00 on). */
function baseline(s: Stream, ids: readonly string[], days: number, n: number, offset = 0): void {
  for (let d = 0; d < days; d++) {
    for (let k = 0; k < n; k++) {
      for (const id of ids) {
        s.at(T0 + (offset + d) * DAY + 9 * HOUR + k * 9 * MIN + ids.indexOf(id) * 1000);
        s.call(id, cust(100_000 + d * 1000 + k * 17 + ids.indexOf(id) * 101));
      }
    }
  }
}

describe('decoy', () => {
  it('contains at once on a decoy, not on a real VIP', () => {
    const s = new Stream(context([A], { c1: { tier: 'vip', decoy: true }, c2: { tier: 'vip', decoy: false } }));
    s.at(T0 + 9 * HOUR).view('agt_a', 'c2', 't0');
    assert.equal(s.of('decoy').length, 0);
    s.rec({ action: 'lookup', agentId: 'agt_a', customerId: 'c1', decision: 'deny', reason: 'decoy', details: { guard: 'decoy' } });
    assert.equal(s.of('decoy').length, 1);
    assert.deepEqual(s.actions.map((a) => a.kind), ['decoy']);
  });

  it('contains a supervisor who assigns a decoy ticket', () => {
    const sup = agent('sup_1', 'emea-atlas', 'atlas-cx', { role: 'supervisor' });
    const s = new Stream(context([A, sup], { c1: { tier: 'vip', decoy: true } }));
    s.at(T0 + 9 * HOUR).rec({ action: 'ticket_assign', agentId: 'sup_1', customerId: 'c1', ticketId: 'tkt_d', details: { from: null, to: 'agt_a' } });
    assert.deepEqual(s.actions.map((a) => [a.kind, a.agentId]), [['decoy', 'sup_1']]);
  });
});

describe('budget', () => {
  it('alerts on a budget denial, not on other denials', () => {
    const s = new Stream(context([A]));
    s.at(T0 + 9 * HOUR).rec({ action: 'view', agentId: 'agt_a', customerId: 'c1', ticketId: 't', decision: 'deny', reason: 'ticket not assigned to agent' });
    assert.equal(s.actions.length, 0);
    s.rec({ action: 'lookup', agentId: 'agt_a', customerId: 'c1', decision: 'deny', reason: 'budget', details: { guard: 'budget:lookupsPerHour', limit: 15, used: 15 } });
    assert.deepEqual(s.actions.map((a) => a.kind), ['budget']);
    assert.equal(s.of('budget')[0]?.figures.limit, 15);
  });
});

describe('lookup follow-up', () => {
  it('fires on lookups with no customer-facing work, stays quiet on one missed verification', () => {
    const s = new Stream(context([A, ...peers]));
    baseline(s, ['agt_a', ...peers.map((p) => p.id)], 3, 8);
    s.at(T0 + 4 * DAY + 9 * HOUR);
    for (let k = 0; k < 7; k++) s.call('agt_a', cust(k));
    s.peek('agt_a', cust(50));
    assert.equal(s.points('lookup_followup', 'agt_a'), 0, 'one orphan among calls is normal');
    for (let k = 0; k < 8; k++) s.peek('agt_a', cust(60 + k));
    assert.ok(s.points('lookup_followup', 'agt_a') >= 8, `orphans: ${s.points('lookup_followup', 'agt_a')}`);
  });

  it('does not count a verify of the lookup key or a failed one as customer-facing work', () => {
    const s = new Stream(context([A, ...peers]));
    baseline(s, ['agt_a', ...peers.map((p) => p.id)], 2, 8);
    s.at(T0 + 3 * DAY + 9 * HOUR);
    for (let k = 0; k < 8; k++) {
      const t = s.lookup('agt_a', cust(k), 'general_inquiry', 'email');
      s.verify('agt_a', cust(k), t, true, 'email');
      s.verify('agt_a', cust(k), t, false, 'dateOfBirth');
      s.close('agt_a', cust(k), t);
      s.t += 2 * MIN;
    }
    assert.ok(s.points('lookup_followup', 'agt_a') > 0);
  });
});

describe('balance skew', () => {
  const vips = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [cust(i), { tier: 'vip' as const, decoy: false }]));

  it('fires on VIP lookups that routed work does not explain; quiet on standard ones', () => {
    const s = new Stream(context([A, ...peers], vips));
    for (let k = 0; k < 60; k++) s.routed('agt_a', cust(1000 + k));
    s.at(T0 + 9 * HOUR);
    for (let k = 0; k < 6; k++) s.peek('agt_a', cust(500 + k));
    assert.equal(s.points('balance_skew', 'agt_a'), 0);
    for (let k = 0; k < 6; k++) s.peek('agt_a', cust(k));
    assert.ok(s.points('balance_skew', 'agt_a') >= 8);
  });

  it('stays quiet for a VIP desk whose routed tickets are VIPs', () => {
    const desk = agent('agt_v', 'vip-desk', 'in-house');
    const s = new Stream(context([desk], vips));
    for (let k = 0; k < 60; k++) s.routed('agt_v', cust(k % 20));
    s.at(T0 + 9 * HOUR);
    for (let k = 0; k < 6; k++) s.call('agt_v', cust(k));
    assert.equal(s.points('balance_skew', 'agt_v'), 0);
  });
});

describe('verify probing', () => {
  it('fires on failures spread over many customers; quiet on one caller failing twice', () => {
    const s = new Stream(context([A, ...peers]));
    baseline(s, ['agt_a', ...peers.map((p) => p.id)], 2, 8);
    s.at(T0 + 3 * DAY + 9 * HOUR);
    const t = s.lookup('agt_a', cust(1));
    s.verify('agt_a', cust(1), t, false);
    s.verify('agt_a', cust(1), t, false);
    s.verify('agt_a', cust(1), t, true);
    s.close('agt_a', cust(1), t);
    assert.equal(s.points('verify_probing', 'agt_a'), 0);
    for (let k = 0; k < 8; k++) {
      const x = s.lookup('agt_a', cust(10 + k));
      s.verify('agt_a', cust(10 + k), x, false);
      s.close('agt_a', cust(10 + k), x);
      s.t += MIN;
    }
    assert.ok(s.points('verify_probing', 'agt_a') >= 5);
  });

  /** Customer `c` looked up by `agt_a` and verified with `answers` (true = matched). */
  const probe = (s: Stream, c: string, answers: readonly boolean[]) => {
    const t = s.lookup('agt_a', c);
    for (const ok of answers) {
      s.t += 25_000;
      s.verify('agt_a', c, t, ok);
    }
    s.close('agt_a', c, t);
    s.t += MIN;
  };
  const repeatPoints = (s: Stream) => s.of('verify_probing', 'agt_a').filter((x) => x.figures['customersFailedAgain'] !== undefined).reduce((a, x) => a + x.points, 0);

  it('a failed retry on customer after customer, between honest calls, scores from the third customer on', () => {
    const run = (retry: boolean) => {
      const s = new Stream(context([A, ...peers]));
      baseline(s, ['agt_a', ...peers.map((p) => p.id)], 2, 8);
      s.at(T0 + 3 * DAY + 9 * HOUR);
      const after: number[] = [];
      for (let k = 0; k < 4; k++) {
        probe(s, cust(10 + k), [false, retry]);
        after.push(repeatPoints(s));
        s.call('agt_a', cust(500 + k));
      }
      return { after, total: s.points('verify_probing', 'agt_a') };
    };
    const failing = run(false);
    const passing = run(true);
    assert.deepEqual(failing.after.slice(0, 2), [0, 0], 'two customers in a row are within an honest desk');
    assert.ok((failing.after[2] as number) > 0, `the third scores: ${failing.after.join(', ')}`);
    assert.ok((failing.after[3] as number) >= 2 * (failing.after[2] as number), `and the fourth more: ${failing.after.join(', ')}`);
    assert.equal(passing.after[3], 0);
    // The first attempts failed in both runs: the failed retries add exactly their own evidence.
    assert.ok(Math.abs(failing.total - passing.total - (failing.after[3] as number)) < 1e-9, `${failing.total} against ${passing.total}`);
  });

  it('an honest desk: one failed retry, or two customers in a row hours apart from the next two, costs nothing; a retry that passes is no repeat', () => {
    const s = new Stream(context([A, ...peers]));
    baseline(s, ['agt_a', ...peers.map((p) => p.id)], 2, 8);
    s.at(T0 + 3 * DAY + 9 * HOUR);
    probe(s, cust(10), [false, false]);
    s.call('agt_a', cust(500));
    probe(s, cust(11), [false, false]);
    for (let k = 0; k < 26; k++) s.call('agt_a', cust(510 + k));
    probe(s, cust(12), [false, false]);
    probe(s, cust(13), [false, false]);
    for (let k = 0; k < 6; k++) s.call('agt_a', cust(560 + k));
    for (let k = 0; k < 6; k++) probe(s, cust(20 + k), [false, true]);
    assert.equal(repeatPoints(s), 0);
  });
});

describe('reveal rate', () => {
  it('fires on reveals far above the peers’ rate; quiet on an ordinary one', () => {
    const s = new Stream(context([A, ...peers]));
    baseline(s, ['agt_a', ...peers.map((p) => p.id)], 2, 10);
    s.at(T0 + 3 * DAY + 9 * HOUR);
    const one = s.lookup('agt_a', cust(1));
    s.verify('agt_a', cust(1), one, true);
    s.reveal('agt_a', cust(1), one);
    s.close('agt_a', cust(1), one);
    assert.equal(s.points('reveal_rate', 'agt_a'), 0);
    for (let k = 0; k < 8; k++) {
      const t = s.lookup('agt_a', cust(20 + k));
      s.verify('agt_a', cust(20 + k), t, true);
      s.reveal('agt_a', cust(20 + k), t);
      s.close('agt_a', cust(20 + k), t);
    }
    assert.ok(s.points('reveal_rate', 'agt_a') >= 4);
  });

  it('raises a reveal asked before anyone was verified', () => {
    const s = new Stream(context([A]));
    const t = s.at(T0 + 9 * HOUR).lookup('agt_a', cust(1));
    s.reveal('agt_a', cust(1), t, ['kycDocuments']);
    assert.equal(s.of('reveal_rate', 'agt_a')[0]?.points, 2);
  });

  it('weighs the third and later reveals before verification within a day more: a harvester asks on every ticket', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 20].map(unverifiedRevealPoints), [2, 2, 5, 8, 11, 12, 12, 12]);
    const s = new Stream(context([A]));
    s.at(T0 + 9 * HOUR);
    const unverified = () => s.of('reveal_rate', 'agt_a').filter((x) => x.figures.unverifiedRevealsIn24h !== undefined);
    for (let k = 0; k < 4; k++) {
      const t = s.lookup('agt_a', cust(k));
      s.reveal('agt_a', cust(k), t, ['kycDocuments']);
      s.close('agt_a', cust(k), t);
      s.at(s.t + 10 * MIN);
      if (k === 2) assert.ok(!s.actions.some((a) => a.kind === 'contain'), 'three are not yet containment');
    }
    assert.deepEqual(unverified().map((x) => x.points), [2, 2, 5, 8]);
    assert.match(unverified()[3]?.summary ?? '', /4 such requests in 24 hours/);
    assert.ok(s.actions.some((a) => a.kind === 'contain' && a.agentId === 'agt_a'), 'four in an hour, with the lookups\' own evidence, contain');
  });

  it('counts reveals before verification over 24 hours: the next day they are slips again', () => {
    const s = new Stream(context([A]));
    const unverified = () => s.of('reveal_rate', 'agt_a').filter((x) => x.figures.unverifiedRevealsIn24h !== undefined).map((x) => x.points);
    for (const at of [T0 + 9 * HOUR, T0 + 9 * HOUR + 10 * MIN, T0 + 33 * HOUR + 11 * MIN, T0 + 33 * HOUR + 20 * MIN]) {
      const t = s.at(at).lookup('agt_a', cust(at));
      s.reveal('agt_a', cust(at), t);
      s.close('agt_a', cust(at), t);
    }
    assert.deepEqual(unverified(), [2, 2, 2, 2]);
  });

  it('two reveals before verification in a day stay two slips, a reveal after verification is none', () => {
    const s = new Stream(context([A]));
    s.at(T0 + 9 * HOUR);
    for (let k = 0; k < 2; k++) {
      const t = s.lookup('agt_a', cust(k));
      s.reveal('agt_a', cust(k), t);
      s.close('agt_a', cust(k), t);
    }
    const t = s.lookup('agt_a', cust(5));
    s.verify('agt_a', cust(5), t, true);
    s.reveal('agt_a', cust(5), t);
    const unverified = s.of('reveal_rate', 'agt_a').filter((x) => x.figures.unverifiedRevealsIn24h !== undefined);
    assert.deepEqual(unverified.map((x) => x.points), [2, 2]);
  });
});

describe('access context', () => {
  it('fires on a lookup at night off the roster; quiet inside the slack after the shift', () => {
    const s = new Stream(context([A]));
    baseline(s, ['agt_a'], 2, 4);
    s.at(T0 + 2 * DAY + 17 * HOUR + 20 * MIN).call('agt_a', cust(1));
    assert.equal(s.of('off_shift', 'agt_a').length, 0);
    s.at(T0 + 3 * DAY + 3 * HOUR).peek('agt_a', cust(2));
    assert.ok(s.points('off_shift', 'agt_a') >= 3);
  });

  it('weighs an off-shift lookup double within 12 hours of a new device or network (a stolen password at night)', () => {
    const lookups = (s: Stream) => s.of('off_shift', 'agt_a').filter((x) => x.figures.newContextMinutesAgo !== undefined).map((x) => x.points);
    const known = new Stream(context([A]));
    baseline(known, ['agt_a'], 2, 4);
    known.at(T0 + 3 * DAY + 3 * HOUR).peek('agt_a', cust(2));
    assert.deepEqual(lookups(known), [1.5], 'late work from a known device and network');
    const thief = new Stream(context([A]));
    baseline(thief, ['agt_a'], 2, 4);
    const far = { net: 'net-thief', dev: 'dev-thief' };
    thief.at(T0 + 3 * DAY + 3 * HOUR).lookup('agt_a', cust(2), 'general_inquiry', 'email', far);
    thief.at(thief.t + MIN).lookup('agt_a', cust(3), 'general_inquiry', 'email', far);
    assert.deepEqual(lookups(thief), [3, 3]);
    assert.match(thief.of('off_shift', 'agt_a').find((x) => x.points === 3)?.summary ?? '', /first seen for this agent in the last 12 hours/);
    // The next night the device and network are no longer new: an ordinary off-shift lookup.
    thief.at(T0 + 4 * DAY + 3 * HOUR).lookup('agt_a', cust(4), 'general_inquiry', 'email', far);
    assert.deepEqual(lookups(thief), [3, 3, 1.5]);
  });

  it('fires on a new device and network after the first day; quiet on known ones', () => {
    const s = new Stream(context([A]));
    baseline(s, ['agt_a'], 2, 4);
    s.at(T0 + 2 * DAY + 10 * HOUR).lookup('agt_a', cust(1), 'general_inquiry', 'email', { net: 'net-office', dev: 'dev-1' });
    assert.equal(s.of('new_device').length + s.of('new_network').length, 0);
    s.lookup('agt_a', cust(2), 'general_inquiry', 'email', { net: 'net-elsewhere', dev: 'dev-other' });
    assert.equal(s.of('new_device', 'agt_a')[0]?.points, 6, 'new device on a new network');
    assert.equal(s.of('new_network', 'agt_a').length, 1);
  });

  it('fires on activity after a long dormancy; quiet after a weekend', () => {
    const s = new Stream(context([A]));
    baseline(s, ['agt_a'], 3, 8);
    s.at(T0 + 6 * DAY + 10 * HOUR).call('agt_a', cust(1));
    assert.equal(s.of('dormant').length, 0);
    s.at(T0 + 15 * DAY + 10 * HOUR).call('agt_a', cust(2));
    assert.equal(s.of('dormant', 'agt_a').length, 1);
  });
});

describe('collusion', () => {
  const B = agent('agt_b');
  const C = agent('agt_c', 'emea-north', 'northwind-bpo');
  it('fires when two agents of one vendor share many looked-up customers; quiet across vendors', () => {
    const s = new Stream(context([A, B, C, ...peers]));
    baseline(s, ['agt_a', 'agt_b', 'agt_c', ...peers.map((p) => p.id)], 2, 6);
    s.at(T0 + 3 * DAY + 9 * HOUR);
    for (let k = 0; k < 6; k++) {
      s.call('agt_a', cust(k));
      s.call('agt_c', cust(k));
    }
    assert.equal(s.points('collusion'), 0, 'different vendors');
    for (let k = 0; k < 6; k++) s.call('agt_b', cust(k));
    assert.ok(s.points('collusion', 'agt_a') > 0 && s.points('collusion', 'agt_b') > 0);
    assert.equal(s.points('collusion', 'agt_c'), 0);
  });

  it('stays quiet when the tickets were transferred between them', () => {
    const sup = agent('sup_1', 'emea-atlas', 'atlas-cx', { role: 'supervisor' });
    const s = new Stream(context([A, B, sup, ...peers]));
    baseline(s, ['agt_a', 'agt_b', ...peers.map((p) => p.id)], 2, 6);
    s.at(T0 + 3 * DAY + 9 * HOUR);
    for (let k = 0; k < 6; k++) {
      const t = s.lookup('agt_a', cust(k));
      s.rec({ action: 'ticket_assign', agentId: 'sup_1', customerId: cust(k), ticketId: t, details: { from: 'agt_a', to: 'agt_b' } });
      s.call('agt_b', cust(k));
    }
    assert.equal(s.points('collusion'), 0);
  });
});

describe('first use of a purpose', () => {
  it('fires for an experienced agent’s first rare purpose; quiet for a newcomer', () => {
    const s = new Stream(context([A, agent('agt_n'), ...peers]));
    baseline(s, ['agt_a', ...peers.map((p) => p.id)], 4, 8);
    s.at(T0 + 5 * DAY + 9 * HOUR).call('agt_n', cust(1), 'kyc_review');
    assert.equal(s.of('first_purpose').length, 0);
    s.call('agt_a', cust(2), 'kyc_review');
    assert.equal(s.of('first_purpose', 'agt_a').length, 1);
  });
});

describe('re-access', () => {
  it('fires when the same customer is looked up again on later days; quiet within one day', () => {
    const s = new Stream(context([A]));
    s.at(T0 + 9 * HOUR).peek('agt_a', 'c_target');
    s.at(T0 + 11 * HOUR).peek('agt_a', 'c_target');
    assert.equal(s.of('reaccess').length, 0);
    s.at(T0 + 2 * DAY + 10 * HOUR).peek('agt_a', 'c_target');
    s.at(T0 + 4 * DAY + 10 * HOUR).peek('agt_a', 'c_target');
    s.at(T0 + 6 * DAY + 10 * HOUR).peek('agt_a', 'c_target');
    assert.deepEqual(s.of('reaccess', 'agt_a').map((x) => x.points), [2, 6, 10]);
  });
});

describe('volume', () => {
  const team = Array.from({ length: 6 }, (_, i) => agent(`agt_t${i}`));
  const ids = ['agt_a', ...team.map((p) => p.id)];

  it('fires on a day far above the agent’s baseline and their peers', () => {
    const s = new Stream(context([A, ...team]));
    baseline(s, ids, 6, 20);
    for (let k = 0; k < 80; k++) s.at(T0 + 6 * DAY + 9 * HOUR + k * 5 * MIN).routed('agt_a', cust(70_000 + k));
    for (let k = 0; k < 80; k++) {
      s.at(T0 + 6 * DAY + 9 * HOUR + k * 5 * MIN + 1000);
      s.view('agt_a', cust(70_000 + k), `t${k}`);
    }
    assert.ok(s.points('volume_day', 'agt_a') > 0);
  });

  it('stays quiet on a surge day when every peer is as busy', () => {
    const s = new Stream(context([A, ...team]));
    baseline(s, ids, 6, 20);
    for (let k = 0; k < 80; k++) {
      for (const id of ids) {
        s.at(T0 + 6 * DAY + 9 * HOUR + k * 5 * MIN + ids.indexOf(id) * 1000);
        s.view(id, cust(200_000 + ids.indexOf(id) * 1000 + k), `x${id}${k}`);
      }
    }
    assert.equal(s.points('volume_day', 'agt_a') + s.points('volume_hour', 'agt_a'), 0);
  });
});
