// The ticket gate (src/access/ticket-gate.ts), one refusing condition at a time: a missing
// ticket, somebody else's ticket, an unassigned one, a closed one and an erased customer's all
// answer TICKET_NOT_FOUND, each with its own recorded reason (so removing any condition, or
// mixing up the reasons, fails a test); the row carries the customer's lock, decoy and erasure
// flags as stored; the claiming variant claims only the caller's live grants, once, and a
// refused claim rolls back. Issue 20: the access mutation group runs this file.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadAgent } from '../../src/access/agents.js';
import type { RequestContext } from '../../src/access/model.js';
import { loadTicket, openTicketClaimingGrants, openTicketOf } from '../../src/access/ticket-gate.js';
import type { RecordInput } from '../../src/access/recorder.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, supervisorFor, TEST_DEMO, type Harness } from '../support/harness.js';

// PostgreSQL first when it is set: it starts in seconds where PGlite takes tens, so the mutation
// run (issue 20), which stops a file at its first failure, kills most mutants before PGlite starts.
for (const backend of [...DATABASES].reverse()) {
  describe(`ticket gate on ${backend.name}`, () => {
    let h: Harness;
    // Open, assigned account_access tickets of distinct non-decoy customers, one per test.
    let tickets: Array<{ id: string; assignee_id: string; customer_id: string }>;
    let next = 0;
    let n = 0;
    before(async () => {
      h = await startHarness(backend, TEST_DEMO, { detect: false });
      const rows = await h.rt.db.selectFrom('tickets').innerJoin('customers', 'customers.id', 'tickets.customer_id')
        .select(['tickets.id', 'tickets.assignee_id', 'tickets.customer_id'])
        .where('tickets.status', '=', 'open').where('tickets.assignee_id', 'is not', null).where('tickets.purpose', '=', 'account_access')
        .where('customers.is_decoy', '=', false).orderBy('tickets.id').execute();
      const seen = new Set<string>();
      tickets = rows.filter((r) => !seen.has(r.customer_id) && seen.add(r.customer_id)) as typeof tickets;
    });
    after(() => h.close());

    function fresh() {
      const t = tickets[next++];
      assert.ok(t, 'the test demo has enough open tickets');
      return t;
    }
    async function ctx(agentId: string): Promise<RequestContext> {
      const agent = await loadAgent(h.rt.db, agentId);
      assert.ok(agent);
      return { agent, requestId: `req_gate_${backend.name}_${n++}` };
    }
    async function otherAgent(than: string): Promise<RequestContext> {
      const a = await h.rt.db.selectFrom('agents').select('id').where('role', '=', 'agent').where('id', '!=', than).orderBy('id').executeTakeFirstOrThrow();
      return ctx(a.id);
    }
    /** A fresh ticket, its assignee's context, and one 15-minute grant approved by their
     *  supervisor for each field of `fields` (in order). */
    async function grantedTicket(fields: ReadonlyArray<'email' | 'phone'> = ['email']) {
      const t = fresh();
      const c = await ctx(t.assignee_id);
      const sup = supervisorFor(h.staff, t.assignee_id);
      for (const field of fields) {
        const req = await h.rt.broker.requestReveal(c, t.id, [field], 'caller asked to confirm contact');
        await h.rt.broker.decideReveal(await ctx(sup.id), req.id, 'approve', { durationMinutes: 15 });
      }
      return { t, c };
    }
    /** Asserts `p` is refused with TICKET_NOT_FOUND carrying exactly `deny` as its record. */
    async function refused(p: Promise<unknown>, deny: RecordInput) {
      await assert.rejects(p, (e) => {
        assert.ok(isKeyholeError(e, 'TICKET_NOT_FOUND'), String(e));
        assert.deepEqual(e.details?.deny, deny);
        return true;
      });
    }

    it('returns the caller\'s open ticket with its customer\'s attributes as stored', async () => {
      const t = fresh();
      const row = await openTicketOf(h.rt.db, await ctx(t.assignee_id), t.id, 'view');
      const db = await h.rt.db.selectFrom('tickets').innerJoin('customers', 'customers.id', 'tickets.customer_id').selectAll('tickets')
        .select(['customers.jurisdiction', 'customers.account_id', 'customers.tier', 'customers.status as customer_status', 'customers.created_at as customer_created_at'])
        .where('tickets.id', '=', t.id).executeTakeFirstOrThrow();
      assert.deepEqual(row, {
        id: t.id, customerId: t.customer_id, purpose: 'account_access', status: 'open', assigneeId: t.assignee_id, channel: db.channel, subject: db.subject,
        referencedTx: db.referenced_tx, createdAt: db.created_at, closedAt: null,
        customer: { accountId: db.account_id, tier: db.tier, status: db.customer_status, createdAt: db.customer_created_at, jurisdiction: db.jurisdiction, isDecoy: false, erased: false, locked: false },
        contactCode: db.contact_code,
      });
    });

    it('a missing ticket: TICKET_NOT_FOUND, no customer, the requested id recorded (at most 64 characters)', async () => {
      const c = await ctx(tickets[0]!.assignee_id);
      await refused(openTicketOf(h.rt.db, c, 'tkt_nope', 'verify'),
        { action: 'verify', customerId: null, ticketId: null, decision: 'deny', reason: 'no such ticket', details: { requestedTicketId: 'tkt_nope' } });
      const long = `tkt_${'x'.repeat(100)}`;
      await refused(openTicketOf(h.rt.db, c, long, 'view'),
        { action: 'view', customerId: null, ticketId: null, decision: 'deny', reason: 'no such ticket', details: { requestedTicketId: long.slice(0, 64) } });
      assert.equal(await loadTicket(h.rt.db, long), undefined);
    });

    it('somebody else\'s ticket: TICKET_NOT_FOUND, "not assigned", even though it is open', async () => {
      const t = fresh();
      await refused(openTicketOf(h.rt.db, await otherAgent(t.assignee_id), t.id, 'verify'),
        { action: 'verify', customerId: t.customer_id, ticketId: t.id, decision: 'deny', reason: 'ticket not assigned to agent', details: {} });
    });

    it('an unassigned ticket: TICKET_NOT_FOUND for every agent', async () => {
      const t = fresh();
      await h.rt.db.updateTable('tickets').set({ assignee_id: null }).where('id', '=', t.id).execute();
      await refused(openTicketOf(h.rt.db, await ctx(t.assignee_id), t.id, 'view'),
        { action: 'view', customerId: t.customer_id, ticketId: t.id, decision: 'deny', reason: 'ticket not assigned to agent', details: {} });
    });

    it('a closed ticket: TICKET_NOT_FOUND for its own assignee, "ticket closed"; loadTicket still reads it', async () => {
      const t = fresh();
      const closedAt = h.clock.now();
      await h.rt.db.updateTable('tickets').set({ status: 'closed', closed_at: closedAt }).where('id', '=', t.id).execute();
      await refused(openTicketOf(h.rt.db, await ctx(t.assignee_id), t.id, 'verify'),
        { action: 'verify', customerId: t.customer_id, ticketId: t.id, decision: 'deny', reason: 'ticket closed', details: {} });
      // Closed and somebody else's: the assignment is named first.
      await refused(openTicketOf(h.rt.db, await otherAgent(t.assignee_id), t.id, 'verify'),
        { action: 'verify', customerId: t.customer_id, ticketId: t.id, decision: 'deny', reason: 'ticket not assigned to agent', details: {} });
      const row = await loadTicket(h.rt.db, t.id);
      assert.deepEqual([row?.status, row?.closedAt?.getTime()], ['closed', closedAt.getTime()]);
    });

    it('an erased customer\'s open ticket: TICKET_NOT_FOUND, "customer erased"', async () => {
      const t = fresh();
      await h.rt.db.updateTable('customers').set({ erased_at: h.clock.now() }).where('id', '=', t.customer_id).execute();
      await refused(openTicketOf(h.rt.db, await ctx(t.assignee_id), t.id, 'view'),
        { action: 'view', customerId: t.customer_id, ticketId: t.id, decision: 'deny', reason: 'customer erased', details: {} });
      assert.equal((await loadTicket(h.rt.db, t.id))?.customer.erased, true);
      await refused(h.rt.broker.view(await ctx(t.assignee_id), t.id) as Promise<unknown>,
        { action: 'view', customerId: t.customer_id, ticketId: t.id, decision: 'deny', reason: 'customer erased', details: {} });
    });

    it('carries the customer\'s privacy lock and decoy flag: a locked customer\'s view is refused', async () => {
      const t = fresh();
      const c = await ctx(t.assignee_id);
      await h.rt.broker.view(c, t.id);
      await h.rt.db.updateTable('customers').set({ locked_at: h.clock.now(), is_decoy: true }).where('id', '=', t.customer_id).execute();
      const row = await openTicketOf(h.rt.db, c, t.id, 'view');
      assert.deepEqual([row.customer.locked, row.customer.isDecoy, row.customer.erased], [true, true, false]);
      await h.rt.db.updateTable('customers').set({ is_decoy: false }).where('id', '=', t.customer_id).execute();
      await assert.rejects(h.rt.broker.view(await ctx(t.assignee_id), t.id), (e) => isKeyholeError(e, 'CUSTOMER_LOCKED'));
    });

    it('claims the caller\'s live grant once; a view shows it once', async () => {
      const { t, c } = await grantedTicket();
      const grant = await h.rt.db.selectFrom('grants').select(['id', 'expires_at']).where('ticket_id', '=', t.id).executeTakeFirstOrThrow();
      // Somebody else cannot claim it: refused, and the claim is rolled back with the refusal.
      const other = await otherAgent(t.assignee_id);
      await assert.rejects(h.rt.db.transaction().execute((trx) => openTicketClaimingGrants(trx, other, t.id, h.clock.now())), (e) => isKeyholeError(e, 'TICKET_NOT_FOUND'));
      await refused(h.rt.db.transaction().execute((trx) => openTicketClaimingGrants(trx, c, 'tkt_nope', h.clock.now())),
        { action: 'view', customerId: null, ticketId: null, decision: 'deny', reason: 'no such ticket', details: { requestedTicketId: 'tkt_nope' } });
      // A refused claim by the assignee (ticket closed for the moment) rolls back too.
      await h.rt.db.updateTable('tickets').set({ status: 'closed' }).where('id', '=', t.id).execute();
      await assert.rejects(h.rt.db.transaction().execute((trx) => openTicketClaimingGrants(trx, c, t.id, h.clock.now())), (e) => isKeyholeError(e, 'TICKET_NOT_FOUND'));
      await h.rt.db.updateTable('tickets').set({ status: 'open' }).where('id', '=', t.id).execute();
      assert.equal((await h.rt.db.selectFrom('grants').select('used_at').where('id', '=', grant.id).executeTakeFirstOrThrow()).used_at, null);

      const first = await h.rt.db.transaction().execute((trx) => openTicketClaimingGrants(trx, c, t.id, h.clock.now()));
      assert.equal(first.ticket.id, t.id);
      assert.deepEqual(first.claimed, [{ id: grant.id, fields: ['email'], expiresAt: grant.expires_at }]);
      const second = await h.rt.db.transaction().execute((trx) => openTicketClaimingGrants(trx, c, t.id, h.clock.now()));
      assert.deepEqual(second.claimed, []);
    });

    it('a view renders a granted field once and records the grant it used', async () => {
      const { t } = await grantedTicket();
      const grant = await h.rt.db.selectFrom('grants').select('id').where('ticket_id', '=', t.id).executeTakeFirstOrThrow();
      const v1 = await h.rt.broker.view(await ctx(t.assignee_id), t.id);
      assert.deepEqual([v1.fields.find((f) => f.name === 'email')?.level, v1.grantsUsed], ['revealed', [grant.id]]);
      const v2 = await h.rt.broker.view(await ctx(t.assignee_id), t.id);
      assert.notEqual(v2.fields.find((f) => f.name === 'email')?.level, 'revealed');
      assert.deepEqual(v2.grantsUsed, []);
    });

    it('a revoked grant is not claimed, nor one given to the ticket\'s previous assignee', async () => {
      const { t, c } = await grantedTicket(['email', 'phone']);
      const [revoked, live] = await h.rt.db.selectFrom('grants').select(['id', 'fields']).where('ticket_id', '=', t.id).orderBy('created_at').orderBy('id').execute();
      assert.ok(revoked && live);
      await h.rt.db.updateTable('grants').set({ revoked_at: h.clock.now(), revoke_reason: 'test' }).where('id', '=', revoked.id).execute();
      // The ticket moves to another agent: the previous assignee's grant is not theirs to use.
      const other = await otherAgent(t.assignee_id);
      await h.rt.db.updateTable('tickets').set({ assignee_id: other.agent.id }).where('id', '=', t.id).execute();
      const r = await h.rt.db.transaction().execute((trx) => openTicketClaimingGrants(trx, other, t.id, h.clock.now()));
      assert.deepEqual(r.claimed, []);
      // Back with its assignee: only the live grant, not the revoked one.
      await h.rt.db.updateTable('tickets').set({ assignee_id: t.assignee_id }).where('id', '=', t.id).execute();
      const mine = await h.rt.db.transaction().execute((trx) => openTicketClaimingGrants(trx, c, t.id, h.clock.now()));
      assert.deepEqual(mine.claimed.map((g) => g.id), [live.id]);
    });

    it('the guard\'s prefetch column is read in the same statement, and only when asked for', async () => {
      const { t, c } = await grantedTicket();
      const column = `json_build_object('ticket', t.id, 'tier', c.tier)`;
      const tier = (await h.rt.db.selectFrom('customers').select('tier').where('id', '=', t.customer_id).executeTakeFirstOrThrow()).tier;
      for (let round = 0; round < 2; round++) { // the second round uses the statement built once for this column
        const r = await h.rt.db.transaction().execute((trx) => openTicketClaimingGrants(trx, c, t.id, h.clock.now(), { column }));
        assert.deepEqual(r.guardPrefetched, { ticket: t.id, tier }, `round ${round}`);
        assert.equal(r.ticket.id, t.id);
      }
      const other = await h.rt.db.transaction().execute((trx) => openTicketClaimingGrants(trx, c, t.id, h.clock.now(), { column: `json_build_object('n', 7)` }));
      assert.deepEqual(other.guardPrefetched, { n: 7 });
      const plain = await h.rt.db.transaction().execute((trx) => openTicketClaimingGrants(trx, c, t.id, h.clock.now()));
      assert.equal('guardPrefetched' in plain, false);
    });

    it('an expired grant is not claimed', async () => {
      const { t, c } = await grantedTicket();
      const grant = await h.rt.db.selectFrom('grants').select('expires_at').where('ticket_id', '=', t.id).executeTakeFirstOrThrow();
      const at = new Date(grant.expires_at.getTime());
      const r = await h.rt.db.transaction().execute((trx) => openTicketClaimingGrants(trx, c, t.id, at));
      assert.deepEqual(r.claimed, []);
    });
  });
}
