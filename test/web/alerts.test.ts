// Issue 14 item 4 end to end in headless Chromium: an agent touches a decoy customer; the
// detectors' alert reaches the security dashboard's live feed as a `detect_alert` item, the
// staff table shows the agent's risk, the agent's page shows risk, alerts with their evidence,
// open grants and history, and the alerts view lists it with the detectors that fired.
// Screenshots go to test-results/web/.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import type { DetectDb } from '../../src/detect/containment.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, TEST_DEMO, type Harness } from '../support/harness.js';
import { launchBrowser, shot } from './support/browser.js';

describe('detector alerts in the console', { timeout: 150_000 }, () => {
  let h: Harness;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    const pglite = DATABASES.find((d) => d.name === 'pglite');
    assert.ok(pglite);
    h = await startHarness(pglite, { ...TEST_DEMO, decoys: 2 });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await h?.close();
  });

  it('a decoy touch: live feed item, risk column, agent page, alerts view', async () => {
    assert.ok(h.rt.detection, 'detection runs in the harness');
    const c = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    contexts.push(c);
    const sec = await c.newPage();
    sec.setDefaultTimeout(20_000);
    sec.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await sec.goto(base + '/');
    await sec.getByText('Security', { exact: true }).click();
    await sec.locator('[data-agent-id="sec_01"]').click();
    await sec.locator('[data-testid="live-feed"]').waitFor();

    const agent = 'agt_004';
    const decoy = await h.rt.db.selectFrom('customers').select(['account_id']).where('is_decoy', '=', true).orderBy('id').executeTakeFirstOrThrow();
    const r = await h.app.inject({ method: 'POST', url: '/v1/lookups', headers: { cookie: await h.login(agent) }, payload: { accountId: decoy.account_id } });
    assert.equal(r.statusCode, 403);
    await h.rt.integrator.drain();
    await h.rt.detection.consumer.drain();

    const item = sec.locator(`[data-testid="feed-alert"][data-agent-id="${agent}"]`).first();
    await item.waitFor();
    await shot(sec, '50-live-feed-alert');
    await sec.reload();
    const riskCell = sec.locator(`[data-agent-row="${agent}"] [data-col="risk"]`);
    await sec.getByText('All', { exact: true }).click().catch(() => undefined);
    await riskCell.waitFor();
    assert.notEqual(await riskCell.getAttribute('data-risk-level'), 'none');

    await sec.locator(`[data-testid="agent-link-${agent}"]`).click();
    await sec.locator(`[data-testid="agent-page"][data-agent-id="${agent}"]`).waitFor();
    await sec.locator('[data-testid="agent-risk"]').waitFor();
    await sec.locator('[data-testid="alert-card"]').first().waitFor();
    await sec.locator('[data-testid="agent-grants"]').waitFor();
    await sec.locator('[data-testid="agent-history"]').getByText(/lookup|Looked up/i).first().waitFor();
    await shot(sec, '51-agent-page');

    await sec.getByRole('link', { name: 'Alerts' }).click();
    const card = sec.locator('[data-testid="alert-card"]').first();
    await card.waitFor();
    assert.ok((await card.locator('[data-testid="alert-detectors"]').innerText()).length > 0, 'the detectors that fired are named');
    await card.locator('[data-testid="alert-signal"]').first().waitFor();
    await shot(sec, '52-alerts-view');
  });

  it('an agent held under step-up is told so on their desk', async () => {
    const agent = 'agt_002';
    const db = h.rt.db as unknown as DetectDb;
    await db.deleteFrom('detect_agent_risk').where('agent_id', '=', agent).execute();
    await db.insertInto('detect_agent_risk').values({ agent_id: agent, risk: 7, risk_at: h.clock.now(), level: 'step_up', step_up: true, last_seq: 0 }).execute();
    const me = await h.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie: await h.login(agent) } });
    assert.equal(me.json().stepUp, true);
    const c = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(c);
    const page = await c.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(base + '/');
    await page.getByText('Agents', { exact: true }).click();
    await page.locator(`[data-agent-id="${agent}"]`).click();
    await page.locator('[data-testid="step-up-notice"]').waitFor();
    assert.match(await page.locator('[data-testid="step-up-notice"]').innerText(), /approval from\s+security/);
    await shot(page, '53-agent-step-up-notice');
  });
});
