// The console end to end in headless Chromium against a real Keyhole server: an agent signs
// in, opens a ticket, sees a masked e-mail, fails and passes a date-of-birth check and asks for
// a reveal; a supervisor approves it in another browser; the agent sees the value once and it
// is gone on reload; the security dashboard shows each event live; suspending the agent signs
// them out. At every step the HTML, every API response and every SSE message are scanned for
// the plaintext of each field not granted. Screenshots go to test-results/web/.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DATABASES } from '../support/databases.js';
import { secretLeaves, startHarness, supervisorFor, type Harness } from '../support/harness.js';
import { launchBrowser, PageRecorder, shot } from './support/browser.js';

const PROTECTED = ['fullName', 'email', 'phone', 'dateOfBirth', 'address', 'nationality', 'governmentId', 'kycDocuments', 'lastLoginAt', 'lastLoginIp',
  'lastLoginDevice', 'withdrawalAllowlist', 'pgpFingerprint', 'antiPhishingCode', 'totalBalance', 'holdings', 'transactions', 'bankAccounts'];

describe('the console in a browser', { timeout: 90_000 }, () => {
  let h: Harness;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    const pglite = DATABASES.find((d) => d.name === 'pglite');
    assert.ok(pglite);
    h = await startHarness(pglite);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await h?.close();
  });

  async function open(opts: { clock?: boolean } = {}): Promise<{ page: Page; rec: PageRecorder }> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    contexts.push(ctx);
    if (opts.clock) await ctx.clock.install(); // time flows, and the test may jump it forward
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    const rec = new PageRecorder(page);
    return { page, rec };
  }

  async function signIn(page: Page, agentId: string, tab: 'Agents' | 'Supervisors' | 'Security') {
    await page.goto(base + '/');
    await page.getByText(tab, { exact: true }).click();
    await page.locator(`[data-agent-id="${agentId}"]`).click();
    await page.locator('[data-watermark]').waitFor();
  }

  it('runs the reveal flow with four-eyes approval, live security feed and suspension, leaking nothing', async () => {
    const ticket = await h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', 'account_access').where('status', '=', 'open').orderBy('id').executeTakeFirstOrThrow();
    const agent = h.staff.find((s) => s.id === ticket.assignee_id);
    const customer = h.customers.find((c) => c.id === ticket.customer_id);
    assert.ok(agent && customer);
    const email = customer.fields.email as string;
    const dob = customer.fields.dateOfBirth as string;
    const secrets = secretLeaves(customer, PROTECTED);
    const notEmail = secretLeaves(customer, PROTECTED.filter((f) => f !== 'email'));
    assert.ok(secrets.includes(email) && secrets.includes(dob));

    // Security watches the dashboard from the start.
    const sec = await open();
    await signIn(sec.page, 'sec_01', 'Security');
    await sec.page.locator('[data-testid="live-feed"]').waitFor();
    await sec.page.locator(`[data-agent-row="${agent.id}"]`).waitFor();
    const liveItem = (action: string, decision = 'allow') => sec.page.locator(`[data-testid="feed-item"][data-live="true"][data-action="${action}"][data-decision="${decision}"]`).first().waitFor();

    // 1. The agent signs in and opens the ticket: the e-mail is masked.
    const ag = await open({ clock: true });
    await signIn(ag.page, agent.id, 'Agents');
    await ag.page.locator(`[data-ticket-id="${ticket.id}"]`).waitFor();
    await shot(ag.page, '01-agent-queue');
    await ag.rec.assertNoLeak(secrets, 'agent queue');
    await ag.page.locator(`[data-ticket-id="${ticket.id}"]`).click();
    const emailRow = ag.page.locator('[data-field="email"]');
    await ag.page.locator('[data-field="email"][data-level="masked"]').waitFor();
    assert.match(await emailRow.innerText(), /\*\*\*@/);
    await liveItem('view');

    // The watermark names the agent and the session, and comes back when removed.
    const me = await ag.page.evaluate(() => fetch('/v1/me').then((r) => r.json() as Promise<{ sessionCode: string }>));
    const watermark = async () => decodeURIComponent(await ag.page.locator('[data-watermark]').evaluate((el) => (el as HTMLElement).style.backgroundImage));
    const mark = await watermark();
    assert.ok(mark.includes('data:image/svg+xml') && mark.includes(agent.name) && mark.includes(me.sessionCode), 'watermark names agent and session');
    await ag.page.locator('[data-watermark]').evaluate((el) => el.removeAttribute('style'));
    await ag.page.waitForFunction(() => (document.querySelector('[data-watermark]') as HTMLElement).style.backgroundImage.includes('svg'));
    await shot(ag.page, '02-agent-ticket-masked');
    await ag.rec.assertNoLeak(secrets, 'agent ticket');

    // 2. A failed, then a passed date-of-birth check; the typed answer does not stay in the page.
    const dobInput = ag.page.locator('[data-verify-input="dateOfBirth"]');
    await dobInput.fill('1900-01-01');
    await dobInput.press('Enter');
    const result = ag.page.locator('[data-testid="verify-result-dateOfBirth"]');
    await ag.page.locator('[data-testid="verify-result-dateOfBirth"][data-match="false"]').waitFor();
    assert.match(await result.innerText(), /No match[\s\S]*4 attempts left/);
    await liveItem('verify');
    const [y, m, d] = dob.split('-');
    await dobInput.fill(`${d}/${m}/${y}`);
    await dobInput.press('Enter');
    await ag.page.locator('[data-testid="verify-result-dateOfBirth"][data-match="true"]').waitFor();
    assert.equal(await dobInput.inputValue(), '');
    await shot(ag.page, '03-agent-verified');
    await ag.rec.assertNoLeak(secrets, 'agent verify');
    await sec.page.locator(`[data-agent-row="${agent.id}"] [data-col="failedVerifies"]`).filter({ hasText: '1' }).waitFor();

    // 3. The agent asks to reveal the e-mail.
    await ag.page.locator('[data-testid="reveal-fields"]').click();
    await ag.page.getByRole('option', { name: 'E-mail' }).click();
    await ag.page.locator('[data-testid="reveal-reason"]').fill('Customer cannot receive our e-mails');
    await ag.page.getByRole('button', { name: 'Send request' }).click();
    const request = ag.page.locator('[data-request-id][data-status="pending"]');
    await request.waitFor();
    const requestId = await request.getAttribute('data-request-id');
    assert.ok(requestId);
    await liveItem('reveal_request');
    await ag.rec.assertNoLeak(secrets, 'agent request');

    // 4. A supervisor approves it in a second browser context.
    const sup = await open();
    await signIn(sup.page, supervisorFor(h.staff, agent.id).id, 'Supervisors');
    const card = sup.page.locator(`[data-testid="approval-card"][data-request-id="${requestId}"]`);
    await card.waitFor();
    const cardText = await card.innerText();
    for (const part of [agent.name, ticket.id, 'E-mail', 'Customer cannot receive our e-mails']) assert.ok(cardText.includes(part), `the queue shows ${part}`);
    await shot(sup.page, '04-supervisor-approvals');
    await sup.rec.assertNoLeak(secrets, 'supervisor queue');
    await card.getByRole('textbox', { name: 'Comment' }).fill('Confirmed on the call');
    await card.locator('[data-testid="approve"]').click();
    await card.waitFor({ state: 'detached' });
    await liveItem('reveal_approve');
    await sup.rec.assertNoLeak(secrets, 'supervisor approved');

    // 5. The agent sees the approval live and shows the value, once.
    await ag.page.locator(`[data-request-id="${requestId}"][data-status="approved"]`).waitFor();
    const before = ag.rec.count;
    await ag.page.locator('[data-testid="show-revealed"]').click();
    await ag.page.locator('[data-field="email"][data-level="granted"]').waitFor();
    const views = ag.rec.indicesSince(before, /^GET .*\/customer$/);
    assert.equal(views.length, 1, 'one view consumed the grant');
    const granted = new Set(views);
    assert.ok((await emailRow.innerText()).includes(email), 'the revealed e-mail is on screen');
    assert.match(await ag.page.locator('[data-testid="countdown-email"]').innerText(), /Disappears in \d+:\d\d/);
    await liveItem('grant_use');
    await shot(ag.page, '05-agent-revealed');
    await ag.rec.assertNoLeak(notEmail, 'agent revealed', granted);
    assert.ok(!(await ag.page.content()).includes(dob));

    // 6. It disappears when the grant expires (the browser's clock jumps 16 minutes), and it
    //    is not back on reload: the grant was single-use.
    await ag.page.clock.fastForward('16:00');
    await ag.page.locator('[data-field="email"][data-level="masked"]').waitFor();
    assert.ok(!(await ag.page.content()).includes(email), 'gone after expiry');
    await ag.page.reload();
    await ag.page.locator('[data-field="email"][data-level="masked"]').waitFor();
    await ag.rec.assertNoLeak(secrets, 'agent after reload', granted);
    assert.ok(!(await ag.page.content()).includes(email));
    await shot(ag.page, '06-agent-after-reload');

    // One click closes the ticket.
    await ag.page.locator('[data-testid="close-ticket"]').click();
    await ag.page.locator('[data-testid="ticket-list"]').waitFor();
    assert.equal(await ag.page.locator(`[data-ticket-id="${ticket.id}"]`).count(), 0);
    await liveItem('ticket_close');

    // 7. The dashboard showed every step live; the security pages leak nothing either.
    await shot(sec.page, '07-security-dashboard');
    await sec.rec.assertNoLeak(secrets, 'security dashboard');
    await sec.page.goto(`${base}/security/audit?agentId=${agent.id}`);
    await sec.page.locator('[data-audit-action="grant_use"]').waitFor();
    await shot(sec.page, '08-security-audit-log');
    await sec.page.goto(`${base}/security`);
    await sec.page.locator(`[data-agent-row="${agent.id}"]`).waitFor();
    await ag.page.locator(`[data-ticket-id]`).first().click();
    await ag.page.locator('[data-testid="customer-panel"]').waitFor();

    // 8. Suspension signs the agent out at once.
    await sec.page.locator(`[data-testid="suspend-${agent.id}"]`).click();
    await sec.page.locator('[data-testid="suspend-reason"]').fill('Screen recording reported by a colleague');
    await sec.page.locator('[data-testid="confirm-suspend"]').click();
    await ag.page.locator('[data-testid="ended-reason"]').waitFor();
    assert.match(await ag.page.locator('[data-testid="ended-reason"]').innerText(), /suspended/);
    await liveItem('agent_suspend');
    await sec.page.locator(`[data-testid="status-${agent.id}"]`).filter({ hasText: 'suspended' }).waitFor();
    await shot(ag.page, '09-agent-signed-out');
    await shot(sec.page, '10-security-after-suspension');
    const after = await ag.page.evaluate(() => fetch('/v1/me').then((r) => r.status));
    assert.equal(after, 401);
    for (const r of [ag, sup, sec]) await r.rec.assertNoLeak(secrets, 'end', r === ag ? granted : new Set());
  });

  it('is keyboard-friendly: / looks up a contact, ? shows shortcuts, t switches the theme; errors show the API message', async () => {
    const agentRow = h.staff.find((s) => s.role === 'agent' && s.id !== 'agt_001' && h.customers.some((c) => s.regions.includes(c.jurisdiction)));
    assert.ok(agentRow);
    const customer = h.customers.find((c) => agentRow.regions.includes(c.jurisdiction));
    assert.ok(customer);
    const { page, rec } = await open();
    await signIn(page, agentRow.id, 'Agents');
    await page.locator('[data-testid="ticket-list"], .mantine-EmptyState-root').first().waitFor();
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await shot(page, '11-help');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const scheme = () => page.evaluate(() => document.documentElement.getAttribute('data-mantine-color-scheme'));
    const before = await scheme();
    await page.keyboard.press('t');
    await page.waitForFunction((b) => document.documentElement.getAttribute('data-mantine-color-scheme') !== b, before);
    await page.keyboard.press('/');
    const lookup = page.locator('[data-testid="lookup-input"]');
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'lookup-input');
    await lookup.fill('nobody-here@example.invalid');
    await lookup.press('Enter');
    const err = page.locator('[data-testid="lookup-error"]');
    await err.waitFor();
    assert.match(await err.innerText(), /No customer matches/);
    await shot(page, '12-lookup-no-match-dark');
    await lookup.fill(customer.accountId);
    await lookup.press('Enter');
    await page.locator('[data-testid="customer-panel"]').waitFor();
    assert.ok((await page.locator('[data-field="accountId"]').innerText()).includes(customer.accountId));
    await page.keyboard.press('g');
    await page.keyboard.press('q');
    await page.locator('[data-testid="lookup-input"]').waitFor();
    await rec.assertNoLeak(secretLeaves(customer, PROTECTED), 'lookup');
  });
});
