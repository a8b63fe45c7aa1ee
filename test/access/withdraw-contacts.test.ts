// Issue 14 item 1: a suspended or contained agent's support contacts are withdrawn. Their open
// tickets go to a teammate (or are parked) with a new contact code, each hand-over is on the
// log, and the customer's portal lists the old pseudonym and code as no longer from support —
// through the security console's suspension and through detection's containment alike.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { agentPseudonym } from '../../src/access/pseudonym.js';
import { containInTransaction, type DetectDb } from '../../src/detect/containment.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

interface Contacts {
  contacts: { ticketId: string; agentPseudonym: string | null; contactCode: string | null }[];
  withdrawn: { ticketId: string; agentPseudonym: string; contactCode: string | null; withdrawnAt: string }[];
}

for (const backend of DATABASES) {
  describe(`withdrawn support contacts on ${backend.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(async () => h.close());

    async function customerCookie(customerId: string): Promise<string> {
      const r = await h.app.inject({ method: 'POST', url: '/v1/customer/demo/login', payload: { customerId } });
      assert.equal(r.statusCode, 200, r.body);
      return `kh_customer=${r.cookies.find((c) => c.name === 'kh_customer')?.value}`;
    }
    async function contacts(cookie: string): Promise<Contacts> {
      const r = await h.app.inject({ method: 'GET', url: '/v1/customer/support-contacts', headers: { cookie } });
      assert.equal(r.statusCode, 200, r.body);
      return r.json() as Contacts;
    }
    /** An agent with open tickets, and one of those tickets. */
    async function busyAgent(skip: readonly string[] = []) {
      const t = await h.rt.db.selectFrom('tickets').selectAll().where('status', '=', 'open').where('assignee_id', 'is not', null)
        .where('assignee_id', 'not in', ['-', ...skip]).orderBy('id').limit(1).executeTakeFirstOrThrow();
      return { agentId: t.assignee_id as string, ticket: t };
    }

    it('a suspension by security withdraws every open ticket with a new code; the portal says the old contact is not support', async () => {
      const { agentId, ticket } = await busyAgent();
      const open = await h.rt.db.selectFrom('tickets').select(['id', 'contact_code', 'customer_id']).where('assignee_id', '=', agentId).where('status', '=', 'open').execute();
      const cust = await customerCookie(ticket.customer_id);
      const beforeSuspension = await contacts(cust);
      const pseudonym = await agentPseudonym(h.rt.vault, agentId);
      const shown = beforeSuspension.contacts.find((c) => c.ticketId === ticket.id);
      assert.deepEqual([shown?.agentPseudonym, shown?.contactCode], [pseudonym, ticket.contact_code]);
      assert.deepEqual(beforeSuspension.withdrawn, []);

      const security = h.staff.find((s) => s.role === 'security')!;
      const r = await h.app.inject({ method: 'POST', url: `/v1/agents/${agentId}/suspend`, headers: { cookie: await h.login(security.id) }, payload: { reason: 'photographing the screen' } });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().ticketsWithdrawn, open.length);

      const after = await h.rt.db.selectFrom('tickets').select(['id', 'assignee_id', 'contact_code']).where('id', 'in', open.map((t) => t.id)).execute();
      for (const t of after) {
        assert.notEqual(t.assignee_id, agentId, 'no ticket stays with the suspended agent');
        assert.notEqual(t.contact_code, open.find((o) => o.id === t.id)?.contact_code, 'every ticket has a new contact code');
        assert.match(t.contact_code ?? '', /^\d{6}$/);
      }
      const now = await contacts(cust);
      const w = now.withdrawn.find((x) => x.ticketId === ticket.id);
      assert.ok(w, 'the withdrawn contact is listed');
      assert.deepEqual([w.agentPseudonym, w.contactCode], [pseudonym, ticket.contact_code]);
      const still = now.contacts.find((c) => c.ticketId === ticket.id);
      assert.ok(still, 'the ticket itself stays open');
      assert.notEqual(still.contactCode, ticket.contact_code);
      assert.notEqual(still.agentPseudonym, pseudonym, 'the portal no longer vouches for the suspended agent');
      assert.ok(!now.contacts.some((c) => c.agentPseudonym === pseudonym));

      const notices = (await h.app.inject({ method: 'GET', url: '/v1/customer/notices', headers: { cookie: cust } })).json().notices as { kind: string }[];
      assert.ok(notices.some((n) => n.kind === 'contact_withdrawn'));
      const records = await h.rt.db.selectFrom('audit_pending').select('entry').execute();
      const assigns = records.map((x) => (typeof x.entry === 'string' ? JSON.parse(x.entry) : x.entry) as { action: string; ticketId: string; details: Record<string, unknown> })
        .filter((x) => x.action === 'ticket_assign' && x.details.from === agentId);
      assert.deepEqual(assigns.map((a) => a.ticketId).sort(), open.map((t) => t.id).sort(), 'each hand-over is on the log');
      assert.ok(assigns.every((a) => a.details.contactCodeChanged === true && a.details.by === 'security'));
    });

    it('a containment by detection withdraws the contacts too', async () => {
      const suspended = (await h.rt.db.selectFrom('agents').select('id').where('status', '=', 'suspended').execute()).map((a) => a.id);
      const { agentId, ticket } = await busyAgent(suspended);
      const db = h.rt.db as unknown as DetectDb;
      const c = await db.transaction().execute((trx) => containInTransaction(trx, {
        agentId, source: 'detector', reason: 'volume far above baseline', triggerSeq: null, requestId: null, evidence: {}, now: h.clock.now(),
      }));
      assert.ok(c);
      assert.ok(c.record.details.ticketsWithdrawn as number >= 1);
      const now = await contacts(await customerCookie(ticket.customer_id));
      assert.equal(now.withdrawn.find((w) => w.ticketId === ticket.id)?.contactCode, ticket.contact_code);
      const t = await h.rt.db.selectFrom('tickets').select(['assignee_id', 'contact_code']).where('id', '=', ticket.id).executeTakeFirstOrThrow();
      assert.notEqual(t.assignee_id, agentId);
      assert.notEqual(t.contact_code, ticket.contact_code);
    });
  });
}
