// GET /metrics (issue 12 item 4): a scrape parsed as Prometheus text exposition format 0.0.4,
// with decisions by action and outcome, request latency histograms, the audit pipeline, detector,
// outbox and SIEM lag gauges, budget denials and containments; no customer id in any label.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/server/app.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

interface Sample { readonly name: string; readonly labels: Record<string, string>; readonly value: number }

/** A strict parser of the text format: every line a comment (# HELP / # TYPE) or a sample. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) { types.set(t[1]!, t[2]!); continue; }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|[Nn][Aa][Nn]|\+Inf|-Inf)$/.exec(line); // Go ParseFloat: NaN in any case
    assert.ok(m, `not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

for (const backend of DATABASES) {
  describe(`GET /metrics (${backend.name})`, () => {
    let h: Harness;
    before(async () => { h = await startHarness(backend); });
    after(() => h.close());

    it('scrapes and parses, with decisions, latency, pipeline gauges and no customer ids', async () => {
      const t = h.spec.tickets > 0 ? await h.rt.db.selectFrom('tickets').select(['id', 'assignee_id', 'customer_id']).where('assignee_id', 'is not', null).limit(1).executeTakeFirstOrThrow() : undefined;
      const cookie = await h.login(t!.assignee_id!);
      const view = await h.app.inject({ method: 'GET', url: `/v1/tickets/${t!.id}/customer`, headers: { cookie } });
      assert.equal(view.statusCode, 200, view.body);
      await h.rt.db.insertInto('siem_cursors' as never).values({ sink: 'soc', next_seq: 0, delivered: 0, updated_at: h.clock.now() } as never).execute();

      const r = await h.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      const { samples, types } = parseExposition(r.body);
      const get = (name: string, labels: Record<string, string> = {}) => samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

      assert.equal(types.get('keyhole_decisions_total'), 'counter');
      assert.equal(get('keyhole_decisions_total', { action: 'view', outcome: 'allow' })[0]?.value, 1);
      assert.equal(types.get('keyhole_http_request_duration_seconds'), 'histogram');
      const count = get('keyhole_http_request_duration_seconds_count', { method: 'GET', route: '/v1/tickets/:id/customer', status: '200' });
      assert.equal(count[0]?.value, 1, 'latency by route template, not raw URL');
      assert.ok(get('keyhole_http_request_duration_seconds_bucket', { route: '/v1/tickets/:id/customer', le: '+Inf' }).length === 1);
      assert.ok(get('keyhole_audit_pending_rows')[0]!.value >= 1, 'the view waits for integration (integrator off)');
      assert.ok(get('keyhole_audit_pending_oldest_seconds').length === 1);
      assert.equal(get('keyhole_siem_lag_entries', { sink: 'soc' })[0]?.value, 0);
      for (const name of ['keyhole_log_size', 'keyhole_detector_lag_entries', 'keyhole_outbox_pending', 'keyhole_containments_open', 'keyhole_budget_denials_total', 'keyhole_containments_total', 'keyhole_process_cpu_user_seconds_total']) {
        assert.ok(get(name).length >= 1, `${name} is exposed`);
      }
      for (const c of h.customers) assert.ok(!r.body.includes(c.id), 'no customer id in a label');

      await h.rt.integrator.drain();
      const after = parseExposition((await h.app.inject({ method: 'GET', url: '/metrics' })).body);
      assert.equal(after.samples.find((s) => s.name === 'keyhole_audit_pending_rows')?.value, 0);
      assert.ok(after.samples.find((s) => s.name === 'keyhole_checkpoint_age_seconds')!.value >= 0);
      assert.ok(after.samples.find((s) => s.name === 'keyhole_siem_lag_entries')!.value >= 1, 'the sink is behind the log now');
    });

    it('GET /v1/security/integrations shows SIEM lag, helpdesk and imports to security staff only', async () => {
      const security = await h.login(h.staff.find((s) => s.role === 'security')!.id);
      const r = await h.app.inject({ method: 'GET', url: '/v1/security/integrations', headers: { cookie: security } });
      assert.equal(r.statusCode, 200, r.body);
      const soc = r.json().siem.find((x: { sink: string }) => x.sink === 'soc');
      assert.ok(soc && soc.lag >= 1 && soc.nextSeq === 0);
      assert.deepEqual(r.json().helpdesk, { unmatched: {}, linked: {} });
      const agent = await h.login(h.staff.find((s) => s.role === 'agent')!.id);
      assert.equal((await h.app.inject({ method: 'GET', url: '/v1/security/integrations', headers: { cookie: agent } })).statusCode, 403);
      assert.equal((await h.app.inject({ method: 'GET', url: '/v1/security/integrations' })).statusCode, 401);
    });

    it('asks for the metrics token when KEYHOLE_METRICS_TOKEN is set', async () => {
      const saved = process.env.KEYHOLE_METRICS_TOKEN;
      process.env.KEYHOLE_METRICS_TOKEN = 'scrape-secret';
      try {
        const app = await buildApp(h.rt, { logger: false, console: false });
        assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
        assert.equal((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-secret' } })).statusCode, 200);
        await app.close();
      } finally {
        if (saved === undefined) delete process.env.KEYHOLE_METRICS_TOKEN;
        else process.env.KEYHOLE_METRICS_TOKEN = saved;
      }
    });
  });
}
