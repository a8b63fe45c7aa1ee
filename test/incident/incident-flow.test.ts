// Incident response end to end on every database: an insider scenario through the real broker,
// an incident opened through the API (containment in one action), the blast radius against the
// scenario's own ground truth, exports, timeline and proofs, protective measures through the API
// and a real webhook receiver, the customer portal, notifications to a real SMTP server exactly
// once, the evidence bundle verified offline, and the regulator report.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyOfflineProof } from '../../src/audit/verify-proof.js';
import { loadAgent } from '../../src/access/agents.js';
import type { BlastRadius } from '../../src/incident/blast-radius.js';
import { incidentService } from '../../src/server/routes/incident.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { runInsider, type InsiderRun } from './support/insider.js';
import { startSmtp, type TestSmtp } from './support/smtp.js';
import { startReceiver, type Receiver } from './support/webhook-receiver.js';

const SECRET = 'test-webhook-secret-0123456789';
const INSIDER = 'agt_001';

for (const backend of DATABASES) {
  describe(`incident response on ${backend.name}`, () => {
    let h: Harness;
    let smtp: TestSmtp;
    let hooks: Receiver;
    let run: InsiderRun;
    let sec: string;
    let incidentId: string;
    let blast: BlastRadius;

    before(async () => {
      smtp = await startSmtp();
      let clockRef: Harness['clock'] | undefined;
      hooks = await startReceiver(SECRET, () => Math.floor((clockRef?.now().getTime() ?? Date.now()) / 1000));
      Object.assign(process.env, {
        KEYHOLE_OUTBOX_SENDER: '0', KEYHOLE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, KEYHOLE_NOTIFY_FROM: 'Security <security@exchange.example>',
        KEYHOLE_PROTECTION_WEBHOOK: `${hooks.url}/protections`, KEYHOLE_PROTECTION_WEBHOOK_SECRET: SECRET,
        KEYHOLE_NOTIFY_WEBHOOK: `${hooks.url}/notifications`, KEYHOLE_NOTIFY_WEBHOOK_SECRET: SECRET,
      });
      h = await startHarness(backend);
      clockRef = h.clock;
      run = await runInsider(h, INSIDER, 70);
      sec = await h.login('sec_01');
    });
    after(async () => {
      await h.close();
      await smtp.close();
      await hooks.close();
    });

    const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, cookie = sec) =>
      h.app.inject({ method, url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) });

    it('the scenario exposed many customers and was refused outside the insider\'s regions', () => {
      assert.ok(run.truth.size >= 15, `only ${run.truth.size} customers`);
      assert.ok(run.refused > 0 && run.lookups > 10 && run.othersViews > 0);
    });

    it('only the security team opens incidents', async () => {
      const r = await api('POST', '/v1/incidents', { agentIds: [INSIDER], reason: 'x' }, await h.login('agt_002'));
      assert.equal(r.statusCode, 403);
      assert.equal(r.json().error.code, 'FORBIDDEN');
    });

    it('opening contains in one action: suspended, sessions ended, grants revoked, on the log', async () => {
      const insiderCookie = await h.login(INSIDER);
      const r = await api('POST', '/v1/incidents', { agentIds: [INSIDER], reason: 'insider browsing customers without tickets' });
      assert.equal(r.statusCode, 201, r.body);
      const body = r.json();
      incidentId = body.incident.id;
      assert.deepEqual(body.incident.scope.agentIds, [INSIDER]);
      assert.equal(body.contained[0].agentId, INSIDER);
      assert.ok(body.contained[0].sessionsEnded >= 1);
      assert.equal((await loadAgent(h.rt.db, INSIDER))?.status, 'suspended');
      assert.equal((await api('GET', '/v1/tickets', undefined, insiderCookie)).statusCode, 401);
      const live = await h.rt.db.selectFrom('grants').select('id').where('agent_id', '=', INSIDER).where('revoked_at', 'is', null).where('used_at', 'is', null).execute();
      assert.equal(live.length, 0);
      const t = await h.rt.db.selectFrom('tickets').select('id').where('assignee_id', '=', INSIDER).where('status', '=', 'open').executeTakeFirstOrThrow();
      await assert.rejects(h.rt.broker.view({ agent: (await loadAgent(h.rt.db, INSIDER))!, requestId: 'req_after' }, t.id), (e) => isKeyholeError(e, 'AGENT_SUSPENDED'));
      const detail = (await api('GET', `/v1/incidents/${incidentId}`)).json();
      assert.deepEqual(detail.actions.map((a: { action: string }) => a.action), ['incident_open', 'agent_suspend']);
      assert.equal(detail.actions[0].actor, 'sec_01');
    });

    it('the blast radius equals the ground truth exactly', async () => {
      const r = await api('GET', `/v1/incidents/${incidentId}/blast-radius`);
      assert.equal(r.statusCode, 200, r.body);
      blast = r.json();
      assert.equal(blast.unsequenced, 0);
      const got = new Map(blast.customers.map((c) => [c.customerId, new Map(c.fields.map((f) => [f.field, { level: f.level, count: f.count, firstAt: f.firstAt, lastAt: f.lastAt }]))]));
      assert.deepEqual(got, run.truth);
      const facts = new Map(h.customers.map((c) => [c.id, c]));
      const jurisdictions: Record<string, number> = {};
      for (const id of run.truth.keys()) jurisdictions[facts.get(id)!.jurisdiction] = (jurisdictions[facts.get(id)!.jurisdiction] ?? 0) + 1;
      assert.deepEqual(blast.totals.byJurisdiction, jurisdictions);
      assert.equal(blast.totals.customers, run.truth.size);
      assert.equal(blast.totals.highBalance.customers, [...run.truth.keys()].filter((id) => ['vip', 'pro'].includes(facts.get(id)!.tier)).length);
      const phone = [...run.truth.values()].filter((m) => m.has('phone')).length;
      assert.equal(blast.totals.byField.phone?.customers ?? 0, phone);
      assert.ok(blast.customers.some((c) => c.fields.some((f) => f.field === 'phone' && f.level === 'revealed')), 'the granted reveal is in the blast radius');
    });

    it('exports the blast radius as CSV and JSON, and records the export', async () => {
      const csv = await api('GET', `/v1/incidents/${incidentId}/blast-radius/export?format=csv`);
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /text\/csv/);
      const lines = csv.body.trimEnd().split('\r\n');
      assert.equal(lines[0], 'customer_id,account_id,jurisdiction,tier,high_balance,field,highest_level,times,first_at,last_at,log_entries');
      assert.equal(lines.length - 1, blast.customers.reduce((n, c) => n + c.fields.length, 0));
      const json = await api('GET', `/v1/incidents/${incidentId}/blast-radius/export?format=json`);
      assert.deepEqual(json.json().customers, blast.customers);
      const exports = await h.rt.db.selectFrom('incident_actions').select('details').where('incident_id', '=', incidentId).where('action', '=', 'evidence_export').execute();
      assert.equal(exports.length, 2);
    });

    it('the timeline lists every record of the insider in the window, denials included, in log order', async () => {
      const items: { seq: number; record: { action: string; decision: string; agentId: string }; exposes: unknown[] }[] = [];
      for (let after = -1; ;) {
        const page = (await api('GET', `/v1/incidents/${incidentId}/timeline?after=${after}&limit=37`)).json();
        items.push(...page.items);
        if (page.nextAfter === null) break;
        after = page.nextAfter;
      }
      const logged = await h.rt.db.selectFrom('audit_log').select('seq').where('agent_id', '=', INSIDER).where('time', '<=', new Date(blast.scope.until)).execute();
      assert.equal(items.length, logged.length);
      assert.ok(items.every((x, i) => x.record.agentId === INSIDER && (i === 0 || x.seq > items[i - 1]!.seq)));
      const denials = items.filter((x) => x.record.decision === 'deny');
      assert.equal(denials.length, run.refused);
      assert.ok(denials.every((x) => x.exposes.length === 0));
    });

    it('each exposing record of a customer comes with a verifiable tlog-proof', async () => {
      const c = blast.customers[0]!;
      const r = await api('GET', `/v1/incidents/${incidentId}/customers/${c.customerId}/proofs`);
      assert.equal(r.statusCode, 200, r.body);
      const { entries } = r.json() as { entries: { seq: number; entry: string; proof: string }[] };
      assert.deepEqual(entries.map((e) => e.seq), c.seqs);
      for (const e of entries) assert.equal(verifyOfflineProof({ proof: e.proof, entry: e.entry, vkey: h.rt.integrator.identity.verifierKey }).index, e.seq);
      const unaffected = h.customers.find((x) => !run.truth.has(x.id))!;
      assert.equal((await api('GET', `/v1/incidents/${incidentId}/customers/${unaffected.id}/proofs`)).statusCode, 404);
    });

    it('protections take effect by exposure: the API and the signed webhook report the cool-down, and they lift', async () => {
      const r = await api('POST', `/v1/incidents/${incidentId}/protections`, {});
      assert.equal(r.statusCode, 200, r.body);
      const applied = r.json().applied as { id: string; customerId: string; kind: string; params: { hours?: number } }[];
      const banners = applied.filter((p) => p.kind === 'never_call_banner');
      assert.equal(banners.length, run.truth.size, 'every affected customer gets the banner');
      const cooled = applied.filter((p) => p.kind === 'withdrawal_cooldown');
      assert.ok(cooled.length > 0 && cooled.every((p) => p.params.hours === 48));
      const onlyExistence = [...run.truth.entries()].filter(([, f]) => [...f.keys()].every((k) => k === 'existence' || k === 'dateOfBirth'));
      for (const [id] of onlyExistence) assert.ok(!cooled.some((p) => p.customerId === id));
      assert.equal((await api('POST', `/v1/incidents/${incidentId}/protections`, {})).json().existing, applied.length, 'applying again adds nothing');

      const target = cooled[0]!;
      const q = (await api('GET', `/v1/protections?customerId=${target.customerId}&active=true`)).json();
      assert.equal(q.summary.withdrawalCooldownHours, 48);
      assert.equal(q.summary.neverCallBanner, true);

      const stats = await incidentService(h.rt).sender().runOnce().then(async function more(s): Promise<number> {
        return s.claimed === 0 ? 0 : s.sent + (await more(await incidentService(h.rt).sender().runOnce()));
      });
      assert.equal(stats, applied.length);
      const events = hooks.deliveries.filter((d) => d.path === '/protections');
      assert.equal(events.length, applied.length);
      assert.ok(events.every((d) => d.signatureValid && d.body.type === 'protection.applied'));
      assert.equal(new Set(events.map((d) => d.idempotencyKey)).size, events.length);
      const ev = events.find((d) => (d.body.protection as { id: string }).id === target.id)!;
      assert.deepEqual((ev.body.protection as { params: unknown }).params, { hours: 48, scope: 'new_addresses' });

      const lifted = await api('POST', `/v1/protections/${target.id}/lift`, { reason: 'customer re-verified with a passkey' });
      assert.equal(lifted.statusCode, 200, lifted.body);
      assert.equal(lifted.json().active, false);
      assert.equal((await api('POST', `/v1/protections/${target.id}/lift`, { reason: 'again' })).statusCode, 409);
      assert.equal((await api('GET', `/v1/protections?customerId=${target.customerId}`)).json().summary.withdrawalCooldownHours, null);
      await incidentService(h.rt).sender().runOnce();
      const liftEvents = hooks.deliveries.filter((d) => d.body.type === 'protection.lifted');
      assert.equal(liftEvents.length, 1);
      assert.ok(liftEvents[0]!.signatureValid);
      assert.equal((await api('GET', '/v1/protections?active=true&limit=1000')).json().protections.length, applied.length - 1);
    });

    it('the customer portal shows the banner, the measures and tailored advice', async () => {
      const withPhone = [...run.truth.entries()].find(([, f]) => f.has('phone'))![0];
      const login = await h.app.inject({ method: 'POST', url: '/v1/customer/demo/login', payload: { customerId: withPhone } });
      const cookie = `kh_customer=${login.cookies.find((c) => c.name === 'kh_customer')?.value}`;
      const view = (await h.app.inject({ method: 'GET', url: '/v1/customer/protections', headers: { cookie } })).json();
      assert.match(view.banner, /never call you/);
      assert.ok(view.advice.some((a: { topic: string }) => a.topic === 'sim_swap'));
      assert.ok(view.measures.some((m: { kind: string }) => m.kind === 'never_call_banner'));
      const other = h.customers.find((x) => !run.truth.has(x.id) && !x.isDecoy)!;
      const login2 = await h.app.inject({ method: 'POST', url: '/v1/customer/demo/login', payload: { customerId: other.id } });
      const cookie2 = `kh_customer=${login2.cookies.find((c) => c.name === 'kh_customer')?.value}`;
      assert.deepEqual((await h.app.inject({ method: 'GET', url: '/v1/customer/protections', headers: { cookie: cookie2 } })).json(), { banner: null, measures: [], advice: [] });
    });
  });
}
