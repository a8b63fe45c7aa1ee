// The in-line guard through the real broker: budgets deny at the limit and not before, re-access
// is free, a supervisor's extension lifts the limit for its window; a decoy contains at once
// (next request denied, session gone, containment opened); step-up needs a security approver.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startDetectHarness, type DetectHarness } from './harness.js';

const BUDGETS = { agent: { customersPerHour: 4, customersPerShift: 100, revealsPerShift: 2, lookupsPerHour: 3 } };

// PostgreSQL first when it is set: it starts in seconds where PGlite takes tens, so the mutation
// run (issue 20), which stops a file at its first failure, kills most mutants before PGlite starts.
for (const backend of [...DATABASES].reverse()) {
  describe(`guard on ${backend.name}`, () => {
    let h: DetectHarness;
    before(async () => {
      h = await startDetectHarness(backend, { budgets: { roles: BUDGETS } });
    });
    after(async () => h.close());

    const rejects = (p: Promise<unknown>, code: string) => assert.rejects(p, (e) => isKeyholeError(e) && e.code === code);

    it('budgets deny at the limit and not before; re-access is free; an extension lifts the limit', async () => {
      const agent = 'agt_001';
      const targets = h.lookupable(agent).slice(0, 6);
      const lookup = async (i: number) => h.rt.broker.lookup(await h.ctx(agent), { accountId: (targets[i] as { accountId: string }).accountId }, { purpose: 'general_inquiry', channel: 'phone', subject: 'call' });
      const opened = [await lookup(0), await lookup(1), await lookup(2)];
      await rejects(lookup(3), 'BUDGET_EXCEEDED'); // lookupsPerHour = 3: the fourth
      // Three customers touched; a fourth distinct customer still fits customersPerHour = 4.
      const mine = await h.rt.db.selectFrom('tickets').select(['id', 'customer_id']).where('assignee_id', '=', agent).where('created_by', '=', 'seed').execute();
      const fresh = mine.filter((t) => !opened.some((o) => o.customerId === t.customer_id));
      assert.ok(fresh.length >= 2, 'the seed gives agt_001 two more customers');
      await h.rt.broker.view(await h.ctx(agent), (fresh[0] as { id: string }).id);
      await rejects(h.rt.broker.view(await h.ctx(agent), (fresh[1] as { id: string }).id), 'BUDGET_EXCEEDED');
      for (const t of opened) await h.rt.broker.view(await h.ctx(agent), t.id); // re-access: free
      const sup = await h.login('sup_01');
      const ext = await h.app.inject({ method: 'POST', url: `/v1/agents/${agent}/budgets/extend`, headers: { cookie: sup }, payload: { budget: 'customersPerHour', extra: 1, reason: 'busy queue this hour' } });
      assert.equal(ext.statusCode, 201, ext.body);
      await h.rt.broker.view(await h.ctx(agent), (fresh[1] as { id: string }).id);
      const budgets = (await h.app.inject({ method: 'GET', url: `/v1/agents/${agent}/budgets`, headers: { cookie: sup } })).json();
      assert.equal(budgets.limits.customersPerHour, 5);
      // The window slides: an hour later the lookups are allowed again.
      h.clock.advance(61 * 60_000);
      await lookup(3);
      await h.detect();
      const alerts = await h.db.selectFrom('detect_alerts').select(['kind', 'agent_id']).where('kind', '=', 'budget').execute();
      assert.ok(alerts.some((a) => a.agent_id === agent), 'a denial past the budget raises an alert');
    });

    it('concurrent requests cannot pass a budget together', async () => {
      const agent = 'agt_006'; // AMER: the small demo has at least six of its customers
      const targets = h.lookupable(agent).slice(0, 6);
      const results = await Promise.allSettled(targets.map(async (c) => h.rt.broker.lookup(await h.ctx(agent), { accountId: c.accountId }, { purpose: 'general_inquiry', channel: 'phone', subject: 'call' })));
      assert.equal(targets.length, 6);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
      assert.ok(results.every((r) => r.status === 'fulfilled' || isKeyholeError(r.reason, 'BUDGET_EXCEEDED')));
    });

    it('only supervisors and security extend budgets, never their own', async () => {
      const agentCookie = await h.login('agt_002');
      const r = await h.app.inject({ method: 'POST', url: '/v1/agents/agt_003/budgets/extend', headers: { cookie: agentCookie }, payload: { budget: 'lookupsPerHour', extra: 5, reason: 'please let me' } });
      assert.equal(r.statusCode, 403);
      const sup = await h.login('sup_02');
      const own = await h.app.inject({ method: 'POST', url: '/v1/agents/sup_02/budgets/extend', headers: { cookie: sup }, payload: { budget: 'lookupsPerHour', extra: 5, reason: 'for myself' } });
      assert.equal(own.statusCode, 403);
    });

    it('a decoy lookup contains the agent at once: next request denied, session gone, containment opened', async () => {
      const agent = 'agt_004';
      const cookie = await h.login(agent);
      const decoy = await h.rt.db.selectFrom('customers').select(['id', 'account_id']).where('is_decoy', '=', true).orderBy('id').executeTakeFirstOrThrow();
      const seen: string[] = [];
      const off = h.rt.events.subscribe((e) => { if (e.type === 'agent_status' || e.type === 'detect_alert') seen.push(`${e.type}:${e.agentId}`); });
      const r = await h.app.inject({ method: 'POST', url: '/v1/lookups', headers: { cookie }, payload: { accountId: decoy.account_id } });
      assert.equal(r.statusCode, 403);
      assert.equal((await h.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } })).statusCode, 401, 'the session ended');
      // Containment withdrew their tickets (issue 14 item 1): a ticket they held is refused either way.
      const mine = await h.rt.db.selectFrom('withdrawn_contacts').select('ticket_id as id').where('agent_id', '=', agent).executeTakeFirstOrThrow();
      await assert.rejects(h.rt.broker.view(await h.ctx(agent), mine.id), (e) => isKeyholeError(e, 'AGENT_SUSPENDED') || isKeyholeError(e, 'TICKET_NOT_FOUND'));
      const c = await h.db.selectFrom('detect_containments').selectAll().where('agent_id', '=', agent).executeTakeFirstOrThrow();
      assert.equal(c.source, 'guard');
      await h.detect();
      off();
      assert.ok(seen.includes(`agent_status:${agent}`));
      assert.ok(seen.includes(`detect_alert:${agent}`), 'the decoy alert reaches BrokerEvents');
      const suspends = await h.db.selectFrom('audit_log').select('entry').where('action', '=', 'agent_suspend').execute();
      assert.equal(suspends.filter((s) => JSON.parse(s.entry).details.target === agent).length, 1, 'one containment, recorded once');
    });

    it('an unassigned decoy ticket is reached by no agent; a supervisor who assigns it is contained', async () => {
      const t = await h.rt.db.selectFrom('tickets as t').innerJoin('customers as c', 'c.id', 't.customer_id').select('t.id')
        .where('c.is_decoy', '=', true).where('t.assignee_id', 'is', null).executeTakeFirstOrThrow();
      await rejects(h.rt.broker.view(await h.ctx('agt_005'), t.id), 'TICKET_NOT_FOUND');
      await h.rt.broker.assign(await h.ctx('sup_05'), t.id, 'agt_005');
      await h.detect();
      const sup = await h.db.selectFrom('agents').select('status').where('id', '=', 'sup_05').executeTakeFirstOrThrow();
      assert.equal(sup.status, 'suspended');
    });
  });
}
