// The engine as a pure function of the log: decaying risk with its three thresholds, replays
// that never count twice, and state stored in batches (dirty rows only) then restored giving
// exactly the result of one uninterrupted pass (the consumer's restart guarantee).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_DETECT_CONFIG } from '../../src/detect/config.js';
import { DetectionEngine, type StateRow } from '../../src/detect/engine.js';
import { addSignal, advance, decayed } from '../../src/detect/risk.js';
import type { Signal } from '../../src/detect/signal.js';
import { agent, context, DAY, HOUR, MIN, Stream, T0 } from './streams.js';

const cfg = DEFAULT_DETECT_CONFIG.risk;
const sig = (t: number, points: number): Signal => ({ detector: 'reaccess', agentId: 'a', t, seq: 0, points, seqs: [], figures: {}, baseline: {}, summary: '' });

describe('risk', () => {
  it('halves every half-life', () => {
    const r = { v: 20, at: T0, level: 0, stepUp: false, recent: [] };
    assert.equal(decayed(cfg, r, T0 + cfg.halfLifeHours * HOUR), 10);
    assert.equal(decayed(cfg, r, T0 + 2 * cfg.halfLifeHours * HOUR), 5);
  });

  it('crosses alert, step-up and contain once each, re-arming only below half the alert level', () => {
    const r = { v: 0, at: T0, level: 0, stepUp: false, recent: [] };
    assert.equal(addSignal(cfg, r, sig(T0, cfg.alert - 0.01)), undefined);
    assert.equal(addSignal(cfg, r, sig(T0, 0.01)), 'alert');
    assert.equal(addSignal(cfg, r, sig(T0, 0.5)), undefined, 'no second alert');
    assert.equal(addSignal(cfg, r, sig(T0, cfg.stepUp - r.v)), 'step_up');
    assert.equal(r.stepUp, true);
    // Decays below the alert level: step-up lapses; below half of it: the alert re-arms.
    assert.equal(advance(cfg, r, T0 + cfg.halfLifeHours * HOUR), 'clear_step_up');
    advance(cfg, r, T0 + 3 * cfg.halfLifeHours * HOUR);
    assert.equal(r.level, 0);
    assert.equal(addSignal(cfg, r, sig(r.at, cfg.contain)), 'contain');
    assert.equal(advance(cfg, r, r.at + 100 * DAY), undefined, 'containment ends only by reinstatement');
    assert.equal(r.level, 3);
  });
});

/** A stream with ordinary work for a team and an insider who starts peeking on day 3. */
function story(): Stream {
  const team = Array.from({ length: 5 }, (_, i) => agent(`agt_${i}`));
  const s = new Stream(context(team, { c7: { tier: 'vip', decoy: false } }));
  for (let d = 0; d < 4; d++) {
    for (let k = 0; k < 10; k++) {
      for (let i = 0; i < 5; i++) {
        s.at(T0 + d * DAY + 9 * HOUR + k * 10 * MIN + i * 1000);
        if (d === 3 && i === 0 && k % 2 === 0) s.peek('agt_0', `c${k}`);
        else s.call(`agt_${i}`, `c${1000 + ((d * 50 + k * 5 + i) % 120)}`);
      }
    }
  }
  return s;
}

describe('engine state', () => {
  const whole = story();
  const expected = whole.actions.map((a) => `${a.kind}:${a.agentId}:${a.seq}`);
  const risk = whole.engine.risk('agt_0', whole.t)?.risk;

  it('the story raises something (so the restart property below is not vacuous)', () => {
    assert.ok(expected.length > 0);
    assert.ok((risk ?? 0) > cfg.alert);
  });

  it('ignores records at or below the last sequence number (a replayed batch counts once)', () => {
    const s = story();
    const before = JSON.stringify(s.engine.takeDirty(true));
    for (const [seq, r] of s.records.slice(-50)) s.engine.ingest(seq, r);
    assert.equal(s.engine.takeActions().length, 0);
    assert.equal(JSON.stringify(s.engine.takeDirty(true)), before);
  });

  it('stored in batches (dirty rows only) and restored at any point, gives the uninterrupted result', () => {
    const records = whole.records;
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: records.length - 1 }), { minLength: 1, maxLength: 6 }), (cuts) => {
      const stored = new Map<string, string>();
      const ctx = context(Array.from({ length: 5 }, (_, i) => agent(`agt_${i}`)), { c7: { tier: 'vip', decoy: false } });
      const bounds = [...new Set([0, ...cuts, records.length])].sort((a, b) => a - b);
      const actions: string[] = [];
      for (let b = 0; b + 1 < bounds.length; b++) {
        const rows: StateRow[] = [...stored].map(([key, json]) => ({ key, state: JSON.parse(json) }));
        const e = new DetectionEngine({ config: DEFAULT_DETECT_CONFIG, ctx }, rows);
        for (const [seq, r] of records.slice(bounds[b], bounds[b + 1])) e.ingest(seq, r);
        actions.push(...e.takeActions().map((a) => `${a.kind}:${a.agentId}:${a.seq}`));
        for (const row of e.takeDirty()) stored.set(row.key, JSON.stringify(row.state));
        if (b + 2 === bounds.length) assert.equal(e.risk('agt_0', whole.t)?.risk, risk);
      }
      assert.deepEqual(actions, expected);
    }), { numRuns: 25 });
  });
});
