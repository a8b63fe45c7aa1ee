// Incident response end to end on every database: an insider scenario through the real broker,
// an incident opened through the API (containment in one action), the blast radius against the
// scenario's own ground truth, exports, timeline and proofs, protective measures through the API
// and a real webhook receiver, the customer portal, notifications to a real SMTP server exactly
// once, the evidence bundle verified offline, and the regulator report.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { after, before, describe, it } from 'node:test';
import { verifyOfflineProof } from '../../src/audit/verify-proof.js';
import { loadAgent } from '../../src/access/agents.js';
import type { BlastRadius } from '../../src/incident/blast-radius.js';
import type { IncidentDb } from '../../src/incident/model.js';
import { blastTotals } from '../../src/incident/blast-totals.js';
import { bundleFileText, signedText, type EvidenceBundle } from '../../src/incident/bundle-format.js';
import { verifyEvidenceBundle } from '../../src/incident/bundle-verify.js';
import { verifyBundle } from '../../src/cli/incident.js';
import { signNote } from '../../src/shared/tlog/note.js';
import { signerFromSeed, verifierKeyFor } from '../../src/shared/tlog/vkey.js';
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
    let svc: ReturnType<typeof incidentService>;
    let bundleText = '';
    let bundleKeys = { log: '', evidence: '' };

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
      svc = incidentService(h.rt);
    });
    after(async () => {
      await svc.dispose();
      await h.close();
      await smtp.close();
      await hooks.close();
    });

    const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, cookie = sec) =>
      h.app.inject({ method, url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) });

    it('the scenario exposed many customers and was refused outside the insider\'s regions', () => {
      assert.ok(run.truth.size >= 15, `only ${run.truth.size} customers`);
      assert.ok(run.denied.lookup > 0 && run.lookups > 10 && run.othersViews > 0, JSON.stringify(run.denied));
    });

    it('only the security team opens incidents', async () => {
      const r = await api('POST', '/v1/incidents', { agentIds: [INSIDER], reason: 'x' }, await h.login('agt_002'));
      assert.equal(r.statusCode, 403);
      assert.equal(r.json().error.code, 'FORBIDDEN');
    });

    it('opening contains in one action: suspended, sessions ended, grants revoked, on the log', async () => {
      const insiderCookie = await h.login(INSIDER);
      await h.rt.integrator.drain(); // as the server's integrator loop would have: the opening then has a checkpoint
      const r = await api('POST', '/v1/incidents', { agentIds: [INSIDER], reason: 'insider browsing customers without tickets' });
      assert.equal(r.statusCode, 201, r.body);
      const body = r.json();
      incidentId = body.incident.id;
      assert.deepEqual(body.incident.scope.agentIds, [INSIDER]);
      assert.equal(body.contained[0].agentId, INSIDER); // (the detectors may have contained them first, at the drain)
      assert.equal((await loadAgent(h.rt.db, INSIDER))?.status, 'suspended');
      assert.equal((await api('GET', '/v1/tickets', undefined, insiderCookie)).statusCode, 401);
      const live = await h.rt.db.selectFrom('grants').select('id').where('agent_id', '=', INSIDER).where('revoked_at', 'is', null).where('used_at', 'is', null).execute();
      assert.equal(live.length, 0);
      // Containment withdrew the insider's open tickets (issue 14 item 1); one they held is refused.
      assert.equal((await h.rt.db.selectFrom('tickets').select('id').where('assignee_id', '=', INSIDER).where('status', '=', 'open').execute()).length, 0);
      const t = await h.rt.db.selectFrom('withdrawn_contacts').select('ticket_id as id').where('agent_id', '=', INSIDER).executeTakeFirstOrThrow();
      await assert.rejects(h.rt.broker.view({ agent: (await loadAgent(h.rt.db, INSIDER))!, requestId: 'req_after' }, t.id),
        (e) => isKeyholeError(e, 'AGENT_SUSPENDED') || isKeyholeError(e, 'TICKET_NOT_FOUND'));
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
      const exports = await (h.rt.store.db as IncidentDb).selectFrom('incident_actions').select('details').where('incident_id', '=', incidentId).where('action', '=', 'evidence_export').execute();
      assert.equal(exports.length, 2);
    });

    it('the blast radius comes a page at a time, filtered on the server, totals over every customer (issue 14 item 9)', async () => {
      const all = blast.customers.map((c) => c.customerId);
      assert.ok(all.length >= 3, 'the scenario exposes several customers');
      const seen: string[] = [];
      for (let offset = 0; offset < all.length; offset += 2) {
        const page = (await api('GET', `/v1/incidents/${incidentId}/blast-radius?offset=${offset}&limit=2`)).json();
        assert.ok(page.customers.length <= 2);
        assert.deepEqual(page.page, { offset, limit: 2, q: '', matching: all.length });
        assert.deepEqual(page.totals, blast.totals, 'totals count every customer, not the page');
        seen.push(...page.customers.map((c: { customerId: string }) => c.customerId));
      }
      assert.deepEqual(seen, all);
      const one = all[1]!;
      const found = (await api('GET', `/v1/incidents/${incidentId}/blast-radius?q=${encodeURIComponent(one.toUpperCase())}`)).json();
      assert.deepEqual(found.customers.map((c: { customerId: string }) => c.customerId), [one]);
      assert.equal(found.page.matching, 1);
      assert.equal((await api('GET', `/v1/incidents/${incidentId}/blast-radius?limit=1001`)).statusCode, 400);
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
      assert.equal(denials.filter((x) => x.record.action === 'lookup').length, run.denied.lookup);
      assert.equal(denials.filter((x) => x.record.action === 'view').length, run.denied.view + 1, 'and the attempt after containment');
      assert.equal(denials.filter((x) => x.record.action === 'verify').length, run.denied.verify);
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

      const sender = svc.sender();
      let stats = 0;
      for (let s = await sender.runOnce(); s.claimed > 0; s = await sender.runOnce()) stats += s.sent;
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
      await sender.runOnce();
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

    it('notifications: previewed, template edited, queued once per customer, delivered to a real SMTP server exactly once', async () => {
      const preview = (await api('GET', `/v1/incidents/${incidentId}/notifications/preview?limit=2`)).json();
      assert.equal(preview.templateVersion, 0);
      assert.equal(preview.total, run.truth.size);
      const d = preview.drafts[0];
      assert.match(d.text, /What they saw/);
      assert.ok(d.data.seen.length === run.truth.get(d.customerId)!.size);
      const bad = await api('PUT', '/v1/incident-templates/customer_notice', { subject: 'Hi {{name}}', body: 'x' });
      assert.equal(bad.json().error.code, 'TEMPLATE_INVALID');
      const tpl = (await api('GET', '/v1/incident-templates/customer_notice')).json();
      const saved = await api('PUT', '/v1/incident-templates/customer_notice', { subject: `[Security notice] ${tpl.subject}`, body: tpl.body });
      assert.equal(saved.json().version, 1);
      const stale = await api('POST', `/v1/incidents/${incidentId}/notifications`, { channel: 'email', templateVersion: 0 });
      assert.equal(stale.json().error.code, 'TEMPLATE_STALE');
      const q = await api('POST', `/v1/incidents/${incidentId}/notifications`, { channel: 'email', templateVersion: 1 });
      assert.equal(q.statusCode, 202, q.body);
      assert.deepEqual(q.json(), { queued: run.truth.size, alreadyQueued: 0, skippedErased: 0 });
      assert.deepEqual((await api('POST', `/v1/incidents/${incidentId}/notifications`, { channel: 'email', templateVersion: 1 })).json(), { queued: 0, alreadyQueued: run.truth.size, skippedErased: 0 });

      const sender = svc.sender({ batchSize: 7 });
      while ((await sender.runOnce()).claimed > 0);
      assert.equal(smtp.received.length, run.truth.size);
      assert.equal(new Set(smtp.received.map((m) => m.messageId)).size, run.truth.size);
      const emails = new Map(h.customers.map((c) => [String(c.fields.email), c.id]));
      assert.deepEqual(new Set(smtp.received.map((m) => emails.get(m.to))), new Set(run.truth.keys()), 'each to the customer\'s own address');
      assert.ok(smtp.received.every((m) => m.subject.startsWith('[Security notice]') && !m.redelivery));
      const status = (await api('GET', `/v1/incidents/${incidentId}/notifications`)).json();
      assert.deepEqual(status.email, { sent: run.truth.size });
      await h.rt.integrator.drain();
      const sends = await h.rt.db.selectFrom('audit_log').select('entry').where('action', '=', 'notification_send').execute();
      assert.equal(sends.length, run.truth.size);
      assert.ok(sends.every((r) => !Object.values(h.customers).some((c) => r.entry.includes(String(c.fields.email)))), 'no address on the log');
    });

    it('a sender dying after the receiver accepted redelivers with the same idempotency key (the documented window)', async () => {
      const one = [...run.truth.keys()].slice(0, 2);
      await api('POST', `/v1/incidents/${incidentId}/notifications`, { channel: 'webhook', templateVersion: 1, customerIds: one });
      const dying = svc.sender({ leaseMs: 30_000, afterAccepted: () => { throw new Error('killed after the 250'); } });
      await assert.rejects(dying.runOnce(), /killed/);
      const before = hooks.deliveries.filter((x) => x.path === '/notifications');
      assert.equal(before.length, 1);
      const again = svc.sender({ leaseMs: 30_000 });
      assert.equal((await again.runOnce()).claimed, 0, 'the claim holds until its lease ends');
      h.clock.advance(30_001);
      while ((await again.runOnce()).claimed > 0);
      const got = hooks.deliveries.filter((x) => x.path === '/notifications');
      assert.equal(got.length, 3);
      assert.equal(got[1]!.idempotencyKey, before[0]!.idempotencyKey);
      assert.equal(got[1]!.redelivery, true);
      assert.deepEqual(new Set(got.map((x) => x.idempotencyKey)).size, 2);
    });

    it('the evidence bundle verifies offline against the pinned keys and fails after any change', async () => {
      const keys = (await api('GET', '/v1/incident-keys')).json() as { log: string; evidence: string };
      assert.equal(keys.log, h.rt.integrator.identity.verifierKey);
      const r = await api('GET', `/v1/incidents/${incidentId}/evidence`);
      assert.equal(r.statusCode, 200, r.body);
      const text = r.body;
      const ok = verifyEvidenceBundle(text, { logVerifierKey: keys.log, evidenceVerifierKey: keys.evidence });
      assert.equal(ok.incidentId, incidentId);
      assert.equal(ok.customers, run.truth.size);
      assert.deepEqual(ok.pinned, { log: true, evidence: true, witnesses: false });
      assert.equal(ok.checkpoints.length, 2, 'the checkpoint at opening and the latest, proven consistent');
      const bundle = JSON.parse(text).bundle as { entries: { entry: string }[]; blastRadius: { customers: { customerId: string }[] } };
      assert.deepEqual(bundle.blastRadius.customers.map((c) => c.customerId), [...run.truth.keys()].sort());
      assert.ok(bundle.entries.some((e) => e.entry.includes('"action":"notification_send"')), 'what was done is in it');
      assert.ok(!Object.values(h.customers).some((c) => text.includes(String(c.fields.email)) || text.includes(String(c.fields.phone))), 'no contact value in the bundle');

      fc.assert(fc.property(fc.nat({ max: text.length - 1 }), fc.integer({ min: 1, max: 94 }), (pos, shift) => {
        const code = text.charCodeAt(pos);
        const changed = text.slice(0, pos) + String.fromCharCode(32 + ((code - 32 + shift) % 95)) + text.slice(pos + 1);
        if (changed === text) return true;
        assert.throws(() => verifyEvidenceBundle(changed, { logVerifierKey: keys.log, evidenceVerifierKey: keys.evidence }), (e) => isKeyholeError(e, 'BUNDLE_INVALID'));
        return true;
      }), { numRuns: 40 });
      const reformatted = JSON.stringify(JSON.parse(text), null, 1);
      assert.throws(() => verifyEvidenceBundle(reformatted), (e) => isKeyholeError(e, 'BUNDLE_INVALID'));
      const stranger = signerFromSeed(keys.evidence.split('+')[0]!, new Uint8Array(32).fill(7));
      const file = JSON.parse(text) as { bundle: EvidenceBundle; format: string; signature: string };
      file.bundle.blastRadius.customers.pop();
      file.bundle.blastRadius.totals = blastTotals(file.bundle.blastRadius.customers as never) as never;
      file.bundle.evidenceKey = verifierKeyFor(stranger.name, stranger.publicKey);
      const forged = bundleFileText(file.bundle, signNote(signedText(file.bundle), [stranger]));
      assert.throws(() => verifyEvidenceBundle(forged, { logVerifierKey: keys.log, evidenceVerifierKey: keys.evidence }), /another key/);
      assert.throws(() => verifyEvidenceBundle(forged), /blast radius differs/, 'even under its own key, the log entries give it away');
      bundleText = text;
      bundleKeys = keys;
    });

    it('the regulator report drafts what GDPR Art. 33(3) asks for', async () => {
      const r = await api('GET', `/v1/incidents/${incidentId}/report`);
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /^# Personal data breach notification — DRAFT/);
      assert.match(r.body, new RegExp(`Data subjects concerned: \\*\\*${run.truth.size}\\*\\*`));
      for (const s of ['(a) Nature of the breach', '(b) Contact point', '(c) Likely consequences', '(d) Measures taken or proposed', '72 hours', 'SIM-swap']) assert.ok(r.body.includes(s), s);
      assert.match(r.body, new RegExp(`${run.truth.size} sent`));
    });

    it('closes the incident; the agent stays suspended', async () => {
      const r = await api('POST', `/v1/incidents/${incidentId}/close`, { reason: 'handed to law enforcement' });
      assert.equal(r.json().status, 'closed');
      assert.equal((await api('POST', `/v1/incidents/${incidentId}/close`, {})).statusCode, 409);
      assert.equal((await loadAgent(h.rt.db, INSIDER))?.status, 'suspended');
    });

    if (backend.name === 'pglite') {
      it('`keyhole verify --bundle` checks the bundle offline, and exits 11 after a change', () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-bundle-'));
        try {
          const file = path.join(dir, 'evidence.json');
          writeFileSync(file, bundleText);
          verifyBundle({ bundle: file, vkey: bundleKeys.log, evidenceKey: bundleKeys.evidence });
          const tampered = bundleText.replace('\\"decision\\":\\"allow\\"', '\\"decision\\":\\"deny\\"');
          assert.notEqual(tampered, bundleText);
          writeFileSync(file, tampered);
          const bad = spawnSync(process.execPath, ['bin/keyhole.js', 'verify', '--bundle', file, '--vkey', bundleKeys.log, '--evidence-key', bundleKeys.evidence],
            { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
          assert.equal(bad.status, 11, bad.stderr);
          assert.match(bad.stderr, /BUNDLE_INVALID/);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
}
