// The guard's budget read folded into the view's first statement (AccessGuard.prefetch, issue
// 13): concurrent views of one agent still cannot pass a budget together — the folded read
// takes the same row lock and, after waiting, sees the counters the winner wrote — and an
// agent's very first view (no counters row yet) is counted as before.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startDetectHarness, type DetectHarness } from './harness.js';

const BUDGETS = { agent: { customersPerHour: 2, customersPerShift: 100, revealsPerShift: 2, lookupsPerHour: 30 } };

for (const backend of DATABASES) {
  describe(`guard on views on ${backend.name}`, () => {
    let h: DetectHarness;
    before(async () => {
      h = await startDetectHarness(backend, { budgets: { roles: BUDGETS } });
    });
    after(async () => h.close());

    /** Open seed tickets of `agent`, one per distinct customer. */
    const ticketsOf = async (agent: string) => {
      const rows = await h.rt.db.selectFrom('tickets').select(['id', 'customer_id']).where('assignee_id', '=', agent).where('status', '=', 'open').orderBy('id').execute();
      const seen = new Set<string>();
      return rows.filter((t) => !seen.has(t.customer_id) && seen.add(t.customer_id));
    };

    it('concurrent views of distinct customers pass customersPerHour exactly up to the limit', async () => {
      // The agent with the most customers in the seed.
      const counts = await h.rt.db.selectFrom('tickets').select(['assignee_id', (eb) => eb.fn.count<number>('customer_id').distinct().as('n')])
        .where('status', '=', 'open').where('assignee_id', 'like', 'agt_%').groupBy('assignee_id').orderBy('n', 'desc').orderBy('assignee_id').execute();
      const agent = counts[0]!.assignee_id as string;
      await h.db.deleteFrom('detect_budget_counters').where('agent_id', '=', agent).execute();
      const tickets = (await ticketsOf(agent)).slice(0, 5);
      assert.ok(tickets.length >= 4, `agent ${agent} has ${tickets.length} customers`);
      const results = await Promise.allSettled(tickets.map(async (t) => h.rt.broker.view(await h.ctx(agent), t.id)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
      const other = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !isKeyholeError(r.reason, 'BUDGET_EXCEEDED'));
      assert.equal(other, undefined, String(other?.reason));
      const row = await h.db.selectFrom('detect_budget_counters').select('touches').where('agent_id', '=', agent).executeTakeFirstOrThrow();
      const touches = typeof row.touches === 'string' ? JSON.parse(row.touches) : row.touches;
      assert.equal(Object.keys(touches as object).length, 2, 'exactly the two allowed customers are counted');
      // Re-viewing an allowed customer is free; a third customer still is not.
      const allowed = tickets.filter((_, i) => results[i]!.status === 'fulfilled');
      const denied = tickets.filter((_, i) => results[i]!.status === 'rejected');
      await h.rt.broker.view(await h.ctx(agent), allowed[0]!.id);
      await assert.rejects(h.rt.broker.view(await h.ctx(agent), denied[0]!.id), (e) => isKeyholeError(e, 'BUDGET_EXCEEDED'));
    });
  });
}
