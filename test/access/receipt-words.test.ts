// Issue 14 items 5 and 7: the customer's receipts say what happened. A value a supervisor alone
// approved is not "the value you allowed"; a verify says its outcome; a request is "asked to
// see in full", not "shown in full"; a view's verify-only field was not "checked"; a protection
// says which one and for how long; alike receipts group into one contact.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadAgent } from '../../src/access/agents.js';
import { describeAction, levelWords } from '../../web/src/portal/describe-receipt.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('receipt words', () => {
  it('describe what the record says, not more', () => {
    assert.equal(describeAction('grant_use', false, { approvedBy: 'staff' }), 'saw the full value once — a supervisor approved it, without asking you');
    assert.equal(describeAction('grant_use', false, { approvedBy: 'customer' }), 'saw the full value once — you allowed it');
    assert.doesNotMatch(describeAction('grant_use', false), /you allowed/);
    assert.match(describeAction('verify', false, { matched: false }), /it did not match$/);
    assert.equal(describeAction('protection_apply', false, { protectionKind: 'withdrawal_cooldown', hours: 48 }), 'put a hold on withdrawals to new addresses on your account for 48 hours');
    assert.equal(levelWords('revealed', 'reveal_request').label, 'asked to see in full');
    assert.equal(levelWords('revealed', 'grant_use').label, 'shown in full, once');
    assert.equal(levelWords('verify_only', 'view').label, 'not shown (can only be checked)');
    assert.equal(levelWords('verify_only', 'verify').label, 'checked, not shown');
  });
});

for (const backend of DATABASES.filter((d) => d.name === 'pglite')) {
  describe(`receipts carry who approved and what a check found, on ${backend.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(async () => h.close());
    let n = 0;
    const ctx = async (id: string) => ({ agent: (await loadAgent(h.rt.db, id))!, requestId: `req_rw_${n++}` });

    it('a supervisor-only grant reads "staff"; a failed verify reads matched: false', async () => {
      const t = await h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', 'account_access').where('status', '=', 'open').orderBy('id').executeTakeFirstOrThrow();
      const agent = t.assignee_id as string;
      await h.rt.broker.verify(await ctx(agent), t.id, 'dateOfBirth', '1901-01-01');
      const req = await h.rt.broker.requestReveal(await ctx(agent), t.id, ['email'], 'Customer cannot receive our e-mails');
      await h.rt.broker.decideReveal(await ctx(h.staff.find((s) => s.role === 'supervisor')!.id), req.id, 'approve');
      await h.rt.broker.view(await ctx(agent), t.id);
      const login = await h.app.inject({ method: 'POST', url: '/v1/customer/demo/login', payload: { customerId: t.customer_id } });
      const cookie = `kh_customer=${login.cookies.find((c) => c.name === 'kh_customer')?.value}`;
      const receipts = (await h.app.inject({ method: 'GET', url: '/v1/customer/receipts', headers: { cookie } })).json().receipts as { action: string; approvedBy: string | null; matched: boolean | null }[];
      assert.equal(receipts.find((r) => r.action === 'grant_use')?.approvedBy, 'staff');
      assert.equal(receipts.find((r) => r.action === 'verify')?.matched, false);
    });
  });
}
