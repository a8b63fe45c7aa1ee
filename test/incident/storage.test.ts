// Storage behaviour of the incident module on every database: opening and containing by agents
// or vendor (and its refusals), the detectors' entry point, and the outbox's claims, leases,
// retries and failures with a scripted local Notifier.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FixedClock } from '../../src/shared/clock.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import type { Actor, IncidentDb } from '../../src/incident/model.js';
import { IncidentRecorder } from '../../src/incident/incident-record.js';
import { openIncident, openIncidentInTransaction } from '../../src/incident/open-incident.js';
import { claimDue, enqueue, markSent } from '../../src/incident/outbox.js';
import { OutboxSender } from '../../src/incident/outbox-sender.js';
import { PermanentSendError, TransientSendError, type Notifier, type OutboundMessage } from '../../src/incident/notifier.js';
import { DATABASES } from '../support/databases.js';

/** A Notifier whose outcomes the test scripts ('ok', 'transient', 'permanent'), recording sends. */
class ScriptedNotifier implements Notifier {
  readonly sent: OutboundMessage[] = [];
  readonly #script: string[];
  constructor(script: string[] = []) {
    this.#script = script;
  }
  async send(m: OutboundMessage) {
    const next = this.#script.shift() ?? 'ok';
    if (next === 'transient') throw new TransientSendError('smtp 451');
    if (next === 'permanent') throw new PermanentSendError('smtp 550');
    this.sent.push(m);
    return { providerId: `id-${this.sent.length}` };
  }
}

const sec: Actor = { kind: 'agent', agentId: 'sec_1', requestId: 'req_1' };

for (const backend of DATABASES) {
  describe(`incident storage on ${backend.name}`, () => {
    let db: IncidentDb;
    let cleanup: () => Promise<void>;
    const clock = new FixedClock(Date.UTC(2026, 0, 5, 9));

    before(async () => {
      const opened = await backend.open();
      db = opened.store.db as IncidentDb;
      cleanup = opened.cleanup;
      const now = clock.now();
      const agent = (id: string, role: 'agent' | 'security', vendor: string) =>
        ({ id, name: id, email: `${id}@x.example`, role, team: 't', vendor, regions: ['DE'], status: 'active' as const, created_at: now, suspended_at: null });
      await db.insertInto('agents').values([agent('a1', 'agent', 'acme'), agent('a2', 'agent', 'acme'), agent('a3', 'agent', 'other'), agent('a4', 'agent', 'other'), agent('sec_1', 'security', 'acme')]).execute();
      await db.insertInto('customers').values(['c1', 'c2', 'c3'].map((id) => ({ id, account_id: `KX-${id}`, jurisdiction: 'DE', tier: 'standard', status: 'active', created_at: now, erased_at: null }))).execute();
      await db.insertInto('agent_sessions').values({ id_hash: new Uint8Array(32).fill(1), agent_id: 'a1', created_at: now, expires_at: new Date(now.getTime() + 3600_000), ended_at: null }).execute();
    });
    after(async () => cleanup());

    it('a vendor scope contains every non-security member of the vendor, on the log', async () => {
      const r = await openIncident({ db, clock }, sec, { vendor: 'acme', reason: 'vendor breach', source: 'console', since: new Date(Date.UTC(2026, 0, 1)) });
      assert.deepEqual(r.incident.scope.agentIds, ['a1', 'a2']);
      assert.deepEqual(r.contained.map((c) => [c.agentId, c.sessionsEnded]), [['a1', 1], ['a2', 0]]);
      const status = await db.selectFrom('agents').select(['id', 'status']).where('id', 'in', ['a1', 'a2', 'sec_1']).orderBy('id').execute();
      assert.deepEqual(status.map((s) => s.status), ['suspended', 'suspended', 'active']);
      const pending = await db.selectFrom('audit_pending').select('entry').execute();
      const actions = pending.map((p) => (p.entry as unknown as { action: string; agentId: string }).action);
      assert.deepEqual(actions.filter((a) => a === 'incident_open' || a === 'agent_suspend'), ['incident_open', 'agent_suspend', 'agent_suspend']);
    });

    it('refuses what it must: no scope, an inverted window, a non-security actor, oneself, an unknown agent', async () => {
      const refuse = async (actor: Actor, input: Parameters<typeof openIncident>[2], code: string) =>
        assert.rejects(openIncident({ db, clock }, actor, input), (e) => isKeyholeError(e, code as never));
      await refuse(sec, { reason: 'x', source: 'console' }, 'BAD_REQUEST');
      await refuse(sec, { agentIds: ['a3'], reason: 'x', source: 'console', since: new Date(Date.UTC(2027, 0, 1)) }, 'BAD_REQUEST');
      await refuse({ kind: 'agent', agentId: 'a3', requestId: 'r' }, { agentIds: ['a4'], reason: 'x', source: 'console' }, 'FORBIDDEN');
      await refuse(sec, { agentIds: ['sec_1'], reason: 'x', source: 'console' }, 'FORBIDDEN');
      await refuse(sec, { agentIds: ['nobody'], reason: 'x', source: 'console' }, 'NOT_FOUND');
      assert.equal((await db.selectFrom('agents').select('status').where('id', '=', 'a3').executeTakeFirstOrThrow()).status, 'active');
    });

    it('a detector opens one inside its own transaction; an earlier suspension keeps its time', async () => {
      const earlier = new Date(clock.now().getTime() - 60_000);
      await db.updateTable('agents').set({ status: 'suspended', suspended_at: earlier }).where('id', '=', 'a3').execute();
      const actor: Actor = { kind: 'system', name: 'detector', requestId: 'req_d' };
      const recorder = new IncidentRecorder({ db, clock }, actor);
      const r = await db.transaction().execute((trx) => openIncidentInTransaction(trx, { db, clock }, recorder, actor,
        { agentIds: ['a3'], reason: 'risk 31 over 24', source: 'detector', containmentId: 'cnt_1' }));
      recorder.publish();
      assert.equal(r.incident.containmentId, 'cnt_1');
      assert.equal(r.incident.openedBy, null);
      const a3 = await db.selectFrom('agents').select('suspended_at').where('id', '=', 'a3').executeTakeFirstOrThrow();
      assert.equal(a3.suspended_at?.getTime(), earlier.getTime());
    });

    it('outbox: enqueueing is idempotent and two claimers never share a message', async () => {
      const items = ['c1', 'c2', 'c3'].map((c) => ({ idempotencyKey: `k:${c}`, incidentId: null, customerId: c, channel: 'email' as const, subject: 's', body: 'b', payload: {} }));
      assert.equal(await enqueue(db, items, clock.now()), 3);
      assert.equal(await enqueue(db, items, clock.now()), 0);
      const [x, y] = await Promise.all(['t1', 't2'].map((token) => claimDue(db, { token, now: clock.now(), leaseMs: 1000, limit: 2, channels: ['email'] })));
      assert.equal(new Set([...x!, ...y!].map((m) => m.id)).size, x!.length + y!.length);
      assert.equal(x!.length + y!.length, 3);
      clock.advance(1001);
      const again = await claimDue(db, { token: 't3', now: clock.now(), leaseMs: 1000, limit: 10, channels: ['email'] });
      assert.equal(again.length, 3, 'expired leases are taken over');
      assert.ok(again.every((m) => m.redelivery && m.attempts === 2));
      assert.equal(await markSent(db, x![0]!, clock.now(), null), false, 'the old claim is lost');
      for (const m of again) assert.equal(await markSent(db, m, clock.now(), null), true);
    });

    it('outbox: transient failures back off and give up after the last attempt; permanent ones at once; no address is permanent', async () => {
      const now = clock.now();
      await enqueue(db, [
        { idempotencyKey: 'r:1', incidentId: null, customerId: 'c1', channel: 'email', subject: 's', body: 'b', payload: {} },
        { idempotencyKey: 'r:2', incidentId: null, customerId: 'c2', channel: 'email', subject: 's', body: 'b', payload: {} },
        { idempotencyKey: 'r:3', incidentId: null, customerId: 'c3', channel: 'email', subject: 's', body: 'b', payload: {} },
      ], now);
      const notifier = new ScriptedNotifier(['transient', 'permanent', 'transient', 'transient']);
      const sender = new OutboxSender({ db, clock, notifiers: { email: notifier }, messageIdDomain: 'x.example', maxAttempts: 3, retryDelayMs: () => 60_000,
        emailOf: async (c) => (c === 'c3' ? null : `${c}@mail.example`) });
      assert.deepEqual(await sender.runOnce(), { claimed: 3, sent: 0, retried: 1, failed: 2, lost: 0 });
      assert.deepEqual(await sender.runOnce(), { claimed: 0, sent: 0, retried: 0, failed: 0, lost: 0 }, 'not before the retry time');
      clock.advance(60_000);
      assert.equal((await sender.runOnce()).retried, 1);
      clock.advance(60_000);
      assert.equal((await sender.runOnce()).failed, 1, 'the third attempt was the last');
      const rows = await db.selectFrom('incident_outbox').select(['idempotency_key', 'status', 'attempts', 'last_error']).where('idempotency_key', 'like', 'r:%').orderBy('idempotency_key').execute();
      assert.deepEqual(rows.map((r) => [r.status, r.attempts, r.last_error]), [['failed', 3, 'smtp 451'], ['failed', 1, 'smtp 550'], ['failed', 1, 'no e-mail address']]);
      assert.equal(notifier.sent.length, 0);
    });
  });
}
