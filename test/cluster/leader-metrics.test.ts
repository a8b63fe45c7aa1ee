// Leadership metrics (issue 18 part 2): a registry with registerLeaderMetrics exposes whether
// this process leads and how often that changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { leadershipChanged, registerLeaderMetrics } from '../../src/audit/leader-metrics.js';

describe('leader metrics', () => {
  it('expose keyhole_log_leader and the changes counter', async () => {
    const r = new Registry();
    registerLeaderMetrics(r);
    leadershipChanged(true, 'test-1-abcdef', 3);
    let text = await r.metrics();
    assert.match(text, /^keyhole_log_leader 1$/m);
    assert.match(text, /^keyhole_log_leadership_changes_total\{to="leader"\} 1$/m);
    leadershipChanged(false, 'test-1-abcdef', undefined);
    text = await r.metrics();
    assert.match(text, /^keyhole_log_leader 0$/m);
    assert.match(text, /^keyhole_log_leadership_changes_total\{to="follower"\} 1$/m);
  });
});
