// The detection guard's verdicts (src/detect/guard.ts), asked directly inside a transaction on
// a real database, one rule at a time: a suspended agent is denied first (no containment), a
// decoy next (containment asked), then the budgets at their exact limit with the figures as
// evidence; an allowed request is counted and a denied one is not; contain() suspends once and
// publishes; step-up is read from the detectors' risk row. The end-to-end broker paths are in
// guard.test.ts; this file is what the detect-guard mutation group runs first (issue 20).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadAgent } from '../../src/access/agents.js';
import type { GuardRequest, GuardVerdict } from '../../src/access/guard.js';
import type { Agent } from '../../src/access/model.js';
import type { BrokerEvent } from '../../src/access/events.js';
import { DEFAULT_DETECT_CONFIG, type Budgets } from '../../src/detect/config.js';
import { DetectGuard } from '../../src/detect/guard.js';
import { DATABASES } from '../support/databases.js';
import { startDetectHarness, type DetectHarness } from './harness.js';

const LIMITS: Budgets = { customersPerHour: 2, customersPerShift: 3, revealsPerShift: 1, lookupsPerHour: 2 };

// PostgreSQL first when it is set: it starts in seconds where PGlite takes tens, so the mutation
// run (issue 20), which stops a file at its first failure, kills most mutants before PGlite starts.
for (const backend of [...DATABASES].reverse()) {
  describe(`detect guard verdicts on ${backend.name}`, () => {
    let h: DetectHarness;
    let guard: DetectGuard;
    let customers: string[];
    let n = 0;
    before(async () => {
      h = await startDetectHarness(backend);
      guard = new DetectGuard({ db: h.db, clock: h.clock, events: h.rt.events, config: { ...DEFAULT_DETECT_CONFIG, budgets: { roles: { agent: LIMITS }, teams: {} } } });
      customers = (await h.rt.db.selectFrom('customers').select('id').where('is_decoy', '=', false).orderBy('id').limit(6).execute()).map((c) => c.id);
    });
    after(async () => h.close());

    async function agent(id: string): Promise<Agent> {
      const a = await loadAgent(h.rt.db, id);
      assert.ok(a && a.role === 'agent' && a.status === 'active', `${id} is an active agent`);
      return a;
    }
    function check(a: Agent, req: Partial<Omit<GuardRequest, 'db' | 'agent'>>): Promise<GuardVerdict> {
      return h.rt.db.transaction().execute((trx) => guard.check({
        db: trx, agent: a, action: 'view', customerId: customers[0] as string, ticketId: null, isDecoy: false, at: h.clock.now(), requestId: `req_gv_${n++}`, ...req,
      }));
    }
    const c = (i: number) => customers[i] as string;

    it('denies a suspended agent first, without containment, even on a decoy', async () => {
      const a = { ...(await agent('agt_001')), status: 'suspended' as const };
      const expected = { allow: false, code: 'AGENT_SUSPENDED', reason: 'agent suspended', contain: false, rule: 'suspended' };
      assert.deepEqual(await check(a, {}), expected);
      assert.deepEqual(await check(a, { isDecoy: true, ticketId: 'tkt_x' }), expected);
    });

    it('denies a decoy and asks for containment, before any budget, naming ticket or customer', async () => {
      const a = await agent('agt_002');
      assert.deepEqual(await check(a, { isDecoy: true, ticketId: 'tkt_decoy' }),
        { allow: false, code: 'POLICY_DENIED', reason: 'decoy ticket touched: agent contained', contain: true, rule: 'decoy' });
      assert.deepEqual(await check(a, { isDecoy: true, ticketId: null, action: 'lookup' }),
        { allow: false, code: 'POLICY_DENIED', reason: 'decoy customer touched: agent contained', contain: true, rule: 'decoy' });
      // The decoy touches counted nothing: the agent still has its whole customer budget.
      assert.deepEqual(await check(a, { customerId: c(0) }), { allow: true });
      assert.deepEqual(await check(a, { customerId: c(1) }), { allow: true });
    });

    it('allows new customers up to customersPerHour, denies the next with its figures, and counts only what it allowed', async () => {
      const a = await agent('agt_003');
      assert.deepEqual(await check(a, { customerId: c(0) }), { allow: true });
      assert.deepEqual(await check(a, { customerId: c(1), action: 'verify' }), { allow: true });
      const denied = { allow: false, code: 'BUDGET_EXCEEDED', reason: 'budget customersPerHour exhausted (2 of 2); a supervisor may extend it', contain: false, rule: 'budget:customersPerHour', evidence: { limit: 2, used: 2 } };
      assert.deepEqual(await check(a, { customerId: c(2) }), denied);
      assert.deepEqual(await check(a, { customerId: c(2), action: 'verify' }), denied, 'the denial counted nothing');
      // Re-access of a customer seen this hour is free.
      assert.deepEqual(await check(a, { customerId: c(0) }), { allow: true });
      // An hour later the hour window has room again but the shift budget (3) is reached at the fourth.
      h.clock.advance(3600_000 + 1);
      assert.deepEqual(await check(a, { customerId: c(2) }), { allow: true });
      assert.deepEqual(await check(a, { customerId: c(3) }), { allow: false, code: 'BUDGET_EXCEEDED', reason: 'budget customersPerShift exhausted (3 of 3); a supervisor may extend it', contain: false, rule: 'budget:customersPerShift', evidence: { limit: 3, used: 3 } });
    });

    it('counts lookups (a miss too) against lookupsPerHour and reveal requests against revealsPerShift', async () => {
      const a = await agent('agt_004');
      assert.deepEqual(await check(a, { action: 'lookup', customerId: null }), { allow: true });
      assert.deepEqual(await check(a, { action: 'lookup', customerId: c(0) }), { allow: true });
      assert.deepEqual(await check(a, { action: 'lookup', customerId: c(0) }), { allow: false, code: 'BUDGET_EXCEEDED', reason: 'budget lookupsPerHour exhausted (2 of 2); a supervisor may extend it', contain: false, rule: 'budget:lookupsPerHour', evidence: { limit: 2, used: 2 } });
      assert.deepEqual(await check(a, { action: 'reveal_request', customerId: c(0) }), { allow: true });
      assert.deepEqual(await check(a, { action: 'reveal_request', customerId: c(0) }), { allow: false, code: 'BUDGET_EXCEEDED', reason: 'budget revealsPerShift exhausted (1 of 1); a supervisor may extend it', contain: false, rule: 'budget:revealsPerShift', evidence: { limit: 1, used: 1 } });
    });

    it('contain() suspends the agent once and publishes the record and the status', async () => {
      const a = await agent('agt_005');
      const seen: BrokerEvent[] = [];
      const off = h.rt.events.subscribe((e) => { if ((e.type === 'audit' && e.record.action === 'agent_suspend') || e.type === 'agent_status') seen.push(e); });
      try {
        await guard.contain(a, 'decoy customer touched: agent contained', 'req_gv_contain');
        assert.equal((await loadAgent(h.rt.db, a.id))?.status, 'suspended');
        assert.deepEqual(seen.map((e) => e.type), ['audit', 'agent_status']);
        const [rec, status] = seen as [Extract<BrokerEvent, { type: 'audit' }>, Extract<BrokerEvent, { type: 'agent_status' }>];
        assert.deepEqual([rec.record.action, rec.record.details.target, rec.record.requestId], ['agent_suspend', a.id, 'req_gv_contain']);
        assert.deepEqual(status, { type: 'agent_status', agentId: a.id, status: 'suspended' });
        const row = await h.db.selectFrom('detect_containments').select(['source', 'request_id', 'trigger_seq', 'reason', 'evidence']).where('agent_id', '=', a.id).executeTakeFirstOrThrow();
        const evidence = typeof row.evidence === 'string' ? JSON.parse(row.evidence) : row.evidence;
        assert.deepEqual({ ...row, evidence }, { source: 'guard', request_id: 'req_gv_contain', trigger_seq: null, reason: 'decoy customer touched: agent contained', evidence: { rule: 'decoy', requestId: 'req_gv_contain' } });
        // Already contained: nothing new.
        await guard.contain(a, 'again', 'req_gv_contain2');
        assert.equal(seen.length, 2);
      } finally {
        off();
      }
    });

    it('requiresStepUp is true only while the detectors set step_up for the agent', async () => {
      const id = 'agt_006';
      assert.equal(await guard.requiresStepUp(h.rt.db, id), false, 'no risk row');
      await h.db.insertInto('detect_agent_risk').values({ agent_id: id, risk: 1, risk_at: h.clock.now(), level: 'none', step_up: false, last_seq: 0 }).execute();
      assert.equal(await guard.requiresStepUp(h.rt.db, id), false);
      await h.db.updateTable('detect_agent_risk').set({ step_up: true, level: 'step_up' }).where('agent_id', '=', id).execute();
      assert.equal(await guard.requiresStepUp(h.rt.db, id), true);
      assert.equal(await guard.requiresStepUp(h.rt.db, 'agt_001'), false, 'another agent');
    });
  });
}
