// Issue 14 item 3 end to end in headless Chromium: a customer locks their data; the agent on
// their ticket sees why (not a raw 403), what to do, and asks for break-glass; the request
// reaches the security team's queue; one engineer's approval is not enough (the button says a
// second, different engineer must approve); the second approval opens the ticket and the
// agent's desk shows the customer with the break-glass banner. Screenshots: test-results/web/.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { launchBrowser, shot } from './support/browser.js';

describe('break-glass in the console', { timeout: 120_000 }, () => {
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

  async function signIn(agentId: string, tab: 'Agents' | 'Security'): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(base + '/');
    await page.getByText(tab, { exact: true }).click();
    await page.locator(`[data-agent-id="${agentId}"]`).click();
    await page.locator('[data-watermark]').waitFor();
    return page;
  }

  it('locked customer: reason and guidance, a break-glass request, two distinct approvers, then the data', async () => {
    const ticket = await h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', 'account_access').where('status', '=', 'open').orderBy('id').executeTakeFirstOrThrow();
    const agentId = ticket.assignee_id as string;
    const login = await h.app.inject({ method: 'POST', url: '/v1/customer/demo/login', payload: { customerId: ticket.customer_id } });
    const cookie = `kh_customer=${login.cookies.find((c) => c.name === 'kh_customer')?.value}`;
    const lock = await h.app.inject({ method: 'PUT', url: '/v1/customer/lock', headers: { cookie }, payload: { locked: true } });
    assert.equal(lock.statusCode, 200, lock.body);
    const denied = await h.app.inject({ method: 'GET', url: `/v1/tickets/${ticket.id}/customer`, headers: { cookie: await h.login(agentId) } });
    assert.deepEqual([denied.statusCode, denied.json().error.code], [403, 'CUSTOMER_LOCKED']);

    // The agent sees the reason and what to do, not "POLICY_DENIED · HTTP 403".
    const agent = await signIn(agentId, 'Agents');
    await agent.goto(`${base}/tickets/${ticket.id}`);
    const panel = agent.locator('[data-testid="customer-locked"]');
    // The panel can mount before its text renders (seen on a loaded machine): wait for the words.
    await panel.filter({ hasText: 'The customer has locked their data' }).waitFor();
    const text = await panel.innerText();
    assert.ok(text.includes('The customer has locked their data'), text);
    assert.ok(text.includes('ask them to turn the lock off'), text);
    assert.ok(!text.includes('HTTP 403') && !text.includes('POLICY_DENIED'));
    await shot(agent, '20-agent-customer-locked');
    await agent.locator('[data-testid="break-glass-reason"]').fill('Customer reports a withdrawal in progress they did not make');
    await agent.locator('[data-testid="request-break-glass"]').click();
    await agent.locator('[data-testid="break-glass-status"][data-status="pending"]').waitFor();
    const id = await agent.locator('[data-testid="break-glass-status"]').getAttribute('data-break-glass-id');
    assert.ok(id);
    assert.match(await agent.locator('[data-testid="break-glass-approvals"]').innerText(), /0 of 2 approvals/);
    await shot(agent, '21-agent-break-glass-pending');

    // The first security engineer approves: not enough on its own.
    const sec1 = await signIn('sec_01', 'Security');
    await sec1.getByRole('link', { name: 'Break-glass' }).click();
    const card1 = sec1.locator(`[data-testid="break-glass-card"][data-break-glass-id="${id}"]`);
    await card1.waitFor();
    const agentName = h.staff.find((s) => s.id === agentId)?.name as string;
    assert.ok((await card1.innerText()).includes(agentName));
    assert.ok((await card1.innerText()).includes('Customer reports a withdrawal in progress'));
    await shot(sec1, '22-security-break-glass-queue');
    await card1.locator('[data-testid="break-glass-approve"]').click();
    await sec1.locator(`[data-testid="break-glass-card"][data-break-glass-id="${id}"][data-approvals="1"]`).waitFor();
    await card1.locator('[data-testid="break-glass-waiting"]').waitFor();
    assert.ok(await card1.locator('[data-testid="break-glass-approve"]').isDisabled(), 'one engineer cannot approve twice');
    const still = await h.app.inject({ method: 'GET', url: `/v1/tickets/${ticket.id}/customer`, headers: { cookie: await h.login(agentId) } });
    assert.equal(still.statusCode, 403, 'one approval does not open the lock');
    await shot(sec1, '23-security-break-glass-one-approval');

    // A second, different engineer approves: the ticket opens for the agent.
    const sec2 = await signIn('sec_02', 'Security');
    await sec2.goto(`${base}/security/break-glass`);
    const card2 = sec2.locator(`[data-testid="break-glass-card"][data-break-glass-id="${id}"][data-approvals="1"]`);
    await card2.waitFor();
    await card2.locator('[data-testid="break-glass-approve"]').click();
    await card2.waitFor({ state: 'detached' });
    await agent.locator('[data-testid="customer-panel"]').waitFor({ timeout: 30_000 });
    await shot(agent, '24-agent-break-glass-open');
    const row = await h.rt.db.selectFrom('break_glass_requests').select(['status', 'approvers']).where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'approved');
    assert.deepEqual([...row.approvers].sort(), ['sec_01', 'sec_02']);
  });

  it('the portal on 127.0.0.1 says passkeys need localhost (issue 14 item 10)', async () => {
    const ctx = await browser.newContext();
    contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto(`${base}/portal`);
    const hint = page.locator('[data-testid="localhost-hint"]');
    await hint.waitFor({ timeout: 20_000 });
    assert.match(await hint.locator('a').getAttribute('href') ?? '', /^http:\/\/localhost:\d+\/portal$/);
  });
});
