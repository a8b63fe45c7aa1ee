// The detector consumer on the real log: an agent who looks up customers with no customer-facing
// work is contained by the detectors (next request denied, session gone), the alert explains
// itself through the API and the webhook (retried), step-up makes a reveal need a security
// approver, and a restarted consumer resumes at its offset with exactly the state of one pass.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_DETECT_CONFIG } from '../../src/detect/config.js';
import { DetectConsumer } from '../../src/detect/consumer.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startDetectHarness, type DetectHarness } from './harness.js';

const RISK = { alert: 3, stepUp: 6, contain: 14 };

for (const backend of DATABASES) {
  describe(`detector consumer on ${backend.name}`, () => {
    let h: DetectHarness;
    let server: Server;
    const hooks: Array<{ status: number; body: string }> = [];
    before(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const status = hooks.length === 0 ? 500 : 204; // the first delivery fails: it is retried
          hooks.push({ status, body });
          res.writeHead(status).end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as { port: number }).port;
      h = await startDetectHarness(backend, { risk: RISK }, { KEYHOLE_ALERT_WEBHOOK: `http://127.0.0.1:${port}/hook` });
    });
    after(async () => {
      await h.close();
      server.close();
    });

    /** `agentId` looks up customer after customer with nothing customer-facing after it, until
     *  `done()` holds (at most `max` lookups); returns how many lookups it took. */
    async function peek(agentId: string, done: () => Promise<boolean>, max = 12): Promise<number> {
      const targets = h.lookupable(agentId);
      for (let i = 0; i < max; i++) {
        const c = targets[i % targets.length] as { accountId: string };
        try {
          const t = await h.rt.broker.lookup(await h.ctx(agentId), { accountId: c.accountId }, { purpose: 'general_inquiry', channel: 'phone', subject: 'call' });
          h.clock.advance(20_000);
          await h.rt.broker.view(await h.ctx(agentId), t.id);
          h.clock.advance(30_000);
          await h.rt.broker.close(await h.ctx(agentId), t.id);
        } catch (e) {
          if (!isKeyholeError(e)) throw e;
        }
        h.clock.advance(60_000);
        await h.detect();
        if (await done()) return i + 1;
      }
      return max;
    }
    const status = async (id: string) => (await h.db.selectFrom('agents').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

    it('contains an agent whose lookups have no customer-facing work; the next request is denied and the session is gone', async () => {
      const agent = 'agt_002';
      const cookie = await h.login(agent);
      const n = await peek(agent, async () => (await status(agent)) === 'suspended');
      assert.equal(await status(agent), 'suspended', `after ${n} lookups`);
      assert.equal((await h.app.inject({ method: 'GET', url: '/v1/tickets', headers: { cookie } })).statusCode, 401);
      // Containment withdrew their open tickets (issue 14 item 1): one they held is refused either way.
      const mine = await h.rt.db.selectFrom('withdrawn_contacts').select('ticket_id as id').where('agent_id', '=', agent).executeTakeFirstOrThrow();
      await assert.rejects(h.rt.broker.view(await h.ctx(agent), mine.id), (e) => isKeyholeError(e, 'AGENT_SUSPENDED') || isKeyholeError(e, 'TICKET_NOT_FOUND'));
      const c = await h.db.selectFrom('detect_containments').selectAll().where('agent_id', '=', agent).executeTakeFirstOrThrow();
      assert.equal(c.source, 'detector');
      assert.ok(c.trigger_seq !== null);
    });

    it('explains every alert through the dashboard API (security only) and the webhook', async () => {
      const sec = await h.login('sec_01');
      const r = await h.app.inject({ method: 'GET', url: '/v1/detect/alerts?agentId=agt_002', headers: { cookie: sec } });
      assert.equal(r.statusCode, 200, r.body);
      const alerts = r.json().alerts as Array<{ kind: string; seq: number; explanation: { threshold: number; signals: Array<{ seqs: number[]; baseline: object; figures: object; summary: string }> } }>;
      const contain = alerts.find((a) => a.kind === 'contain');
      assert.ok(contain, JSON.stringify(alerts.map((a) => a.kind)));
      assert.equal(contain.explanation.threshold, RISK.contain);
      assert.ok(contain.explanation.signals.length > 0 && contain.explanation.signals.every((s) => s.seqs.length > 0 && s.summary.length > 0));
      const risk = (await h.app.inject({ method: 'GET', url: '/v1/detect/agents/agt_002/risk', headers: { cookie: sec } })).json();
      assert.equal(risk.level, 'contain');
      assert.equal(risk.status, 'suspended');
      assert.ok(risk.containment);
      const agent = await h.login('agt_003');
      assert.equal((await h.app.inject({ method: 'GET', url: '/v1/detect/alerts', headers: { cookie: agent } })).statusCode, 403);
      await h.rt.detection?.webhook?.idle();
      assert.ok(hooks.length >= 2 && hooks[0]?.status === 500, 'the failed delivery was retried');
      const posted = hooks.filter((x) => x.status === 204).map((x) => JSON.parse(x.body) as { alert: { kind: string; agentId: string } });
      assert.ok(posted.some((p) => p.alert.kind === 'contain' && p.alert.agentId === 'agt_002'));
    });

    it('under step-up, a reveal of the agent needs a security approver', async () => {
      const agent = 'agt_005';
      await peek(agent, async () => (await h.db.selectFrom('detect_agent_risk').select('step_up').where('agent_id', '=', agent).executeTakeFirst())?.step_up === true);
      assert.equal(await status(agent), 'active');
      const t = await h.rt.db.selectFrom('tickets').select('id').where('assignee_id', '=', agent).where('purpose', '=', 'account_access').where('status', '=', 'open').executeTakeFirstOrThrow();
      const req = await h.rt.broker.requestReveal(await h.ctx(agent), t.id, ['email'], 'caller lost access to the mailbox');
      await assert.rejects(h.rt.broker.decideReveal(await h.ctx('sup_05'), req.id, 'approve'), (e) => isKeyholeError(e, 'FORBIDDEN'));
      const ok = await h.rt.broker.decideReveal(await h.ctx('sec_02'), req.id, 'approve');
      assert.equal(ok.status, 'approved');
    });

    it('a restarted consumer resumes at its offset: never misses, never counts twice', async () => {
      const opts = { db: h.db, events: h.rt.events, config: { ...DEFAULT_DETECT_CONFIG, risk: { ...DEFAULT_DETECT_CONFIG.risk, ...RISK } }, clock: h.clock };
      const first = new DetectConsumer({ ...opts, name: 'restart', batchSize: 7 });
      for (let i = 0; i < 5; i++) await first.runOnce();
      const stopped = await first.offset();
      assert.equal(stopped, 34);
      const second = new DetectConsumer({ ...opts, name: 'restart', batchSize: 7 });
      assert.equal(await second.offset(), stopped, 'resumes at the stored offset');
      await second.drain();
      const single = new DetectConsumer({ ...opts, name: 'single' });
      await single.drain();
      const last = await h.db.selectFrom('audit_log').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirstOrThrow();
      assert.equal(await second.offset(), Number(last.m));
      const state = async (name: string) => Object.fromEntries((await h.db.selectFrom('detect_state').select(['key', 'state']).where('consumer', '=', name).execute())
        .map((r) => [r.key, typeof r.state === 'string' ? JSON.parse(r.state) : r.state]));
      assert.deepEqual(await state('restart'), await state('single'));
    });
  });
}
