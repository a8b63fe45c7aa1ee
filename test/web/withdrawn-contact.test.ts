// Issue 14 item 1 end to end in headless Chromium: a customer's portal vouches for the agent on
// their open ticket ("Is this really support?" with the contact code); a security engineer
// suspends that agent in the console; the portal then says plainly that the earlier contact —
// that pseudonym and that code — is no longer from support, and shows the ticket's new code.
// Screenshots go to test-results/portal/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { agentPseudonym } from '../../src/access/pseudonym.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { launchBrowser } from './support/browser.js';

const SHOTS = path.resolve('test-results', 'portal');

describe('a suspended agent is withdrawn from the portal', { timeout: 120_000 }, () => {
  let h: Harness;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    const pglite = DATABASES.find((d) => d.name === 'pglite');
    assert.ok(pglite);
    h = await startHarness(pglite);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://localhost:${(h.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await h?.close();
  });

  async function open(): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    return page;
  }

  it('suspension in the console; the portal says the earlier contact is not support and shows a new code', async () => {
    const listed = (await h.app.inject({ method: 'GET', url: '/v1/customer/demo/customers' })).json().customers as { id: string }[];
    const ticket = await h.rt.db.selectFrom('tickets').selectAll().where('status', '=', 'open').where('assignee_id', 'is not', null)
      .where('customer_id', 'in', listed.map((c) => c.id)).orderBy('id').executeTakeFirstOrThrow();
    const agentId = ticket.assignee_id as string;
    const pseudonym = await agentPseudonym(h.rt.vault, agentId);
    assert.ok(ticket.contact_code);

    // The customer's portal vouches for the agent now.
    const cust = await open();
    await cust.goto(`${base}/portal`);
    await cust.locator(`[data-customer-id="${ticket.customer_id}"]`).click();
    const contact = cust.locator(`[data-testid="support-contact"][data-ticket-id="${ticket.id}"]`);
    await contact.waitFor();
    assert.equal(await contact.locator('[data-testid="contact-code"]').innerText(), ticket.contact_code);
    assert.ok((await contact.innerText()).includes(pseudonym));
    assert.equal(await cust.locator('[data-testid="withdrawn-contact"]').count(), 0);

    // Security suspends the agent from the dashboard.
    const sec = await open();
    await sec.goto(`${base}/`);
    await sec.getByText('Security', { exact: true }).click();
    await sec.locator('[data-agent-id="sec_01"]').click();
    await sec.locator(`[data-testid="suspend-${agentId}"]`).click();
    await sec.locator('[data-testid="suspend-reason"]').fill('Filming customer records with a phone');
    await sec.locator('[data-testid="confirm-suspend"]').click();
    await sec.locator(`[data-testid="status-${agentId}"]`).filter({ hasText: 'suspended' }).waitFor();
    await sec.getByText(/open ticket\(s\) handed over with new contact codes/).waitFor();
    await sec.screenshot({ path: path.join(SHOTS, '20-suspended-tickets-handed-over.png') });

    // The portal no longer vouches for them: it says so plainly, with the old code, and the
    // ticket shows a different code.
    await cust.reload();
    const warning = cust.locator(`[data-testid="withdrawn-contact"][data-ticket-id="${ticket.id}"]`);
    await warning.waitFor();
    const text = await warning.innerText();
    assert.ok(text.includes(pseudonym) && text.includes('no longer from support'), text);
    assert.equal(await warning.locator('[data-testid="withdrawn-code"]').innerText(), ticket.contact_code);
    assert.match(text, /it is not us/);
    const newCode = await cust.locator(`[data-testid="support-contact"][data-ticket-id="${ticket.id}"] [data-testid="contact-code"]`).innerText();
    assert.match(newCode, /^\d{6}$/);
    assert.notEqual(newCode, ticket.contact_code);
    assert.ok(!(await cust.locator(`[data-testid="support-contact"][data-ticket-id="${ticket.id}"]`).innerText()).includes(pseudonym));
    await cust.locator('[data-testid="notice"][data-kind="contact_withdrawn"]').first().waitFor();
    await cust.screenshot({ path: path.join(SHOTS, '20-contact-withdrawn.png'), fullPage: true });
  });
});
