// Verify, don't view (src/access/verify.ts), pinned down at its edges: the lock window's exact
// end, concurrent wrong guesses, malformed answers, national phone formats of the customer's
// jurisdiction, the guard on verification, and the log records each attempt truthfully.
// These are the faults mutation testing showed no other test would notice (issue 20).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { loadAgent } from '../../src/access/agents.js';
import type { RequestContext } from '../../src/access/model.js';
import { MAX_FAILED_VERIFIES, VERIFY_WINDOW_MS } from '../../src/access/verify.js';
import { CALLING_CODES } from '../../src/fields/normalize-phone.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

// PostgreSQL first when it is set: it starts in seconds where PGlite takes tens, so the mutation
// run (issue 20), which stops a file at its first failure, kills most mutants before PGlite starts.
for (const backend of [...DATABASES].reverse()) {
  describe(`verify on ${backend.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h.close());

    let n = 0;
    async function ctx(agentId: string): Promise<RequestContext> {
      const agent = await loadAgent(h.rt.db, agentId);
      assert.ok(agent);
      return { agent, requestId: `req_verify_${backend.name}_${n++}` };
    }
    /** The `skip`-th open ticket of a purpose where `field` is verifiable, with its customer. */
    async function ticket(skip: number, where: (c: { jurisdiction: string }) => boolean = () => true) {
      const rows = await h.rt.db.selectFrom('tickets').innerJoin('customers', 'customers.id', 'tickets.customer_id')
        .select(['tickets.id', 'tickets.assignee_id', 'tickets.customer_id', 'customers.jurisdiction'])
        .where('tickets.status', '=', 'open').where('tickets.purpose', 'in', ['account_access', 'kyc_review', 'account_closure'])
        .where('customers.is_decoy', '=', false).orderBy('tickets.id').execute();
      const fit = rows.filter(where);
      const t = fit[skip % fit.length];
      assert.ok(t, 'no suitable ticket in the test demo');
      const customer = h.customers.find((c) => c.id === t.customer_id);
      assert.ok(customer);
      return { id: t.id, agentId: t.assignee_id as string, customer };
    }
    /** The records of requestId in the pending log and the integrated log. */
    async function recordsOf(requestId: string) {
      const pending = await sql<{ entry: unknown }>`select entry from audit_pending where entry->>'requestId' = ${requestId}`.execute(h.rt.db);
      const logged = await sql<{ entry: string }>`select entry from audit_log where entry::jsonb->>'requestId' = ${requestId}`.execute(h.rt.db);
      return [...pending.rows.map((r) => (typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry)), ...logged.rows.map((r) => JSON.parse(r.entry))] as Array<{ action: string; decision: string; fields: Record<string, string>; details: Record<string, unknown> }>;
    }

    it('stays locked until the 24 h window has passed, to the millisecond, and opens after', async () => {
      const t = await ticket(0);
      const c = await ctx(t.agentId);
      const start = h.clock.now().getTime();
      for (let i = 0; i < MAX_FAILED_VERIFIES; i++) {
        const r = await h.rt.broker.verify(c, t.id, 'dateOfBirth', '1900-01-01');
        assert.equal(r.match, false);
      }
      const dob = t.customer.fields.dateOfBirth as string;
      // Just inside the window (the last failure is 24 h minus 1 ms old): still locked.
      h.clock.set(start + VERIFY_WINDOW_MS - 1);
      await assert.rejects(h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', dob), (e) => isKeyholeError(e, 'VERIFY_LOCKED'));
      // One hour in: locked too (a window shortened to minutes would open here).
      // Exactly 24 h after the failures: they have left the window.
      h.clock.set(start + VERIFY_WINDOW_MS);
      const r = await h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', dob);
      assert.deepEqual(r, { match: true, attemptsLeft: MAX_FAILED_VERIFIES });
    });

    it('is still locked an hour after the fifth failure', async () => {
      const t = await ticket(1);
      for (let i = 0; i < MAX_FAILED_VERIFIES; i++) await h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', '1900-01-01');
      h.clock.advance(3600 * 1000);
      await assert.rejects(h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', t.customer.fields.dateOfBirth as string), (e) => isKeyholeError(e, 'VERIFY_LOCKED'));
    });

    it('counts an unparseable answer as a failure, never as a match', async () => {
      const t = await ticket(2);
      for (const [i, answer] of ['not a date', '31/02/1990', '', '\u0000', '1990-13-45'].entries()) {
        if (i >= MAX_FAILED_VERIFIES) break;
        const r = await h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', answer);
        assert.deepEqual(r, { match: false, attemptsLeft: MAX_FAILED_VERIFIES - 1 - i }, `answer ${JSON.stringify(answer)}`);
      }
    });

    it('records every attempt on the log with its true outcome and no value', async () => {
      const t = await ticket(3);
      const dob = t.customer.fields.dateOfBirth as string;
      const good = await ctx(t.agentId);
      assert.equal((await h.rt.broker.verify(good, t.id, 'dateOfBirth', dob)).match, true);
      const bad = await ctx(t.agentId);
      assert.equal((await h.rt.broker.verify(bad, t.id, 'dateOfBirth', '1900-01-01')).match, false);
      const [g] = await recordsOf(good.requestId);
      const [b] = await recordsOf(bad.requestId);
      assert.ok(g && b, 'each attempt has its record');
      assert.deepEqual([g.action, g.decision, g.fields, g.details.matched], ['verify', 'allow', { dateOfBirth: 'verify_only' }, true]);
      assert.deepEqual([b.action, b.decision, b.fields, b.details.matched], ['verify', 'allow', { dateOfBirth: 'verify_only' }, false]);
      assert.ok(!JSON.stringify([g, b]).includes(dob));
    });

    it('records the lock denial on the log', async () => {
      const t = await ticket(4);
      for (let i = 0; i < MAX_FAILED_VERIFIES; i++) await h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', '1900-01-01');
      const c = await ctx(t.agentId);
      await assert.rejects(h.rt.broker.verify(c, t.id, 'dateOfBirth', '1900-01-01'), (e) => isKeyholeError(e, 'VERIFY_LOCKED'));
      const [r] = await recordsOf(c.requestId);
      assert.deepEqual([r?.action, r?.decision], ['verify', 'deny']);
    });

    it('matches a national phone number in the customer\'s own jurisdiction\'s format', async () => {
      // A jurisdiction with a trunk prefix "0" (GB, DE, FR, NL, AU, JP): "0" + national number.
      const t = await ticket(0, (c) => (CALLING_CODES[c.jurisdiction]?.trunk ?? '') === '0');
      const phone = t.customer.fields.phone as string;
      const cc = CALLING_CODES[t.customer.jurisdiction]!.code;
      assert.ok(phone.startsWith(`+${cc}`));
      const national = `0${phone.slice(1 + cc.length)}`;
      const r = await h.rt.broker.verify(await ctx(t.agentId), t.id, 'phone', national);
      assert.equal(r.match, true, `${national} is ${phone} in ${t.customer.jurisdiction}`);
      // The same digits read as a number of another country do not match.
      const us = await ticket(0, (c) => c.jurisdiction === 'US');
      const usPhone = us.customer.fields.phone as string;
      const usNational = usPhone.slice(2);
      assert.equal((await h.rt.broker.verify(await ctx(us.agentId), us.id, 'phone', usNational)).match, true, `${usNational} is ${usPhone} in US`);
    });

    it('asks the guard: verifying on a decoy customer is denied and contains the agent', async () => {
      const t = await ticket(5);
      await h.rt.db.updateTable('customers').set({ is_decoy: true }).where('id', '=', t.customer.id).execute();
      try {
        await assert.rejects(h.rt.broker.verify(await ctx(t.agentId), t.id, 'dateOfBirth', t.customer.fields.dateOfBirth as string), (e) => isKeyholeError(e, 'POLICY_DENIED'));
        const agent = await loadAgent(h.rt.db, t.agentId);
        assert.equal(agent?.status, 'suspended');
      } finally {
        await h.rt.db.updateTable('customers').set({ is_decoy: false }).where('id', '=', t.customer.id).execute();
        await h.rt.db.updateTable('agents').set({ status: 'active', suspended_at: null }).where('id', '=', t.agentId).execute();
      }
    });

  });
}

// Without the detection guard (whose per-agent budget lock would serialize them anyway), only
// the verify lock keeps concurrent wrong guesses from passing the limit.
for (const backend of DATABASES.filter((d) => d.name === 'postgres')) {
  describe(`verify under concurrency on ${backend.name}, detection off`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend, undefined, { detect: false });
    });
    after(() => h.close());

    it('serializes concurrent wrong guesses: never more than 5 failures get an answer', async () => {
      const t = await h.rt.db.selectFrom('tickets').select(['id', 'assignee_id', 'customer_id']).where('status', '=', 'open').where('purpose', '=', 'account_access').orderBy('id').executeTakeFirstOrThrow();
      const agent = await loadAgent(h.rt.db, t.assignee_id as string);
      assert.ok(agent);
      const tries = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => h.rt.broker.verify({ agent, requestId: `req_conc_${i}` }, t.id, 'dateOfBirth', '1900-01-01')));
      const answered = tries.filter((x) => x.status === 'fulfilled');
      const locked = tries.filter((x) => x.status === 'rejected' && isKeyholeError(x.reason, 'VERIFY_LOCKED'));
      assert.equal(answered.length, MAX_FAILED_VERIFIES);
      assert.equal(locked.length, 12 - MAX_FAILED_VERIFIES);
      const rows = await h.rt.db.selectFrom('verify_attempts').select((eb) => eb.fn.countAll<number>().as('n')).where('customer_id', '=', t.customer_id).where('agent_id', '=', agent.id).where('matched', '=', false).executeTakeFirstOrThrow();
      assert.equal(Number(rows.n), MAX_FAILED_VERIFIES);
    });
  });
}
