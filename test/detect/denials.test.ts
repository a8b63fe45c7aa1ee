// Failed and denied actions count (issue 15 item 4): policy denials (tickets not one's own,
// fields the purpose does not open) and budget denials raise the risk score on the real path,
// through the HTTP server; the odd refusal of an honest agent (a stale tab) costs nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { listAlerts } from '../../src/detect/queries.js';
import { DATABASES } from '../support/databases.js';
import { startDetectHarness, type DetectHarness } from './harness.js';
import { agent, context, HOUR, MIN, Stream, T0 } from './streams.js';

for (const backend of DATABASES) {
  describe(`denials in the risk score, through the HTTP server (${backend.name})`, () => {
    let h: DetectHarness;
    const AGENT_BUDGETS = { customersPerHour: 40, customersPerShift: 160, revealsPerShift: 15, lookupsPerHour: 3 };
    before(async () => { h = await startDetectHarness(backend, { budgets: { roles: { agent: AGENT_BUDGETS } } }); });
    after(() => h.close());
    const agents = () => h.staff.filter((s) => s.role === 'agent');
    const risk = async (id: string) => {
      const sec = await h.login(h.staff.find((s) => s.role === 'security')!.id);
      return (await h.app.inject({ method: 'GET', url: `/v1/detect/agents/${id}/risk`, headers: { cookie: sec } })).json();
    };

    it('an agent opening other agents\' tickets over and over is alerted, with the refusals as evidence', async () => {
      const prober = agents()[0]!;
      const others = await h.rt.db.selectFrom('tickets').select('id').where('assignee_id', '!=', prober.id).where('status', '=', 'open').orderBy('id').limit(12).execute();
      assert.ok(others.length >= 10, 'enough tickets of others');
      const cookie = await h.login(prober.id);
      for (const t of others) {
        h.clock.advance(20_000);
        const r = await h.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/customer`, headers: { cookie } });
        assert.equal(r.statusCode, 404, 'not theirs: the uniform not-found');
      }
      await h.detect();
      const r = await risk(prober.id);
      const steps = r.trajectory.filter((s: { detector: string }) => s.detector === 'denials');
      assert.ok(steps.length > 0 && r.risk > 0, JSON.stringify(r.trajectory));
      assert.match(steps.at(-1).summary, /refused by policy again and again .*ticket not assigned to agent/);
      assert.ok(steps.at(-1).seqs.length >= 5, 'the refused requests are the evidence');
      const alerts = (await listAlerts(h.db, { agentId: prober.id })).filter((a) => JSON.stringify(a.explanation).includes('denials'));
      assert.ok(alerts.length > 0, 'an alert names the denials');
    });

    it('budget denials raise the score too, and say which budget', async () => {
      const a = agents()[1]!;
      const cookie = await h.login(a.id);
      let denied = 0;
      for (const c of h.lookupable(a.id).slice(0, 6)) {
        h.clock.advance(60_000);
        const r = await h.app.inject({ method: 'POST', url: '/v1/lookups', headers: { cookie }, payload: { accountId: c.accountId } });
        if (r.statusCode !== 201) denied++;
      }
      assert.ok(denied >= 2, `lookups beyond the budget are denied (${denied})`);
      await h.detect();
      const r = await risk(a.id);
      const steps = r.trajectory.filter((s: { detector: string }) => s.detector === 'budget');
      assert.ok(steps.length >= 2 && r.risk > 0, JSON.stringify(r.trajectory));
      assert.match(steps[0].summary, /budget lookupsPerHour exhausted/);
    });
  });
}

describe('denials in the engine', () => {
  it('a stale tab now and then (at most one refusal in ten requests) costs nothing', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 20, maxLength: 150 }), (pattern) => {
      const s = new Stream(context([agent('agt_x')]));
      s.at(T0 + 9 * HOUR);
      const t = s.lookup('agt_x', 'c1');
      pattern.forEach((want, i) => {
        s.at(T0 + 9 * HOUR + (i + 1) * 2 * MIN);
        if (want && i % 10 === 0) s.rec({ action: 'view', agentId: 'agt_x', customerId: 'c9', ticketId: 'tk-stale', decision: 'deny', reason: 'ticket closed' });
        else s.view('agt_x', 'c1', t);
      });
      assert.equal(s.points('denials', 'agt_x'), 0);
    }), { numRuns: 30 });
  });

  it('guard answers (budget, suspension) and locked verifies are not counted twice', () => {
    const s = new Stream(context([agent('agt_x')]));
    s.at(T0 + 9 * HOUR);
    for (let i = 0; i < 30; i++) {
      s.at(s.t + MIN);
      s.rec({ action: 'view', agentId: 'agt_x', customerId: `c${i}`, ticketId: `t${i}`, decision: 'deny', reason: 'budget', details: { guard: 'budget:customersPerHour', limit: 40, used: 40 } });
    }
    assert.equal(s.points('denials', 'agt_x'), 0);
    assert.ok(s.points('budget', 'agt_x') > 0);
  });
});
