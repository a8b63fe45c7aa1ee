// Crypto-shredding on the record (issue 19): `customer_erase` is appended in the same transaction
// as the key destruction, with who and why; the customer's live grants, pending reveal and
// break-glass requests are revoked and their open tickets closed; an erase without a reason, by
// someone who is not security staff, or of an erased customer changes nothing. The incident's
// timeline shows the erase, the blast radius marks the erased customer and notifications skip them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadAgent } from '../../src/access/agents.js';
import { eraseCustomerOnRecord } from '../../src/access/erasure.js';
import { incidentService } from '../../src/server/routes/incident.js';
import { incidentConfigFromEnv } from '../../src/incident/config.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

const is = (c: Parameters<typeof isKeyholeError>[1]) => (e: unknown) => isKeyholeError(e, c);

for (const backend of DATABASES) {
  describe(`erase-customer on the record, ${backend.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(async () => h.close());

    async function pendingErases(): Promise<Record<string, unknown>[]> {
      const r = await sql<{ entry: string }>`select entry::text as entry from audit_pending union all select entry::text from audit_log`.execute(h.rt.db);
      return r.rows.map((x) => JSON.parse(x.entry)).filter((e) => e.action === 'customer_erase');
    }

    it('revokes grants and requests, closes tickets and records who and why, in one transaction', async () => {
      const t = await h.rt.db.selectFrom('tickets').selectAll().where('status', '=', 'open').where('assignee_id', 'is not', null).orderBy('id').limit(1).executeTakeFirstOrThrow();
      const customerId = t.customer_id;
      const agentId = t.assignee_id as string;
      const sup = h.staff.find((s) => s.role === 'supervisor')!.id;
      const now = h.clock.now();
      const later = new Date(now.getTime() + 3_600_000);
      const agent = (await loadAgent(h.rt.db, agentId))!;
      await h.rt.broker.view({ agent, requestId: 'req_erase_view' }, t.id); // something for the blast radius (before the grant: a view uses it)
      // a pending reveal request, an approved one with a live grant, a pending break-glass request
      await h.rt.db.insertInto('reveal_requests').values([
        { id: 'rr_erase_1', ticket_id: t.id, agent_id: agentId, customer_id: customerId, fields: ['phone'], reason: 'callback', approval: 'supervisor', status: 'pending', decided_by: null, decided_at: null, comment: null, created_at: now, expires_at: later },
        { id: 'rr_erase_2', ticket_id: t.id, agent_id: agentId, customer_id: customerId, fields: ['email'], reason: 'send form', approval: 'supervisor', status: 'approved', decided_by: sup, decided_at: now, comment: null, created_at: now, expires_at: later },
      ] as never).execute();
      await h.rt.db.insertInto('grants').values({ id: 'gr_erase_1', request_id: 'rr_erase_2', ticket_id: t.id, agent_id: agentId, customer_id: customerId, fields: ['email'], created_at: now, expires_at: later, used_at: null, revoked_at: null, revoke_reason: null } as never).execute();
      await h.rt.db.insertInto('break_glass_requests').values({ id: 'bg_erase_1', ticket_id: t.id, agent_id: agentId, customer_id: customerId, reason: 'locked account emergency', status: 'pending', approvers: [], created_at: now, expires_at: later, approved_at: null } as never).execute();

      const deps = { db: h.rt.db, vault: h.rt.vault, clock: h.clock };
      await assert.rejects(eraseCustomerOnRecord(deps, { customerId, staffId: 'sec_01' }), is('REASON_REQUIRED'));
      await assert.rejects(eraseCustomerOnRecord(deps, { customerId, staffId: 'sec_01', reason: '   ' }), is('REASON_REQUIRED'));
      await assert.rejects(eraseCustomerOnRecord(deps, { customerId, staffId: agentId, reason: 'GDPR Art. 17 request #4711' }), is('FORBIDDEN'));
      await assert.rejects(eraseCustomerOnRecord(deps, { customerId, staffId: 'nobody', reason: 'GDPR Art. 17 request #4711' }), is('NOT_FOUND'));
      await assert.rejects(eraseCustomerOnRecord(deps, { customerId: 'cus_nope', staffId: 'sec_01', reason: 'GDPR Art. 17 request #4711' }), is('NOT_FOUND'));
      assert.deepEqual(await pendingErases(), []); // refused: nothing recorded, nothing erased
      assert.equal((await h.rt.vault.readFields(h.rt.db, customerId, ['email'])).size, 1);

      const r = await eraseCustomerOnRecord(deps, { customerId, staffId: 'sec_01', reason: 'GDPR Art. 17 request #4711' });
      assert.equal(r.grantsRevoked, 1);
      assert.equal(r.requestsCancelled, 1);
      assert.equal(r.breakGlassRevoked, 1);
      assert.ok(r.ticketsClosed.includes(t.id));
      await assert.rejects(h.rt.vault.readFields(h.rt.db, customerId, ['email']), is('CUSTOMER_ERASED'));
      const g = await h.rt.db.selectFrom('grants').select(['revoked_at', 'revoke_reason']).where('id', '=', 'gr_erase_1').executeTakeFirstOrThrow();
      assert.equal(g.revoke_reason, 'customer erased');
      const open = await h.rt.db.selectFrom('tickets').select('id').where('customer_id', '=', customerId).where('status', '=', 'open').execute();
      assert.deepEqual(open, []);
      assert.equal((await h.rt.db.selectFrom('reveal_requests').select('status').where('id', '=', 'rr_erase_1').executeTakeFirstOrThrow()).status, 'cancelled');
      assert.equal((await h.rt.db.selectFrom('break_glass_requests').select('status').where('id', '=', 'bg_erase_1').executeTakeFirstOrThrow()).status, 'revoked');
      // the agent's queue no longer offers the ticket
      await assert.rejects(h.rt.broker.view({ agent, requestId: 'req_erase_view2' }, t.id));

      const records = await pendingErases();
      assert.equal(records.length, 1);
      const rec = records[0] as { agentId: string; customerId: string; reason: string; time: string; details: Record<string, unknown> };
      assert.equal(rec.agentId, 'sec_01');
      assert.equal(rec.customerId, customerId);
      assert.equal(rec.reason, 'GDPR Art. 17 request #4711');
      assert.equal(rec.time, h.clock.now().toISOString());
      assert.equal(rec.details.keyDestroyed, true);
      assert.deepEqual(rec.details.ticketsClosed, r.ticketsClosed);

      // a second erase is refused and records nothing more
      await assert.rejects(eraseCustomerOnRecord(deps, { customerId, staffId: 'sec_02', reason: 'again' }), is('CUSTOMER_ERASED'));
      assert.equal((await pendingErases()).length, 1);

      // the incident: the erase is on the timeline, the customer is marked erased and not notified
      await h.rt.integrator.drain();
      const svc = incidentService(h.rt, incidentConfigFromEnv({ KEYHOLE_SMTP_URL: 'smtp://127.0.0.1:9', KEYHOLE_OUTBOX_SENDER: '0' }));
      try {
        const { incident } = await svc.open({ kind: 'system', name: 'cli', requestId: 'req_erase_inc' }, { agentIds: [agentId, 'sec_01'], reason: 'look back', source: 'cli', contain: false });
        await h.rt.integrator.drain();
        const items = [];
        for (let after = -1; ;) {
          const page = await svc.timeline(incident.id, after, 100);
          items.push(...page.items);
          if (page.nextAfter === null) break;
          after = page.nextAfter;
        }
        const erase = items.find((i) => i.record.action === 'customer_erase');
        assert.ok(erase, 'customer_erase on the timeline');
        assert.equal(erase.record.reason, 'GDPR Art. 17 request #4711');
        const blast = await svc.blastRadius(incident.id);
        const c = blast.customers.find((x) => x.customerId === customerId);
        assert.ok(c, 'the erased customer is in the blast radius');
        assert.equal(c.erasedAt, r.erasedAt);
        assert.ok(blast.customers.filter((x) => x.customerId !== customerId).every((x) => x.erasedAt === null));
        const preview = await svc.preview(incident.id, { customerIds: [customerId], limit: 5 });
        assert.equal(preview.drafts[0]?.erasedAt, r.erasedAt);
        assert.match(preview.drafts[0]!.subject, /^\[not sent: customer erased on /);
        const q = await svc.notify({ kind: 'system', name: 'cli', requestId: 'req_erase_ntf' }, incident.id, { channel: 'email', templateVersion: preview.template.version, customerIds: [customerId] });
        assert.deepEqual(q, { queued: 0, alreadyQueued: 0, skippedErased: 1 });
      } finally {
        await svc.dispose();
      }
    });
  });
}
