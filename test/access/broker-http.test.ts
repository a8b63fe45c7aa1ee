// The access broker end to end through the HTTP API, on every test database: the view, verify,
// reveal with four-eyes approval, lookup, tickets, and the invariants of DESIGN.md.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { DATABASES } from '../support/databases.js';
import { secretLeaves, startHarness, supervisorFor as supervisorIn, type Harness } from '../support/harness.js';

for (const backend of DATABASES) {
  describe(`broker over HTTP on ${backend.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(async () => h.close());

    /** An open ticket of `purpose` with its assignee, the assignee's cookie and its customer. */
    async function ticketOf(purpose: string, skip = 0) {
      const t = await h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', purpose).where('status', '=', 'open').orderBy('id').offset(skip).limit(1).executeTakeFirstOrThrow();
      const cookie = await h.login(t.assignee_id as string);
      const customer = h.customers.find((c) => c.id === t.customer_id);
      assert.ok(customer);
      return { t, cookie, customer };
    }
    const supervisorFor = (agentId: string) => supervisorIn(h.staff, agentId);

    it('rejects requests without a session', async () => {
      const r = await h.app.inject({ method: 'GET', url: '/v1/tickets' });
      assert.equal(r.statusCode, 401);
      assert.equal(r.json().error.code, 'UNAUTHENTICATED');
    });

    it('shows the masked customer of an own ticket and records the view before answering', async () => {
      const { t, cookie, customer } = await ticketOf('withdrawal_issue');
      const pendingBefore = await h.rt.db.selectFrom('audit_pending').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const r = await h.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/customer`, headers: { cookie } });
      assert.equal(r.statusCode, 200, r.body);
      const view = r.json();
      const email = view.fields.find((f: { name: string }) => f.name === 'email');
      assert.equal(email.level, 'masked');
      assert.match(email.value, /\*\*\*/);
      assert.notEqual(email.value, customer.fields.email);
      const dob = view.fields.find((f: { name: string }) => f.name === 'dateOfBirth');
      assert.deepEqual([dob.level, dob.value, dob.verifiable], ['verify_only', null, true]);
      for (const secret of secretLeaves(customer, ['email', 'phone', 'dateOfBirth', 'address', 'governmentId', 'bankAccounts', 'lastLoginIp'])) {
        assert.ok(!r.body.includes(secret), `view leaked ${secret.slice(0, 3)}…`);
      }
      const pendingAfter = await h.rt.db.selectFrom('audit_pending').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(pendingAfter.n), Number(pendingBefore.n) + 1);
    });

    it('answers a ticket of another agent exactly like a ticket that does not exist (invariant 2)', async () => {
      const { t } = await ticketOf('account_access');
      const other = h.staff.find((s) => s.role === 'agent' && s.id !== t.assignee_id) as { id: string };
      const cookie = await h.login(other.id);
      const theirs = await h.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/customer`, headers: { cookie } });
      const missing = await h.app.inject({ method: 'GET', url: '/v1/tickets/tkt_99999/customer', headers: { cookie } });
      assert.equal(theirs.statusCode, 404);
      assert.equal(theirs.statusCode, missing.statusCode);
      assert.equal(theirs.body, missing.body);
      for (const url of ['', '/verify']) {
        const a = await h.app.inject({ method: url ? 'POST' : 'GET', url: `/v1/tickets/${t.id}${url || ''}`, headers: { cookie }, ...(url ? { payload: { field: 'dateOfBirth', answer: '1990-01-01' } } : {}) });
        const b = await h.app.inject({ method: url ? 'POST' : 'GET', url: `/v1/tickets/tkt_99999${url || ''}`, headers: { cookie }, ...(url ? { payload: { field: 'dateOfBirth', answer: '1990-01-01' } } : {}) });
        assert.equal(a.body, b.body);
      }
    });

    it('verifies without viewing and locks after 5 failures in 24 h', async () => {
      const { t, cookie, customer } = await ticketOf('account_access', 1);
      const url = `/v1/tickets/${t.id}/verify`;
      const dob = customer.fields.dateOfBirth as string;
      const [y, m, d] = dob.split('-');
      const ok = await h.app.inject({ method: 'POST', url, headers: { cookie }, payload: { field: 'dateOfBirth', answer: `${d}/${m}/${y}` } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(ok.json(), { match: true, attemptsLeft: 5 });
      assert.ok(!ok.body.includes(dob));
      for (let i = 4; i >= 0; i--) {
        const bad = await h.app.inject({ method: 'POST', url, headers: { cookie }, payload: { field: 'dateOfBirth', answer: '1900-01-01' } });
        assert.deepEqual(bad.json(), { match: false, attemptsLeft: i });
      }
      const locked = await h.app.inject({ method: 'POST', url, headers: { cookie }, payload: { field: 'dateOfBirth', answer: dob } });
      assert.equal(locked.statusCode, 429);
      assert.equal(locked.json().error.code, 'VERIFY_LOCKED');
      h.clock.advance(24 * 3600 * 1000 + 1000);
      const fresh = await h.login(t.assignee_id as string); // the old session expired with the day
      const again = await h.app.inject({ method: 'POST', url, headers: { cookie: fresh }, payload: { field: 'dateOfBirth', answer: dob } });
      assert.equal(again.json().match, true);
    });

    it('reveals a field once after a different supervisor approves (four-eyes)', async () => {
      const { t, cookie, customer } = await ticketOf('account_access', 2);
      const req = await h.app.inject({ method: 'POST', url: `/v1/tickets/${t.id}/reveals`, headers: { cookie }, payload: { fields: ['email'], reason: 'Customer cannot receive our e-mails' } });
      assert.equal(req.statusCode, 201, req.body);
      const id = req.json().id;
      const self = await h.app.inject({ method: 'POST', url: `/v1/reveal-requests/${id}/approve`, headers: { cookie }, payload: {} });
      assert.equal(self.statusCode, 403);
      const sup = await h.login(supervisorFor(t.assignee_id as string).id);
      const queue = await h.app.inject({ method: 'GET', url: '/v1/reveal-requests?status=pending', headers: { cookie: sup } });
      assert.ok(queue.json().requests.some((r: { id: string }) => r.id === id));
      const ok = await h.app.inject({ method: 'POST', url: `/v1/reveal-requests/${id}/approve`, headers: { cookie: sup }, payload: { comment: 'ok', durationMinutes: 10 } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().status, 'approved');
      const twice = await h.app.inject({ method: 'POST', url: `/v1/reveal-requests/${id}/approve`, headers: { cookie: sup }, payload: {} });
      assert.equal(twice.json().error.code, 'REQUEST_NOT_PENDING');
      const first = await h.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/customer`, headers: { cookie } });
      const email = first.json().fields.find((f: { name: string }) => f.name === 'email');
      assert.deepEqual([email.level, email.value], ['revealed', customer.fields.email]);
      assert.ok(email.grantExpiresAt);
      const second = await h.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/customer`, headers: { cookie } });
      assert.equal(second.json().fields.find((f: { name: string }) => f.name === 'email').level, 'masked');
      assert.ok(!second.body.includes(customer.fields.email as string));
    });

    it('refuses a reveal the purpose does not allow', async () => {
      const { t, cookie } = await ticketOf('general_inquiry');
      const r = await h.app.inject({ method: 'POST', url: `/v1/tickets/${t.id}/reveals`, headers: { cookie }, payload: { fields: ['governmentId'], reason: 'just curious about it' } });
      assert.equal(r.statusCode, 403);
      assert.equal(r.json().error.code, 'REVEAL_NOT_ALLOWED');
    });

    it('looks up by exact e-mail and phone, and a miss is the same whether or not the customer exists', async () => {
      const agent = h.staff.find((s) => s.role === 'agent') as { id: string; regions: readonly string[] };
      const cookie = await h.login(agent.id);
      const mine = h.customers.find((c) => agent.regions.includes(c.jurisdiction));
      const foreign = h.customers.find((c) => !agent.regions.includes(c.jurisdiction));
      assert.ok(mine && foreign);
      const hit = await h.app.inject({ method: 'POST', url: '/v1/lookups', headers: { cookie }, payload: { email: `  ${(mine.fields.email as string).toUpperCase()} ` } });
      assert.equal(hit.statusCode, 201, hit.body);
      assert.equal(hit.json().customerId, mine.id);
      assert.equal(hit.json().assigneeId, agent.id);
      const byPhone = await h.app.inject({ method: 'POST', url: '/v1/lookups', headers: { cookie }, payload: { phone: mine.fields.phone } });
      assert.equal(byPhone.json().customerId, mine.id);
      const nobody = await h.app.inject({ method: 'POST', url: '/v1/lookups', headers: { cookie }, payload: { email: 'nobody-at-all@example.org' } });
      const outOfRegion = await h.app.inject({ method: 'POST', url: '/v1/lookups', headers: { cookie }, payload: { email: foreign.fields.email } });
      assert.equal(nobody.statusCode, 404);
      assert.equal(outOfRegion.statusCode, 404);
      assert.equal(outOfRegion.body, nobody.body);
    });

    it('closing a ticket revokes its grants and ends access to the customer', async () => {
      const { t, cookie } = await ticketOf('account_access', 3);
      const req = await h.app.inject({ method: 'POST', url: `/v1/tickets/${t.id}/reveals`, headers: { cookie }, payload: { fields: ['phone'], reason: 'SIM swap check with caller' } });
      const sup = await h.login(supervisorFor(t.assignee_id as string).id);
      await h.app.inject({ method: 'POST', url: `/v1/reveal-requests/${req.json().id}/approve`, headers: { cookie: sup }, payload: {} });
      const closed = await h.app.inject({ method: 'POST', url: `/v1/tickets/${t.id}/close`, headers: { cookie } });
      assert.equal(closed.json().status, 'closed');
      const g = await h.rt.db.selectFrom('grants').select(['revoked_at', 'used_at']).where('ticket_id', '=', t.id).executeTakeFirstOrThrow();
      assert.ok(g.revoked_at && !g.used_at);
      const view = await h.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/customer`, headers: { cookie } });
      assert.equal(view.statusCode, 404);
    });

    it('rejects bad input with a stable code and writes nothing (invariant 6)', async () => {
      const { t, cookie } = await ticketOf('deposit_missing');
      const count = async () => {
        const r = await sql<{ n: string }>`select (select count(*) from audit_pending) + (select count(*) from reveal_requests) + (select count(*) from tickets) + (select count(*) from verify_attempts) + (select count(*) from grants) as n`.execute(h.rt.db);
        return Number(r.rows[0]?.n);
      };
      const before = await count();
      const cases: Array<[string, string, unknown, string]> = [
        ['POST', `/v1/tickets/${t.id}/verify`, { field: 'dateOfBirth' }, 'VALIDATION_FAILED'],
        ['POST', `/v1/tickets/${t.id}/verify`, { field: 'favouriteColour', answer: 'x' }, 'VALIDATION_FAILED'],
        ['POST', `/v1/tickets/${t.id}/verify`, { field: 'dateOfBirth', answer: 'x', extra: 1 }, 'VALIDATION_FAILED'],
        ['POST', `/v1/tickets/${t.id}/reveals`, { fields: [], reason: 'because reasons' }, 'VALIDATION_FAILED'],
        ['POST', `/v1/tickets/${t.id}/reveals`, { fields: ['email'], reason: 'x' }, 'VALIDATION_FAILED'],
        ['POST', '/v1/lookups', { email: 'a@b.c', phone: '+4915112345678' }, 'VALIDATION_FAILED'],
        ['POST', '/v1/lookups', {}, 'VALIDATION_FAILED'],
        ['GET', '/v1/tickets/..%2F..%2Fetc/customer', undefined, 'VALIDATION_FAILED'],
        ['POST', '/v1/reveal-requests/rvl_x/approve', { durationMinutes: 600 }, 'VALIDATION_FAILED'],
        ['GET', '/v1/nope', undefined, 'ROUTE_NOT_FOUND'],
      ];
      for (const [method, url, payload, code] of cases) {
        const r = await h.app.inject({ method: method as 'GET', url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) });
        assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${url}: ${r.statusCode}`);
        assert.equal(r.json().error.code, code, `${method} ${url}: ${r.body}`);
      }
      const raw = await h.app.inject({ method: 'POST', url: '/v1/lookups', headers: { cookie, 'content-type': 'application/json' }, payload: '{"email": ' });
      assert.equal(raw.statusCode, 400);
      assert.equal(raw.json().error.code, 'BAD_REQUEST');
      assert.equal(await count(), before);
    });

    it('serves the OpenAPI document', async () => {
      const r = await h.app.inject({ method: 'GET', url: '/docs/json' });
      assert.equal(r.statusCode, 200);
      assert.ok(r.json().paths['/v1/tickets/{id}/customer']);
    });
  });
}
