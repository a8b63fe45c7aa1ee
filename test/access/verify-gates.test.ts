// Verify, don't view (src/access/verify.ts): the gates in front of the comparison, each tested
// so that removing it fails a test. A field with no verification method, or one the purpose
// hides, is refused before anything else; the detection guard runs on verification (a
// suspended agent, a decoy, an exhausted budget); the policy runs (data residency, the
// customer's privacy lock, a live break-glass that lifts it and is recorded); matches never
// consume attempts; the lock is per field; an answer with letters in a phone number never
// matches. The lock window's edges, concurrency and the log are in verify.test.ts (issue 20).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadAgent } from '../../src/access/agents.js';
import type { RequestContext } from '../../src/access/model.js';
import { MAX_FAILED_VERIFIES } from '../../src/access/verify.js';
import type { FieldName, Purpose } from '../../src/fields/catalog-types.js';
import { isKeyholeError, type KeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

// PostgreSQL first when it is set: it starts in seconds where PGlite takes tens, so the mutation
// run (issue 20), which stops a file at its first failure, kills most mutants before PGlite starts.
for (const backend of [...DATABASES].reverse()) {
  describe(`verify gates on ${backend.name}`, () => {
    let h: Harness;
    let n = 0;
    const used = new Set<string>();
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h.close());

    async function ctx(agentId: string): Promise<RequestContext> {
      const agent = await loadAgent(h.rt.db, agentId);
      assert.ok(agent);
      return { agent, requestId: `req_vgate_${backend.name}_${n++}` };
    }
    /** An open ticket of `purpose`, of a non-decoy customer no earlier test of this file used. */
    async function ticket(purpose: Purpose) {
      const rows = await h.rt.db.selectFrom('tickets').innerJoin('customers', 'customers.id', 'tickets.customer_id')
        .select(['tickets.id', 'tickets.assignee_id', 'tickets.customer_id', 'customers.jurisdiction'])
        .where('tickets.status', '=', 'open').where('tickets.purpose', '=', purpose).where('tickets.assignee_id', 'is not', null)
        .where('customers.is_decoy', '=', false).orderBy('tickets.id').execute();
      const t = rows.find((r) => !used.has(r.customer_id));
      assert.ok(t, `no unused open ${purpose} ticket in the test demo`);
      used.add(t.customer_id);
      const customer = h.customers.find((c) => c.id === t.customer_id);
      assert.ok(customer);
      return { id: t.id, agentId: t.assignee_id as string, customerId: t.customer_id, customer };
    }
    /** The audit records of requestId (pending: the harness does not integrate). */
    async function recordsOf(requestId: string) {
      const rows = await sql<{ entry: unknown }>`select entry from audit_pending where entry->>'requestId' = ${requestId}`.execute(h.rt.db);
      return rows.rows.map((r) => (typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry)) as Array<{ action: string; decision: string; fields: Record<string, string>; details: Record<string, unknown>; policyIds: string[] }>;
    }
    const refusedWith = (code: string, check: (e: KeyholeError) => void = () => {}) => (e: unknown) => {
      assert.ok(isKeyholeError(e), String(e));
      assert.equal(e.code, code, e.message);
      check(e);
      return true;
    };
    const attempts = async (customerId: string) => Number((await h.rt.db.selectFrom('verify_attempts').select((eb) => eb.fn.countAll<number>().as('n')).where('customer_id', '=', customerId).executeTakeFirstOrThrow()).n);

    it('refuses a field with no verification method, recording it as hidden, before the policy', async () => {
      const t = await ticket('kyc_review'); // nationality is shown (revealed) but has no verify method
      const c = await ctx(t.agentId);
      await assert.rejects(h.rt.broker.verify(c, t.id, 'nationality' as FieldName, 'DE'), refusedWith('FIELD_NOT_VERIFIABLE', (e) => {
        assert.deepEqual((e.details?.deny as { fields: unknown }).fields, { nationality: 'hidden' });
      }));
      const [r] = await recordsOf(c.requestId);
      assert.deepEqual([r?.action, r?.decision, r?.fields], ['verify', 'deny', { nationality: 'hidden' }]);
      assert.equal(await attempts(t.customerId), 0);
    });

    it('refuses a field the ticket\'s purpose hides, and allows it where the purpose shows it verify-only', async () => {
      const hidden = await ticket('withdrawal_issue'); // antiPhishingCode: hidden for this purpose
      await assert.rejects(h.rt.broker.verify(await ctx(hidden.agentId), hidden.id, 'antiPhishingCode', String(hidden.customer.fields.antiPhishingCode)),
        refusedWith('FIELD_NOT_VERIFIABLE', (e) => assert.deepEqual((e.details?.deny as { fields: unknown }).fields, { antiPhishingCode: 'hidden' })));
      const gi = await ticket('general_inquiry'); // phone is not part of a general inquiry
      await assert.rejects(h.rt.broker.verify(await ctx(gi.agentId), gi.id, 'phone', String(gi.customer.fields.phone)), refusedWith('FIELD_NOT_VERIFIABLE'));
      // Exactly verify_only (the threshold itself) is verifiable.
      const ok = await ticket('account_access');
      assert.deepEqual(await h.rt.broker.verify(await ctx(ok.agentId), ok.id, 'antiPhishingCode', String(ok.customer.fields.antiPhishingCode)), { match: true, attemptsLeft: MAX_FAILED_VERIFIES });
      // Above it (masked) too.
      assert.equal((await h.rt.broker.verify(await ctx(ok.agentId), ok.id, 'phone', String(ok.customer.fields.phone))).match, true);
    });

    it('asks the guard: a suspended agent is refused by the guard itself', async () => {
      const t = await ticket('account_access');
      await h.rt.db.updateTable('agents').set({ status: 'suspended' }).where('id', '=', t.agentId).execute();
      try {
        // Without the guard the policy would refuse too, but as POLICY_DENIED.
        await assert.rejects(h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', String(t.customer.fields.dateOfBirth)), refusedWith('AGENT_SUSPENDED'));
      } finally {
        await h.rt.db.updateTable('agents').set({ status: 'active' }).where('id', '=', t.agentId).execute();
      }
      assert.equal(await attempts(t.customerId), 0);
    });

    it('asks the guard: a verify past the customer budget is refused and not evaluated', async () => {
      const t = await ticket('account_access');
      const now = h.clock.now().getTime();
      // The agent has touched 40 other customers in the last minutes (the default agent budget).
      const touches = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`cus_fake_${i}`, now - 60_000]));
      await sql`insert into detect_budget_counters (agent_id, touches) values (${t.agentId}, ${JSON.stringify(touches)}::jsonb)
        on conflict (agent_id) do update set touches = excluded.touches`.execute(h.rt.db);
      const c = await ctx(t.agentId);
      try {
        await assert.rejects(h.rt.broker.verify(c, t.id, 'dateOfBirth', String(t.customer.fields.dateOfBirth)), refusedWith('BUDGET_EXCEEDED'));
      } finally {
        await sql`delete from detect_budget_counters where agent_id = ${t.agentId}`.execute(h.rt.db);
      }
      const [r] = await recordsOf(c.requestId);
      assert.deepEqual([r?.action, r?.decision, r?.details.guard], ['verify', 'deny', 'budget:customersPerHour']);
      assert.equal(await attempts(t.customerId), 0);
      // With the budget back, the same verify is answered.
      assert.equal((await h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', String(t.customer.fields.dateOfBirth))).match, true);
    });

    it('asks the policy: an agent outside the customer\'s region is refused', async () => {
      const t = await ticket('account_access');
      const before = await h.rt.db.selectFrom('agents').select('regions').where('id', '=', t.agentId).executeTakeFirstOrThrow();
      await h.rt.db.updateTable('agents').set({ regions: ['ZZ'] }).where('id', '=', t.agentId).execute();
      const c = await ctx(t.agentId);
      try {
        await assert.rejects(h.rt.broker.verify(c, t.id, 'dateOfBirth', String(t.customer.fields.dateOfBirth)), refusedWith('POLICY_DENIED'));
      } finally {
        await h.rt.db.updateTable('agents').set({ regions: before.regions }).where('id', '=', t.agentId).execute();
      }
      const [r] = await recordsOf(c.requestId);
      assert.deepEqual([r?.action, r?.decision], ['verify', 'deny']);
      assert.ok(r?.policyIds.includes('guard.region-mismatch'), JSON.stringify(r?.policyIds));
      assert.equal(await attempts(t.customerId), 0);
    });

    it('a locked customer is refused; a live break-glass lets verify through and the record says so', async () => {
      const t = await ticket('account_access');
      const now = h.clock.now();
      await h.rt.db.updateTable('customers').set({ locked_at: now }).where('id', '=', t.customerId).execute();
      await assert.rejects(h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', String(t.customer.fields.dateOfBirth)), refusedWith('POLICY_DENIED'));
      await h.rt.db.insertInto('break_glass_requests').values({
        id: `bg_vgate_${backend.name}`, ticket_id: t.id, agent_id: t.agentId, customer_id: t.customerId, reason: 'caller locked out, urgent',
        status: 'approved', approvers: ['sec_a', 'sec_b'], created_at: now, expires_at: new Date(now.getTime() + 3600_000), approved_at: now,
      }).execute();
      const c = await ctx(t.agentId);
      assert.deepEqual(await h.rt.broker.verify(c, t.id, 'dateOfBirth', String(t.customer.fields.dateOfBirth)), { match: true, attemptsLeft: MAX_FAILED_VERIFIES });
      const [r] = await recordsOf(c.requestId);
      assert.deepEqual([r?.decision, r?.details], ['allow', { matched: true, breakGlass: true }]);
    });

    it('records a plain attempt with its outcome only (no break-glass mark) and the lock denial as verify_only', async () => {
      const t = await ticket('account_access');
      const c = await ctx(t.agentId);
      assert.equal((await h.rt.broker.verify(c, t.id, 'dateOfBirth', '1900-01-01')).match, false);
      const [r] = await recordsOf(c.requestId);
      assert.deepEqual([r?.decision, r?.fields, r?.details], ['allow', { dateOfBirth: 'verify_only' }, { matched: false }]);
      for (let i = 1; i < MAX_FAILED_VERIFIES; i++) await h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', '1900-01-01');
      await assert.rejects(h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', '1900-01-01'), refusedWith('VERIFY_LOCKED', (e) => {
        assert.deepEqual((e.details?.deny as { fields: unknown }).fields, { dateOfBirth: 'verify_only' });
      }));
      // The lock is per field: the phone can still be verified, with all its attempts.
      assert.deepEqual(await h.rt.broker.verify(await ctx(t.agentId), t.id, 'phone', String(t.customer.fields.phone)), { match: true, attemptsLeft: MAX_FAILED_VERIFIES });
    });

    it('matches never use up attempts; failures do, and a later match reports what is left', async () => {
      const t = await ticket('account_access');
      const dob = String(t.customer.fields.dateOfBirth);
      for (let i = 0; i < MAX_FAILED_VERIFIES + 1; i++) {
        assert.deepEqual(await h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', dob), { match: true, attemptsLeft: MAX_FAILED_VERIFIES });
      }
      assert.deepEqual(await h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', '1900-01-01'), { match: false, attemptsLeft: MAX_FAILED_VERIFIES - 1 });
      assert.deepEqual(await h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', '1900-01-02'), { match: false, attemptsLeft: MAX_FAILED_VERIFIES - 2 });
      assert.deepEqual(await h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', dob), { match: true, attemptsLeft: MAX_FAILED_VERIFIES - 2 });
    });

    it('a phone answer with letters among the right digits is never a match, and counts as a failure', async () => {
      const t = await ticket('account_access');
      const phone = String(t.customer.fields.phone);
      assert.match(phone, /^\+[0-9]{7,15}$/);
      const answers = [`${phone.slice(0, 4)}a${phone.slice(4)}`, `${phone}x`, `${phone.slice(0, -1)}O`, `tel:${phone}`, `${phone} ext 1`];
      for (const [i, answer] of answers.entries()) {
        assert.deepEqual(await h.rt.broker.verify(await ctx(t.agentId), t.id, 'phone', answer), { match: false, attemptsLeft: MAX_FAILED_VERIFIES - 1 - i }, answer);
      }
      await assert.rejects(h.rt.broker.verify(await ctx(t.agentId), t.id, 'phone', phone), refusedWith('VERIFY_LOCKED'));
    });
  });
}
