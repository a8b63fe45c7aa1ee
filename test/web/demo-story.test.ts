// Issue 14 item 10 in headless Chromium: the portal's demo picker searches every customer (one
// without an open ticket is found and signed in as), and the console's Sent mail page lists what
// demo mode's local mail catcher received from the notification transport. Screenshots go to
// test-results/web/.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext } from 'playwright-core';
import { startMailCatcher, type MailCatcher } from '../../src/incident/mail-catcher.js';
import { messageIdFor } from '../../src/incident/notifier.js';
import { SmtpNotifier } from '../../src/incident/smtp-notifier.js';
import { buildApp } from '../../src/server/app.js';
import { demoMailRoutes } from '../../src/server/routes/demo-mail.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { launchBrowser, shot } from './support/browser.js';

describe('the demo tells the whole story', { timeout: 90_000 }, () => {
  let h: Harness;
  let app: FastifyInstance;
  let catcher: MailCatcher;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    const pglite = DATABASES.find((d) => d.name === 'pglite');
    assert.ok(pglite);
    h = await startHarness(pglite);
    catcher = await startMailCatcher();
    app = await buildApp(h.rt, { demo: true, logger: false, extraAuthenticated: [demoMailRoutes(catcher)] }); // as `keyhole serve` in demo mode
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await app?.close();
    await catcher?.close();
    await h?.close();
  });

  async function newPage() {
    const c = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    contexts.push(c);
    const page = await c.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    return page;
  }

  it('the portal demo picker finds a customer without an open ticket', async () => {
    const open = new Set((await h.rt.db.selectFrom('tickets').select('customer_id').where('status', '=', 'open').execute()).map((t) => t.customer_id));
    const quiet = h.customers.find((c) => !open.has(c.id) && !c.isDecoy);
    assert.ok(quiet);
    const page = await newPage();
    await page.goto(`${base}/portal`);
    await page.locator('[data-testid="demo-picker"] [data-customer-id]').first().waitFor();
    assert.equal(await page.locator(`[data-customer-id="${quiet.id}"]`).count(), 0, 'not in the default list');
    await page.locator('[data-testid="demo-customer-search"]').fill(quiet.accountId);
    await page.locator(`[data-customer-id="${quiet.id}"]`).waitFor();
    await shot(page, '60-portal-demo-search');
    await page.locator(`[data-customer-id="${quiet.id}"]`).click();
    await page.locator('[data-testid="demo-picker"]').waitFor({ state: 'detached' });
  });

  it('Sent mail lists what the local mail catcher received', async () => {
    const notifier = new SmtpNotifier({ url: catcher.url, from: 'Security <security@keyhole.demo>', timeoutMs: 5000 });
    try {
      for (const [i, to] of ['ana@example.org', 'ben@example.org'].entries()) {
        const key = `inc_demo:cus_${i}:email`;
        await notifier.send({ idempotencyKey: key, messageId: messageIdFor(key, 'keyhole.demo'), to, subject: 'Important: about your account', text: `Hello ${to}: we will never call you.`, payload: {}, redelivery: false });
      }
    } finally {
      await notifier.close?.();
    }
    const page = await newPage();
    await page.goto(base + '/');
    await page.getByText('Security', { exact: true }).click();
    await page.locator('[data-agent-id="sec_01"]').click();
    await page.locator('[data-watermark]').waitFor();
    await page.goto(base + '/security/mail');
    await page.locator('[data-testid="sent-mail"][data-count="2"]').waitFor();
    assert.deepEqual(await page.locator('[data-mail-to]').evaluateAll((els) => els.map((e) => e.getAttribute('data-mail-to'))), ['ben@example.org', 'ana@example.org']);
    await page.locator('[data-mail-to="ana@example.org"] button').first().click();
    await page.locator('[data-mail-to="ana@example.org"]').getByText('Hello ana@example.org: we will never call you.').waitFor();
    await shot(page, '61-sent-mail');
  });
});
