// Approvals are scoped (issue 10.12) through the broker and the API: a supervisor of another
// vendor or region cannot approve or deny an agent's reveal request (POLICY_DENIED, recorded),
// the supervisor in scope can, security can; and the approvals queue and "Recently decided"
// show a supervisor only the requests they may decide.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadAgent } from '../../src/access/agents.js';
import type { RequestContext } from '../../src/access/model.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, supervisorFor, type Harness } from '../support/harness.js';

for (const backend of DATABASES) {
  describe(`approval scope on ${backend.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h.close());

    let n = 0;
    const ctx = async (id: string): Promise<RequestContext> => ({ agent: (await loadAgent(h.rt.db, id))!, requestId: `req_scope_${n++}` });
    const ids = async (who: string, status: 'pending' | 'approved' | 'denied') => {
      const cookie = await h.login(who);
      const r = await h.app.inject({ method: 'GET', url: `/v1/reveal-requests?status=${status}`, headers: { cookie } });
      assert.equal(r.statusCode, 200, r.body);
      return (r.json() as { requests?: Array<{ id: string }> } | Array<{ id: string }>);
    };
    const idList = async (who: string, status: 'pending' | 'approved' | 'denied') => {
      const body = await ids(who, status);
      return (Array.isArray(body) ? body : body.requests ?? []).map((x) => x.id);
    };

    it('only a supervisor of the requester\'s vendor and region decides; the lists show only theirs', async () => {
      const t = await h.rt.db.selectFrom('tickets').selectAll().where('status', '=', 'open').where('purpose', '=', 'account_access').where('assignee_id', 'like', 'agt_%').orderBy('id').limit(1).executeTakeFirstOrThrow();
      const agentId = t.assignee_id as string;
      const agent = h.staff.find((s) => s.id === agentId)!;
      const own = supervisorFor(h.staff, agentId);
      const otherVendor = h.staff.find((s) => s.role === 'supervisor' && s.vendor !== agent.vendor && s.regions.some((r) => agent.regions.includes(r)))!;
      const otherRegion = h.staff.find((s) => s.role === 'supervisor' && s.vendor === agent.vendor && !s.regions.some((r) => agent.regions.includes(r)))!;
      assert.ok(otherVendor && otherRegion);

      const first = await h.rt.broker.requestReveal(await ctx(agentId), t.id, ['email'], 'caller asked to confirm their address');
      assert.ok((await idList(own.id, 'pending')).includes(first.id));
      for (const s of [otherVendor, otherRegion]) {
        assert.ok(!(await idList(s.id, 'pending')).includes(first.id), `${s.id} does not see it`);
        for (const verdict of ['approve', 'deny'] as const) {
          await assert.rejects(h.rt.broker.decideReveal(await ctx(s.id), first.id, verdict), (e) => isKeyholeError(e, 'POLICY_DENIED'));
        }
      }
      const cookie = await h.login(otherVendor.id);
      const http = await h.app.inject({ method: 'POST', url: `/v1/reveal-requests/${first.id}/approve`, headers: { cookie }, payload: {} });
      assert.equal(http.statusCode, 403);
      assert.equal(http.json().error.code, 'POLICY_DENIED');

      assert.equal((await h.rt.broker.decideReveal(await ctx(own.id), first.id, 'approve')).status, 'approved');
      assert.ok((await idList(own.id, 'approved')).includes(first.id), 'recently decided: in scope');
      assert.ok(!(await idList(otherVendor.id, 'approved')).includes(first.id), 'recently decided: out of scope');
      const sec = h.staff.find((s) => s.role === 'security')!;
      assert.ok((await idList(sec.id, 'approved')).includes(first.id), 'security sees every decision');

      // Security decides for anyone.
      const second = await h.rt.broker.requestReveal(await ctx(agentId), t.id, ['phone'], 'caller asked to confirm their number');
      assert.equal((await h.rt.broker.decideReveal(await ctx(sec.id), second.id, 'deny')).status, 'denied');
    });
  });
}
