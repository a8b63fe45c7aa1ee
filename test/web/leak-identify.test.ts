// The security dashboard's upload of a leaked picture, in headless Chromium against a real
// Keyhole server: an agent opens a ticket; a Chromium screenshot of that page (the fixture,
// saved to test-results/web/) is damaged as a phone would (downscale, JPEG) and uploaded by a
// security engineer, whose screen names the agent, the session, the ticket and the customer,
// with proofs; a picture without a mark says "no mark found"; an agent cannot reach the page.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { renderPage } from '../watermark/support/page.js';
import { launchBrowser, shot, SHOTS_DIR } from './support/browser.js';

describe('identifying a leaked picture on the security dashboard', { timeout: 120_000 }, () => {
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

  /** A signed-in page at the server's (fixed) time, so the mark's slot is the log's. */
  async function signIn(agentId: string, tab: 'Agents' | 'Security'): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    contexts.push(ctx);
    await ctx.clock.setFixedTime(h.clock.now());
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(base + '/');
    await page.getByText(tab, { exact: true }).click();
    await page.locator(`[data-agent-id="${agentId}"]`).click();
    await page.locator('[data-watermark]').waitFor();
    return page;
  }

  it('names the agent, session, ticket and customer of a leaked screenshot, and says when there is no mark', async () => {
    const ticket = await h.rt.db.selectFrom('tickets').selectAll().where('status', '=', 'open').where('assignee_id', 'is not', null).orderBy('id').executeTakeFirstOrThrow();
    const agentId = ticket.assignee_id as string;

    // The agent looks at the ticket; the "leak" is a screenshot of that page.
    const agent = await signIn(agentId, 'Agents');
    await agent.locator(`[data-ticket-id="${ticket.id}"]`).click();
    await agent.waitForURL(`**/tickets/${ticket.id}`);
    await agent.locator('[data-forensic-mark]').waitFor({ state: 'attached' });
    await agent.waitForLoadState('networkidle');
    const fixture = await agent.screenshot({ type: 'png' });
    mkdirSync(SHOTS_DIR, { recursive: true });
    writeFileSync(path.join(SHOTS_DIR, 'leak-fixture.png'), fixture);
    const leaked = await sharp(fixture).resize({ width: 1000 }).jpeg({ quality: 50 }).toBuffer();
    await h.rt.integrator.drain();

    // An agent is sent away from the page.
    await agent.goto(base + '/security/identify');
    await agent.waitForURL('**/queue');

    const sec = await signIn(h.staff.find((s) => s.role === 'security')!.id, 'Security');
    await sec.getByRole('link', { name: /Leaked picture/ }).click();
    await sec.waitForURL('**/security/identify');
    await sec.locator('input[type="file"]').setInputFiles({ name: 'leak.jpg', mimeType: 'image/jpeg', buffer: leaked });
    const card = sec.locator('[data-testid="identification"]');
    await card.waitFor();
    assert.equal(await card.count(), 1);
    assert.equal(await card.getAttribute('data-agent-id'), agentId);
    const code = await card.getAttribute('data-session-code');
    assert.match(code ?? '', /^[0-9A-F]{4}-[0-9A-F]{4}$/);
    assert.equal(await sec.locator('[data-testid="identified-session"]').textContent(), code);
    assert.deepEqual(await sec.locator('[data-testid="identified-ticket"]').allTextContents(), [ticket.id]);
    assert.deepEqual(await sec.locator('[data-testid="identified-customer"]').allTextContents(), [ticket.customer_id]);
    assert.ok(await sec.locator('[data-testid="identified-record"]').count() >= 1);
    await sec.locator('[data-testid="identified-record"] [data-testid="proof-toggle"]').first().click();
    assert.match(await sec.locator('[data-testid="proof"]').first().textContent() ?? '', /^c2sp\.org\/tlog-proof@v1/);
    await shot(sec, 'leak-identified');

    // The session's code on the log is the one shown on the agent's own screen.
    const me = await agent.evaluate(async () => (await (await fetch('/v1/me')).json()) as { sessionCode: string });
    assert.equal(code, me.sessionCode);

    // A page with no mark: said plainly, nothing named.
    await sec.locator('input[type="file"]').setInputFiles({ name: 'plain.png', mimeType: 'image/png', buffer: await renderPage(undefined, h.clock.now()) });
    await sec.locator('[data-testid="identify-none"]').waitFor();
    assert.equal(await sec.locator('[data-testid="identification"]').count(), 0);
    assert.match(await sec.locator('[data-testid="identify-none"]').textContent() ?? '', /No mark found/);
    await shot(sec, 'leak-none');
  });
});
