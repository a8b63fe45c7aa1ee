// The demo's background (issue 14 item 10): seeded tickets and 7 days of benign work relative to
// the seed's "now", on the signed log like any record, so the dashboard is alive on first start.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { demoSpecFromEnv } from '../../src/cli/seed-once.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, TEST_DEMO, type Harness } from '../support/harness.js';

const NOW = new Date(Date.UTC(2026, 11, 3, 15, 30, 0)); // a Thursday afternoon
const DAY = 86_400_000;

describe('seeded background activity', () => {
  let h: Harness;
  before(async () => {
    const pglite = DATABASES.find((d) => d.name === 'pglite')!;
    h = await startHarness(pglite, { ...TEST_DEMO, now: NOW, activityDays: 7, rosters: true });
  });
  after(async () => h.close());

  test('open tickets and 7 days of closed ones, all before now', async () => {
    const open = await h.rt.db.selectFrom('tickets').select(['created_at']).where('status', '=', 'open').execute();
    assert.ok(open.every((t) => t.created_at.getTime() <= NOW.getTime() && t.created_at.getTime() > NOW.getTime() - 4 * DAY), 'open tickets are from the last days before now');
    const closed = await h.rt.db.selectFrom('tickets').select(['created_at', 'closed_at', 'assignee_id']).where('status', '=', 'closed').execute();
    assert.ok(closed.length > 50, `${closed.length} closed tickets`);
    assert.ok(closed.every((t) => t.closed_at !== null && t.closed_at.getTime() < NOW.getTime() && t.created_at.getTime() >= NOW.getTime() - 8 * DAY));
    const days = new Set(closed.map((t) => t.created_at.toISOString().slice(0, 10)));
    assert.ok(days.size >= 5, `work on ${days.size} days`);
  });

  test('the records reach the signed log and the security dashboard counts them', async () => {
    await h.rt.integrator.drain();
    const cookie = await h.login(h.staff.find((a) => a.role === 'security')!.id);
    const r = await h.app.inject({ method: 'GET', url: '/v1/security/agents', headers: { cookie } });
    assert.equal(r.statusCode, 200, r.body);
    const busy = (r.json().agents as { role: string; views: number }[]).filter((a) => a.role === 'agent' && a.views > 0);
    assert.ok(busy.length >= 3, `${busy.length} agents with views`);
    const log = await h.rt.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.ok(Number(log.n) > 200, `${log.n} records on the log`);
    // Benign means benign: the detectors read it all and suspend nobody, hold nobody under step-up.
    assert.ok(h.rt.detection);
    await h.rt.detection.consumer.drain();
    const alerts = (await h.app.inject({ method: 'GET', url: '/v1/detect/alerts', headers: { cookie } })).json().alerts as { kind: string; summary: string }[];
    assert.deepEqual(alerts.filter((a) => a.kind !== 'alert'), [], 'no step-up or containment from the background');
    assert.ok(alerts.some((a) => a.kind === 'alert' && /same customer again/.test(JSON.stringify(a))), `the seeded returning-caller alert: ${JSON.stringify(alerts.map((a) => a.summary))}`);
    const suspended = await h.rt.db.selectFrom('agents').select('id').where('status', '=', 'suspended').execute();
    assert.deepEqual(suspended, []);
  });
});

test('the demo seeds 7 days of background by default; KEYHOLE_DEMO_ACTIVITY_DAYS changes it', () => {
  assert.equal(demoSpecFromEnv({}).activityDays, 7);
  assert.equal(demoSpecFromEnv({ KEYHOLE_DEMO_ACTIVITY_DAYS: '0', KEYHOLE_DEMO_CUSTOMERS: '30' }).activityDays, 0);
  assert.throws(() => demoSpecFromEnv({ KEYHOLE_DEMO_ACTIVITY_DAYS: '31' }), (e) => isKeyholeError(e, 'CONFIG_INVALID'));
});
