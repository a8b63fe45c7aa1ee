// Reassigning a ticket cancels its pending reveal requests (issue 10 item 10): an approval
// given after the hand-over must not open data to the previous assignee.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadAgent } from '../../src/access/agents.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

for (const backend of DATABASES) {
  describe(`reassignment on ${backend.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(async () => h.close());

    let n = 0;
    const ctx = async (id: string) => ({ agent: (await loadAgent(h.rt.db, id))!, requestId: `req_ra_${n++}` });

    it('cancels the pending reveal requests of the previous assignee; approving one afterwards fails', async () => {
      const t = await h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', 'account_access').where('status', '=', 'open').orderBy('id').limit(1).executeTakeFirstOrThrow();
      const before = await ctx(t.assignee_id as string);
      const req = await h.rt.broker.requestReveal(before, t.id, ['email'], 'caller cannot read the masked address');
      assert.equal(req.status, 'pending');
      const sup = await ctx(h.staff.find((s) => s.role === 'supervisor')!.id);
      const target = (await h.rt.db.selectFrom('agents').select(['id', 'regions']).where('role', '=', 'agent').where('id', '<>', before.agent.id).where('status', '=', 'active').execute())[0]!;
      const events: string[] = [];
      const unsubscribe = h.rt.events.subscribe((e) => void (e.type === 'reveal_request' && events.push(`${e.requestId}:${e.status}`)));
      try {
        await h.rt.broker.assign(sup, t.id, target.id);
      } finally {
        unsubscribe();
      }
      const row = await h.rt.db.selectFrom('reveal_requests').select('status').where('id', '=', req.id).executeTakeFirstOrThrow();
      assert.equal(row.status, 'cancelled');
      assert.deepEqual(events, [`${req.id}:cancelled`]);
      await assert.rejects(h.rt.broker.decideReveal(sup, req.id, 'approve'), (e) => isKeyholeError(e, 'REQUEST_NOT_PENDING'));
      const grants = await h.rt.db.selectFrom('grants').select('id').where('request_id', '=', req.id).execute();
      assert.equal(grants.length, 0);
    });
  });
}
