// Issue 10 item 6: a single-use grant is shown by exactly one view, even with the guard's
// per-agent budget lock out of the way (detection off) and many views of it in flight at once.
// The grant is claimed first, atomically, and only what a view claimed is rendered.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DATABASES } from '../support/databases.js';
import { startHarness, supervisorFor, TEST_DEMO, type Harness } from '../support/harness.js';
import { loadAgent } from '../../src/access/agents.js';
import type { RequestContext } from '../../src/access/model.js';
import { claimLiveGrants, releaseGrants } from '../../src/access/grants.js';

for (const backend of DATABASES) {
  describe(`single-use grants under concurrency, detection off, on ${backend.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend, TEST_DEMO, { detect: false });
    });
    after(async () => h.close());

    let n = 0;
    async function ctx(agentId: string): Promise<RequestContext> {
      const agent = await loadAgent(h.rt.db, agentId);
      assert.ok(agent);
      return { agent, requestId: `req_race_${n++}` };
    }

    for (const [round, field] of [[0, 'phone'], [1, 'email'], [2, 'phone']] as const) {
      it(`round ${round}: 8 concurrent views reveal ${field} once, and the log shows one grant_use`, async () => {
        const t = await h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', 'account_access').where('status', '=', 'open')
          .orderBy('id').offset(round).limit(1).executeTakeFirstOrThrow();
        const agentCtx = await ctx(t.assignee_id as string);
        const sup = supervisorFor(h.staff, agentCtx.agent.id);
        const req = await h.rt.broker.requestReveal(agentCtx, t.id, [field], 'caller asked to confirm contact');
        assert.equal((await h.rt.broker.decideReveal(await ctx(sup.id), req.id, 'approve', { durationMinutes: 15 })).status, 'approved');

        const views = await Promise.all(Array.from({ length: 8 }, async () => h.rt.broker.view(await ctx(agentCtx.agent.id), t.id)));
        const revealed = views.filter((v) => v.fields.find((f) => f.name === field)?.level === 'revealed');
        assert.equal(revealed.length, 1, `the grant was shown ${revealed.length} times`);
        assert.equal(views.filter((v) => v.grantsUsed.length > 0).length, 1);
        for (const v of views) if (v !== revealed[0]) assert.deepEqual(v.grantsUsed, []);

        const grants = await h.rt.db.selectFrom('grants').select(['id', 'used_at']).where('ticket_id', '=', t.id).execute();
        assert.equal(grants.length, 1);
        assert.ok(grants[0]?.used_at);
        const rows = await h.rt.db.selectFrom('audit_pending').select('entry').execute();
        const uses = rows.map((r) => (typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry) as { action: string; details: { grantId?: string } })
          .filter((e) => e.action === 'grant_use' && e.details.grantId === grants[0]?.id);
        assert.equal(uses.length, 1);
      });
    }

    it('a grant claimed and released in a transaction stays live; a rolled-back claim too', async () => {
      const t = await h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', 'account_access').where('status', '=', 'open')
        .orderBy('id').offset(5).limit(1).executeTakeFirstOrThrow();
      const agentCtx = await ctx(t.assignee_id as string);
      const sup = supervisorFor(h.staff, agentCtx.agent.id);
      const req = await h.rt.broker.requestReveal(agentCtx, t.id, ['email'], 'caller asked to confirm contact');
      await h.rt.broker.decideReveal(await ctx(sup.id), req.id, 'approve', { durationMinutes: 15 });
      const now = h.clock.now();
      const claimed = await h.rt.db.transaction().execute(async (trx) => {
        const c = await claimLiveGrants(trx, t.id, agentCtx.agent.id, now);
        assert.deepEqual(await claimLiveGrants(trx, t.id, agentCtx.agent.id, now), []);
        await releaseGrants(trx, c.map((g) => g.id), now);
        return c;
      });
      assert.equal(claimed.length, 1);
      await assert.rejects(h.rt.db.transaction().execute(async (trx) => {
        assert.equal((await claimLiveGrants(trx, t.id, agentCtx.agent.id, now)).length, 1);
        throw new Error('roll back');
      }), /roll back/);
      const view = await h.rt.broker.view(agentCtx, t.id);
      assert.deepEqual(view.grantsUsed, claimed.map((g) => g.id));
      assert.equal(view.fields.find((f) => f.name === 'email')?.level, 'revealed');
    });
  });
}
