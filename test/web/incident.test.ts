// Incident response from the console, in headless Chromium against a real Keyhole server with a
// real SMTP server: an agent views a few customers in their own browser; a security engineer
// opens an incident on them from the console (the agent's console is signed out at once); the
// blast radius lists exactly those customers, with proofs and exports; the timeline shows the
// views; protections are applied by exposure and one is lifted; a notification is previewed and
// sent once; the evidence bundle downloaded from the page verifies offline; the report is
// drafted and the incident closed. Every page, API response and SSE message of the security
// console is scanned for the customers' plaintext. Screenshots go to test-results/incident/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadAgent } from '../../src/access/agents.js';
import { verifyEvidenceBundle } from '../../src/incident/bundle-verify.js';
import { startSmtp, type TestSmtp } from '../incident/support/smtp.js';
import { DATABASES } from '../support/databases.js';
import { secretLeaves, startHarness, type Harness } from '../support/harness.js';
import { launchBrowser, PageRecorder } from './support/browser.js';

const SHOTS = path.resolve('test-results', 'incident');
const PROTECTED = ['fullName', 'email', 'phone', 'dateOfBirth', 'address', 'nationality', 'governmentId', 'kycDocuments', 'lastLoginAt', 'lastLoginIp',
  'lastLoginDevice', 'withdrawalAllowlist', 'pgpFingerprint', 'antiPhishingCode', 'totalBalance', 'holdings', 'transactions', 'bankAccounts'];

describe('incident response in the console', { timeout: 90_000 }, () => {
  let h: Harness;
  let smtp: TestSmtp;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    smtp = await startSmtp();
    // The in-server outbox sender delivers to the test SMTP server (read when the routes register).
    Object.assign(process.env, { KEYHOLE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, KEYHOLE_NOTIFY_FROM: 'Security <security@exchange.example>' });
    delete process.env.KEYHOLE_OUTBOX_SENDER;
    const pglite = DATABASES.find((d) => d.name === 'pglite');
    assert.ok(pglite);
    h = await startHarness(pglite);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await h?.close();
    await smtp?.close();
  });

  async function open(): Promise<{ page: Page; rec: PageRecorder }> {
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    return { page, rec: new PageRecorder(page) };
  }

  async function signIn(page: Page, agentId: string, tab: 'Agents' | 'Security') {
    await page.goto(base + '/');
    await page.getByText(tab, { exact: true }).click();
    await page.locator(`[data-agent-id="${agentId}"]`).click();
    await page.locator('[data-watermark]').waitFor();
  }

  /** Closes the toasts (bottom right), which may cover a button the test clicks next. */
  async function dismissToasts(page: Page) {
    for (const b of await page.locator('.mantine-Notification-closeButton').all()) await b.click().catch(() => undefined);
    await page.locator('.mantine-Notification-root').first().waitFor({ state: 'detached' });
  }

  const shot = (page: Page, name: string, fullPage = true) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });

  /** Clicks `button` and returns the text of the file it downloads. */
  async function downloadText(page: Page, button: string): Promise<{ name: string; text: string }> {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator(button).click()]);
    const file = await dl.path();
    return { name: dl.suggestedFilename(), text: readFileSync(file, 'utf8') };
  }

  it('contains an insider, shows exactly who was exposed, protects, notifies and hands over verifiable evidence', async () => {
    // The agent's open tickets for three different customers.
    const tickets = await h.rt.db.selectFrom('tickets').select(['id', 'customer_id', 'assignee_id']).where('status', '=', 'open').where('assignee_id', 'like', 'agt_%')
      .orderBy('assignee_id').orderBy('id').execute();
    const byAgent = new Map<string, { id: string; customer_id: string }[]>();
    for (const t of tickets) {
      const list = byAgent.get(t.assignee_id!) ?? [];
      if (!list.some((x) => x.customer_id === t.customer_id)) list.push(t);
      byAgent.set(t.assignee_id!, list);
    }
    const [agentId, own] = [...byAgent].find(([, l]) => l.length >= 3) ?? [];
    assert.ok(agentId && own, 'an agent with tickets for three customers');
    const viewed = own.slice(0, 3);
    const agent = h.staff.find((s) => s.id === agentId)!;
    const secrets = viewed.flatMap((t) => secretLeaves(h.customers.find((c) => c.id === t.customer_id)!, PROTECTED));
    assert.ok(secrets.length > 20);

    // 1. The agent views three customers in their console.
    const ag = await open();
    await signIn(ag.page, agent.id, 'Agents');
    for (const t of viewed) {
      h.clock.advance(90_000);
      await ag.page.goto(`${base}/tickets/${t.id}`);
      await ag.page.locator('[data-testid="customer-panel"] [data-field="email"]').waitFor();
    }
    await shot(ag.page, '01-agent-viewing');

    // 2. Security opens an incident on that agent: one action contains them.
    h.clock.advance(600_000);
    const sec = await open();
    await signIn(sec.page, 'sec_01', 'Security');
    await sec.page.getByRole('link', { name: /Incidents/ }).click();
    await sec.page.locator('[data-testid="incident-list"] .mantine-EmptyState-root').waitFor();
    await shot(sec.page, '02-no-incidents');
    await sec.page.locator('[data-testid="open-incident"]').click();
    await sec.page.locator('[data-testid="incident-agents"]').click();
    await sec.page.getByRole('option', { name: new RegExp(`\\(${agent.id}\\)`) }).click();
    await sec.page.keyboard.press('Escape');
    await sec.page.locator('[data-testid="incident-reason"]').fill('Viewed customers after a tip about screen recordings');
    await shot(sec.page, '03-open-incident');
    await sec.page.locator('[data-testid="confirm-open-incident"]').click();
    const pageEl = sec.page.locator('[data-testid="incident-page"]');
    await pageEl.waitFor();
    const incidentId = await pageEl.getAttribute('data-incident-id');
    assert.ok(incidentId?.startsWith('inc'));
    await sec.page.locator(`[data-contained-agent="${agent.id}"][data-status="suspended"]`).waitFor();
    await sec.page.locator('[data-history-action="agent_suspend"]').waitFor();
    const secName = h.staff.find((s) => s.id === 'sec_01')!.name;
    assert.ok((await sec.page.locator('[data-history-action="incident_open"]').innerText()).includes(secName), 'the history names who opened it');
    assert.equal((await loadAgent(h.rt.db, agent.id))?.status, 'suspended');
    await ag.page.locator('[data-testid="ended-reason"]').waitFor(); // the agent's console is signed out at once
    assert.equal(await ag.page.evaluate(() => fetch('/v1/me').then((r) => r.status)), 401);
    await shot(sec.page, '04-contained');
    await shot(ag.page, '05-agent-signed-out');

    // 3. The blast radius lists exactly the three customers, with totals, proofs and exports.
    await sec.page.locator('[data-testid="tab-blast"]').click();
    await sec.page.locator('[data-testid="blast-customers"]').waitFor();
    const listed = await sec.page.locator('[data-blast-customer]').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-blast-customer')))]);
    assert.deepEqual(listed.sort(), viewed.map((t) => t.customer_id).sort());
    assert.equal(await sec.page.locator('[data-testid="total-customers"]').getAttribute('data-value'), '3');
    assert.equal(await sec.page.locator(`[data-blast-customer="${viewed[0]!.customer_id}"][data-blast-field="email"]`).getAttribute('data-level'), 'masked');
    // Seen in full is apart from seen masked; plain attributes (tier, country…) are not "in full" (issue 14 item 6).
    const first = viewed[0]!.customer_id;
    const split = sec.page.locator(`[data-blast-customer="${first}"] [data-testid="blast-split"]`);
    const fullRows = await sec.page.locator(`[data-blast-customer="${first}"][data-level="revealed"]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-blast-field')));
    const plain = new Set(['accountId', 'tier', 'accountStatus', 'jurisdiction', 'createdAt', 'existence']);
    assert.equal(Number(await split.getAttribute('data-full')), fullRows.filter((f) => !plain.has(f ?? '')).length, 'plain attributes are not counted as seen in full');
    assert.ok(fullRows.some((f) => plain.has(f ?? '')), 'the view did show plain attributes');
    assert.ok(Number(await split.getAttribute('data-partly')) > 0);
    // Customers come a page at a time from the server, filtered there (issue 14 item 9).
    assert.equal(await sec.page.locator('[data-testid="blast-range"]').innerText(), 'Customers 1–3 of 3');
    const filtered = sec.page.waitForRequest((r) => r.url().includes('/blast-radius?') && new URL(r.url()).searchParams.get('q') === first);
    await sec.page.locator('[data-testid="blast-filter"]').fill(first);
    await filtered;
    await sec.page.locator('[data-testid="blast-customers"][data-matching="1"]').waitFor();
    assert.deepEqual(await sec.page.locator('[data-blast-customer]').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-blast-customer')))]), [first]);
    await sec.page.locator('[data-testid="blast-filter"]').fill('');
    await sec.page.locator('[data-testid="blast-customers"][data-matching="3"]').waitFor();
    await shot(sec.page, '06-blast-radius');
    await sec.page.locator(`[data-testid="proofs-${viewed[0]!.customer_id}"]`).click();
    await sec.page.locator('[data-testid="proofs"] [data-proof-seq]').first().waitFor();
    assert.match(await sec.page.locator('[data-testid="proofs"]').innerText(), /signed tree of \d+ entries/);
    await shot(sec.page, '07-inclusion-proofs', false);
    // On a small laptop or a tablet too, the proofs modal fits the window: inside the viewport, nothing wider than the modal (issue 14 item 9).
    await sec.page.setViewportSize({ width: 560, height: 640 });
    const fit = await sec.page.locator('.mantine-Modal-content').evaluate((el) => {
      const r = el.getBoundingClientRect();
      const codes = [...el.querySelectorAll('pre, code')].map((c) => c.scrollWidth - c.clientWidth);
      return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, vw: window.innerWidth, vh: window.innerHeight, overflowX: el.scrollWidth - el.clientWidth, codeOverflow: Math.max(0, ...codes) };
    });
    assert.ok(fit.top >= 0 && fit.bottom <= fit.vh && fit.left >= 0 && fit.right <= fit.vw, `the modal leaves the window: ${JSON.stringify(fit)}`);
    assert.ok(fit.overflowX <= 0 && fit.codeOverflow <= 0, `a proof runs off the modal: ${JSON.stringify(fit)}`);
    await shot(sec.page, '07b-inclusion-proofs-narrow', false);
    await sec.page.setViewportSize({ width: 1360, height: 900 });
    await sec.page.keyboard.press('Escape');
    await sec.page.locator('[data-testid="proofs"]').waitFor({ state: 'detached' });
    const csv = await downloadText(sec.page, '[data-testid="export-csv"]');
    assert.equal(csv.name, `${incidentId}-blast-radius.csv`);
    const csvCustomers = new Set(csv.text.trimEnd().split('\r\n').slice(1).map((l) => l.split(',')[0]));
    assert.deepEqual([...csvCustomers].sort(), listed.sort());
    const json = JSON.parse((await downloadText(sec.page, '[data-testid="export-json"]')).text) as { customers: { customerId: string }[] };
    assert.equal(json.customers.length, 3);

    // 4. The timeline shows the agent's views (chart and list).
    await sec.page.locator('[data-testid="tab-timeline"]').click();
    await sec.page.locator('[data-testid="timeline-chart"] .recharts-surface').waitFor();
    const views = await sec.page.locator('[data-timeline-seq][data-action="view"][data-decision="allow"]').count();
    assert.equal(views, 3);
    // Agents are named and times carry their date (issue 14 item 6).
    const row = await sec.page.locator('[data-timeline-seq][data-action="view"]').first().innerText();
    assert.ok(!/ in full/.test(row) || /\d+ in full, \d+ masked/.test(row), row);
    assert.match(row, /\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d/);
    await shot(sec.page, '08-timeline');

    // 5. Protections by exposure: every customer gets the never-call banner; lift one measure.
    await sec.page.locator('[data-testid="tab-protections"]').click();
    await sec.page.locator('[data-testid="apply-protections-button"]').click();
    await sec.page.locator('[data-protection-id]').first().waitFor();
    const banners = await sec.page.locator('[data-protection-id][data-kind="never_call_banner"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-customer')));
    assert.deepEqual(banners.sort(), listed.sort());
    const cooldowns = await sec.page.locator('[data-protection-id][data-kind="withdrawal_cooldown"]').count();
    assert.ok(cooldowns > 0, 'a masked e-mail calls for the withdrawal cool-down');
    assert.match(await sec.page.locator('[data-protection-id][data-kind="withdrawal_cooldown"]').first().innerText(), /48 h/, 'the default cool-down');
    const total = await sec.page.locator('[data-protection-id]').count();
    await shot(sec.page, '09-protections');
    const lift = sec.page.locator('[data-protection-id][data-kind="withdrawal_cooldown"]').first();
    const liftId = await lift.getAttribute('data-protection-id');
    await lift.getByRole('button', { name: 'Lift' }).click();
    await sec.page.locator('[data-testid="lift-reason"]').fill('Customer re-verified in person');
    await sec.page.locator('[data-testid="confirm-lift"]').click();
    await sec.page.locator(`[data-protection-id="${liftId}"]`).waitFor({ state: 'detached' });
    assert.equal(await sec.page.locator('[data-protection-id]').count(), total - 1);

    // 6. Notifications: preview one customer, send by e-mail, exactly once per customer.
    await sec.page.locator('[data-testid="tab-notifications"]').click();
    const preview = sec.page.locator('[data-testid="preview-text"]');
    await preview.waitFor();
    const text = await preview.innerText();
    assert.match(text, /What they saw/);
    assert.match(text, /your e-mail address: partly hidden/);
    assert.match(text, /We will never ask you for/);
    await sec.page.locator('[data-testid="preview-tailoring"] [data-advice="impersonation"]').waitFor();
    await sec.page.locator('[data-testid="preview-tailoring"] [data-advice="phishing"]').waitFor(); // the e-mail was seen (masked)
    await dismissToasts(sec.page);
    const subject = sec.page.locator('[data-testid="template-subject"]');
    await subject.fill(`[Security notice] ${await subject.inputValue()}`);
    await sec.page.locator('[data-testid="save-template"]').click();
    await sec.page.locator('[data-testid="template-version"]').filter({ hasText: 'Version 1' }).waitFor();
    await sec.page.locator('[data-testid="notification-preview"] [data-template-version="1"]').waitFor();
    assert.match(await sec.page.locator('[data-testid="preview-subject"]').innerText(), /^\[Security notice\] Keyhole Exchange: /);
    await shot(sec.page, '10-notification-preview');
    await dismissToasts(sec.page);
    await sec.page.locator('[data-testid="send-button"]').click();
    await sec.page.locator('[data-testid="outbox-status"] [data-status="sent"][data-count="3"]').waitFor({ timeout: 20_000 });
    await dismissToasts(sec.page);
    await sec.page.locator('[data-testid="send-button"]').click();
    await sec.page.locator('[data-testid="send-result"]').filter({ hasText: '0 queued, 3 already queued' }).waitFor();
    assert.equal(smtp.received.length, 3, 'one e-mail per customer, however often one clicks');
    const addresses = new Set(viewed.map((t) => String(h.customers.find((c) => c.id === t.customer_id)!.fields.email)));
    assert.deepEqual(new Set(smtp.received.map((m) => m.to)), addresses);
    assert.ok(smtp.received.every((m) => m.subject.startsWith('[Security notice]')), 'what was sent is what was previewed');
    await shot(sec.page, '11-notifications-sent');

    // 7. Evidence: the bundle downloaded from the page verifies offline against the pinned keys.
    await sec.page.locator('[data-testid="tab-evidence"]').click();
    const keys = await sec.page.evaluate(() => fetch('/v1/incident-keys').then((r) => r.json() as Promise<{ log: string; evidence: string }>));
    const bundle = await downloadText(sec.page, '[data-testid="download-bundle"]');
    assert.equal(bundle.name, `${incidentId}-evidence.json`);
    const verified = verifyEvidenceBundle(bundle.text, { logVerifierKey: keys.log, evidenceVerifierKey: keys.evidence });
    assert.equal(verified.incidentId, incidentId);
    assert.equal(verified.customers, 3);
    assert.deepEqual(verified.pinned, { log: true, evidence: true, witnesses: false });
    assert.throws(() => verifyEvidenceBundle(bundle.text.replace('"decision\\":\\"allow', '"decision\\":\\"deny'), { logVerifierKey: keys.log, evidenceVerifierKey: keys.evidence }));
    await sec.page.locator('[data-testid="bundle-saved"]').waitFor();
    assert.ok((await sec.page.locator('[data-testid="verify-command"]').innerText()).includes(keys.evidence));
    await sec.page.locator('[data-testid="draft-report"]').click();
    const report = sec.page.locator('[data-testid="markdown"]');
    await report.getByText('Personal data breach notification — DRAFT').waitFor();
    assert.match(await report.innerText(), /Data subjects concerned: 3/);
    assert.match(await report.innerText(), /3 sent/);
    await shot(sec.page, '12-evidence-and-report');

    // 8. Close; the history says who did what.
    await sec.page.locator('[data-testid="close-incident"]').click();
    await sec.page.locator('[data-testid="close-reason"]').fill('Reported to the authority');
    await sec.page.locator('[data-testid="confirm-close"]').click();
    await sec.page.locator('[data-testid="incident-page"][data-status="closed"]').waitFor();
    await sec.page.getByRole('tab', { name: 'Containment' }).click();
    for (const a of ['incident_open', 'agent_suspend', 'protection_apply', 'protection_lift', 'notification_queue', 'notification_send', 'evidence_export', 'incident_close']) {
      await sec.page.locator(`[data-history-action="${a}"]`).first().waitFor();
    }
    assert.equal((await loadAgent(h.rt.db, agent.id))?.status, 'suspended', 'closing does not reinstate');
    await shot(sec.page, '13-closed-history');
    await sec.rec.assertNoLeak(secrets, 'security console');
    await sec.page.goto(`${base}/security/incidents`);
    await sec.page.locator(`[data-incident-id="${incidentId}"]`).waitFor();
  });

  it('only the security team reaches incidents; mistakes and unknown ids say what to do', async () => {
    const active = await h.rt.db.selectFrom('agents').select('id').where('role', '=', 'agent').where('status', '=', 'active').orderBy('id').executeTakeFirstOrThrow();
    const ag = await open();
    await signIn(ag.page, active.id, 'Agents');
    await ag.page.goto(`${base}/security/incidents`);
    await ag.page.waitForURL(/\/queue$/);
    assert.equal(await ag.page.evaluate(() => fetch('/v1/incidents').then((r) => r.status)), 403);

    const sec = await open();
    await signIn(sec.page, 'sec_01', 'Security');
    await sec.page.goto(`${base}/security/incidents/inc_unknown`);
    const err = sec.page.locator('[data-testid="error-state"]');
    await err.waitFor();
    const said = await err.innerText();
    assert.ok(said.includes('INCIDENT_NOT_FOUND') && said.includes('No incident has this id'), said);
    await shot(sec.page, '14-unknown-incident');
    await sec.page.goto(`${base}/security/incidents?agent=${active.id}`);
    await sec.page.locator('[data-testid="incident-agents"]').waitFor();
    await sec.page.locator('[data-testid="confirm-open-incident"]').click();
    await sec.page.getByText('Give a reason', { exact: false }).waitFor();
    await shot(sec.page, '15-open-needs-reason');
  });
});
