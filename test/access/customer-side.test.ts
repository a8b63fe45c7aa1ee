// Issue 6 API behaviour: consent expiry, customer revocation, the privacy lock with break-glass
// as the only way through (two distinct security approvers), and the portal's endpoints.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadAgent } from '../../src/access/agents.js';
import { customerDecide, customerRevokeGrant, pendingConsents } from '../../src/access/consent.js';
import { setPrivacyLock } from '../../src/access/customer-state.js';
import { decideBreakGlass, requestBreakGlass } from '../../src/access/break-glass.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, supervisorFor, type Harness } from '../support/harness.js';

for (const backend of DATABASES) {
  describe(`customer side on ${backend.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(async () => h.close());

    let n = 0;
    const ctx = async (id: string) => ({ agent: (await loadAgent(h.rt.db, id))!, requestId: `req_c_${n++}` });
    const customerCtx = (customerId: string) => ({ agent: null, customerId, requestId: `req_c_${n++}` });
    const ticket = (purpose: string, skip = 0) =>
      h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', purpose).where('status', '=', 'open').orderBy('id').offset(skip).limit(1).executeTakeFirstOrThrow();
    const levelOf = (v: { fields: readonly { name: string; level: string }[] }, f: string) => v.fields.find((x) => x.name === f)?.level;
    const security = () => h.staff.filter((s) => s.role === 'security').map((s) => s.id);

    it('a consent-gated reveal waits for the customer and expires unanswered after 10 minutes', async () => {
      const t = await ticket('withdrawal_issue', 0);
      const agent = await ctx(t.assignee_id as string);
      const req = await h.rt.broker.requestReveal(agent, t.id, ['totalBalance'], 'customer disputes the balance shown');
      assert.equal(req.approval, 'customer');
      assert.ok((await pendingConsents(h.rt.db, t.customer_id, h.clock.now())).some((r) => r.id === req.id));
      const sup = supervisorFor(h.staff, agent.agent.id);
      await assert.rejects(h.rt.broker.decideReveal(await ctx(sup.id), req.id, 'approve'), (e) => isKeyholeError(e, 'CONFLICT'));
      h.clock.advance(10 * 60_000 + 1);
      assert.equal((await pendingConsents(h.rt.db, t.customer_id, h.clock.now())).length, 0);
      await assert.rejects(customerDecide(h.rt.broker.deps, customerCtx(t.customer_id), req.id, 'approve'), (e) => isKeyholeError(e, 'REQUEST_NOT_PENDING'));
      assert.equal(levelOf(await h.rt.broker.view(agent, t.id), 'totalBalance'), 'banded');
    });

    it('the customer approves a reveal, and revoking the grant ends it at once', async () => {
      const t = await ticket('withdrawal_issue', 1);
      const agent = await ctx(t.assignee_id as string);
      const req = await h.rt.broker.requestReveal(agent, t.id, ['totalBalance'], 'customer disputes the balance shown');
      await assert.rejects(customerDecide(h.rt.broker.deps, customerCtx('cus_000999'), req.id, 'approve'), (e) => isKeyholeError(e, 'REQUEST_NOT_FOUND'));
      const approved = await customerDecide(h.rt.broker.deps, customerCtx(t.customer_id), req.id, 'approve', 5);
      assert.equal(approved.status, 'approved');
      assert.ok(approved.grant);
      await customerRevokeGrant(h.rt.broker.deps, customerCtx(t.customer_id), approved.grant.id);
      assert.equal(levelOf(await h.rt.broker.view(agent, t.id), 'totalBalance'), 'banded');
      // And an unrevoked consent shows the value once.
      const again = await h.rt.broker.requestReveal(agent, t.id, ['totalBalance'], 'second look after the correction');
      await customerDecide(h.rt.broker.deps, customerCtx(t.customer_id), again.id, 'approve', 5);
      assert.equal(levelOf(await h.rt.broker.view(agent, t.id), 'totalBalance'), 'revealed');
    });

    it('supervisor_and_customer needs both, in either order', async () => {
      const t = await ticket('kyc_review', 0);
      const agent = await ctx(t.assignee_id as string);
      const req = await h.rt.broker.requestReveal(agent, t.id, ['kycDocuments'], 'documents rejected by mistake?');
      assert.equal(req.approval, 'supervisor_and_customer');
      const afterCustomer = await customerDecide(h.rt.broker.deps, customerCtx(t.customer_id), req.id, 'approve', 10);
      assert.equal(afterCustomer.status, 'pending');
      const sup = supervisorFor(h.staff, agent.agent.id);
      const done = await h.rt.broker.decideReveal(await ctx(sup.id), req.id, 'approve');
      assert.equal(done.status, 'approved');
      assert.ok(done.grant);
    });

    it('the privacy lock denies everything but break-glass, which needs two distinct security approvers', async () => {
      const t = await ticket('account_access', 4);
      const agent = await ctx(t.assignee_id as string);
      await setPrivacyLock(h.rt.broker.deps, customerCtx(t.customer_id), true);
      // The view says why (issue 14 item 3): the desk shows the lock and offers break-glass.
      await assert.rejects(h.rt.broker.view(agent, t.id), (e) => isKeyholeError(e, 'CUSTOMER_LOCKED'));
      await assert.rejects(h.rt.broker.verify(agent, t.id, 'dateOfBirth', '1990-01-01'), (e) => isKeyholeError(e, 'POLICY_DENIED'));
      await assert.rejects(h.rt.broker.requestReveal(agent, t.id, ['email'], 'caller wants to update email'), (e) => isKeyholeError(e, 'POLICY_DENIED'));
      const customer = h.customers.find((c) => c.id === t.customer_id)!;
      await assert.rejects(h.rt.broker.lookup(agent, { email: customer.fields.email as string }, { purpose: 'general_inquiry', channel: 'phone', subject: 'x' }),
        (e) => isKeyholeError(e, 'LOOKUP_NO_MATCH'));

      const bg = await requestBreakGlass(h.rt.broker.deps, agent, t.id, 'account takeover in progress, customer unreachable');
      const [s1, s2] = security();
      await assert.rejects(decideBreakGlass(h.rt.broker.deps, agent, bg.id, 'approve'), (e) => isKeyholeError(e, 'FORBIDDEN'));
      const first = await decideBreakGlass(h.rt.broker.deps, await ctx(s1 as string), bg.id, 'approve');
      assert.equal(first.status, 'pending');
      await assert.rejects(decideBreakGlass(h.rt.broker.deps, await ctx(s1 as string), bg.id, 'approve'), (e) => isKeyholeError(e, 'CONFLICT'));
      await assert.rejects(h.rt.broker.view(agent, t.id), (e) => isKeyholeError(e, 'CUSTOMER_LOCKED'));
      const second = await decideBreakGlass(h.rt.broker.deps, await ctx(s2 as string), bg.id, 'approve');
      assert.equal(second.status, 'approved');
      const view = await h.rt.broker.view(agent, t.id);
      assert.equal(levelOf(view, 'email'), 'masked');
      const notices = await h.rt.db.selectFrom('customer_notices').select('kind').where('customer_id', '=', t.customer_id).execute();
      assert.deepEqual(notices.map((x) => x.kind), ['break_glass']);
      h.clock.advance(61 * 60_000);
      await assert.rejects(h.rt.broker.view(await ctx(agent.agent.id), t.id), (e) => isKeyholeError(e, 'CUSTOMER_LOCKED'));
      await setPrivacyLock(h.rt.broker.deps, customerCtx(t.customer_id), false);
      assert.ok(await h.rt.broker.view(await ctx(agent.agent.id), t.id));
    });

    it('the portal API: demo sign-in, receipts with leaves, contacts with codes, checkup, lock; bogus passkeys refused', async () => {
      const t = await ticket('deposit_missing', 0);
      const agentCookie = await h.login(t.assignee_id as string);
      await h.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/customer`, headers: { cookie: agentCookie } });
      await h.rt.integrator.drain();
      const login = await h.app.inject({ method: 'POST', url: '/v1/customer/demo/login', payload: { customerId: t.customer_id } });
      assert.equal(login.statusCode, 200, login.body);
      const cookie = `kh_customer=${login.cookies.find((c) => c.name === 'kh_customer')?.value}`;
      const receipts = (await h.app.inject({ method: 'GET', url: '/v1/customer/receipts', headers: { cookie } })).json().receipts;
      const view = receipts.find((r: { action: string; seq: number | null }) => r.action === 'view' && r.seq !== null);
      assert.ok(view, JSON.stringify(receipts).slice(0, 300));
      assert.equal(JSON.parse(view.leaf).customerId, t.customer_id);
      assert.match(view.agent.pseudonym, /^[A-Z][a-z]+ [A-Z][a-z]+ \d\d$/);
      assert.ok(!JSON.stringify(receipts).includes(t.assignee_id as string) || JSON.parse(view.leaf).agentId === t.assignee_id);
      const contacts = (await h.app.inject({ method: 'GET', url: '/v1/customer/support-contacts', headers: { cookie } })).json();
      const contact = contacts.contacts.find((c: { ticketId: string }) => c.ticketId === t.id);
      const desk = (await h.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}`, headers: { cookie: agentCookie } })).json();
      assert.match(contact.contactCode, /^\d{6}$/);
      assert.equal(desk.contactCode, contact.contactCode);
      const checkup = (await h.app.inject({ method: 'GET', url: '/v1/customer/checkup', headers: { cookie } })).json();
      assert.ok(checkup.score >= 0 && checkup.score <= 100 && checkup.items.length === 4);
      const lock = await h.app.inject({ method: 'PUT', url: '/v1/customer/lock', headers: { cookie }, payload: { locked: true } });
      assert.ok(lock.json().lockedAt);
      const denied = await h.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/customer`, headers: { cookie: agentCookie } });
      assert.equal(denied.statusCode, 403);
      await h.app.inject({ method: 'PUT', url: '/v1/customer/lock', headers: { cookie }, payload: { locked: false } });
      const bogus = await h.app.inject({ method: 'POST', url: '/v1/customer/passkeys/login/verify', payload: { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: 'e30' } } });
      assert.equal(bogus.statusCode, 401);
      assert.equal(bogus.json().error.code, 'PASSKEY_INVALID');
      const anon = await h.app.inject({ method: 'GET', url: '/v1/customer/receipts' });
      assert.equal(anon.statusCode, 401);
      const agentAsCustomer = await h.app.inject({ method: 'GET', url: '/v1/customer/receipts', headers: { cookie: agentCookie } });
      assert.equal(agentAsCustomer.statusCode, 401);
    });
  });
}
