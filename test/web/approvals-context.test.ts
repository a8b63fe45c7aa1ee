// Issue 14 item 8 end to end in headless Chromium: the supervisor's approval card shows the
// caller-verification status, the agent's recent reveals and risk, the consent status and a
// link to the ticket; the agent's request list shows the grant's expiry before use, "used"
// after a reload (no dead "Show value" button), "expired" for a grant or a request that lapsed —
// all from the server's state and clock. Screenshots go to test-results/web/.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadAgent } from '../../src/access/agents.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { launchBrowser, shot } from './support/browser.js';

describe('approval context and request states', { timeout: 150_000 }, () => {
  let h: Harness;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];
  let n = 0;

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

  const ctx = async (id: string) => ({ agent: (await loadAgent(h.rt.db, id))!, requestId: `req_ac_${n++}` });

  async function signIn(agentId: string, tab: 'Agents' | 'Supervisors'): Promise<Page> {
    const c = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(c);
    const page = await c.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(base + '/');
    await page.getByText(tab, { exact: true }).click();
    await page.locator(`[data-agent-id="${agentId}"]`).click();
    await page.locator('[data-watermark]').waitFor();
    return page;
  }

  it('the card carries the context; the desk shows expiry before use, then used or expired from the server', async () => {
    const ticket = await h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', 'account_access').where('status', '=', 'open').orderBy('id').executeTakeFirstOrThrow();
    const agentId = ticket.assignee_id as string;
    const customer = h.customers.find((c) => c.id === ticket.customer_id)!;
    const agentCtx = await ctx(agentId);
    await h.rt.broker.verify(agentCtx, ticket.id, 'dateOfBirth', customer.fields.dateOfBirth as string);

    const agent = await signIn(agentId, 'Agents');
    await agent.goto(`${base}/tickets/${ticket.id}`);
    await agent.locator('[data-field="email"][data-level="masked"]').waitFor();
    const req = await h.rt.broker.requestReveal(await ctx(agentId), ticket.id, ['email'], 'Customer cannot receive our e-mails');

    // The supervisor's card: verification, recent activity, risk, consent, ticket link.
    const sup = await signIn('sup_01', 'Supervisors');
    const card = sup.locator(`[data-testid="approval-card"][data-request-id="${req.id}"]`);
    await card.locator('[data-testid="approval-context"]').waitFor();
    assert.equal(await card.locator('[data-testid="ctx-verification"]').getAttribute('data-verified'), 'matched');
    assert.match(await card.locator('[data-testid="ctx-verification"]').innerText(), /Date of birth matched/);
    assert.match(await card.locator('[data-testid="ctx-recent"]').innerText(), /last 24 h: \d+ values? shown · \d+ requests?/);
    assert.equal(await card.locator('[data-testid="ctx-consent"]').getAttribute('data-consent'), 'not_needed');
    if (h.rt.detection) await card.locator('[data-testid="ctx-risk"]').waitFor();
    assert.ok(!(await card.innerText()).includes(customer.fields.dateOfBirth as string), 'never the value');
    await shot(sup, '40-approval-card-context');
    const forbidden = await h.app.inject({ method: 'GET', url: `/v1/reveal-requests/${req.id}/context`, headers: { cookie: await h.login(agentId) } });
    assert.equal(forbidden.statusCode, 403, 'agents do not read the decider\'s context');
    await card.locator('[data-testid="ctx-ticket-link"]').click();
    await sup.getByText('Not your ticket').waitFor();
    assert.ok((await sup.content()).includes(ticket.subject));
    await sup.goBack();
    await card.locator('[data-testid="approve"]').click();
    await card.waitFor({ state: 'detached' });

    // The agent sees the expiry before using it; after use and a reload, "used".
    const item = agent.locator(`[data-request-id="${req.id}"]`);
    await agent.locator(`[data-request-id="${req.id}"][data-grant="live"]`).waitFor();
    assert.match(await item.locator('[data-testid="grant-expiry"]').innerText(), /usable until \d\d:\d\d/);
    await shot(agent, '41-agent-grant-expiry-before-use');
    await item.locator('[data-testid="show-revealed"]').click();
    await agent.locator('[data-field="email"][data-level="granted"]').waitFor();
    await agent.reload();
    await agent.locator(`[data-request-id="${req.id}"][data-grant="used"] [data-testid="grant-used"]`).waitFor();
    assert.equal(await agent.locator(`[data-request-id="${req.id}"] [data-testid="show-revealed"]`).count(), 0, 'no dead "Show value" button');

    // A grant nobody used lapses: "expired", by the server's clock.
    const second = await h.rt.broker.requestReveal(await ctx(agentId), ticket.id, ['phone'], 'Caller wants to confirm the phone on file');
    await h.rt.broker.decideReveal(await ctx('sup_01'), second.id, 'approve', { durationMinutes: 5 });
    h.clock.advance(6 * 60_000);
    await agent.reload();
    await agent.locator(`[data-request-id="${second.id}"][data-grant="expired"] [data-testid="grant-expired"]`).waitFor();

    // A request nobody decided lapses too.
    const third = await h.rt.broker.requestReveal(await ctx(agentId), ticket.id, ['phone'], 'Second try at the phone number');
    h.clock.advance(61 * 60_000);
    await agent.reload();
    await agent.locator(`[data-request-id="${third.id}"][data-status="expired"]`).waitFor();
    await shot(agent, '42-agent-requests-used-expired');
  });
});
