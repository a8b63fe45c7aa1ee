// Staff security keys in the console (issue 11 items 3 and 4): a security engineer adds a key
// on their profile page (CDP virtual authenticator in headless Chromium), suspends an agent
// from the security dashboard — the console meets STEP_UP_REQUIRED, asks the key for an
// assertion bound to that suspension, and retries — and the credential id is on the log. An
// agent held under step-up confirms their session from the desk's notice with their key (the
// session-binding detector lifts its hold on a step-up recorded from that client).
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { buildApp } from '../../src/server/app.js';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { launchBrowser, shot } from './support/browser.js';

describe('staff security keys in the console', { timeout: 120_000 }, () => {
  let h: Harness;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;

  before(async () => {
    h = await startHarness(DATABASES.find((d) => d.name === 'pglite')!);
    app = await buildApp(h.rt, { demo: true, logger: false, staffStepUp: 'required' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://localhost:${(app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await h?.close();
  });

  /** A page in a fresh context with a CDP virtual authenticator (a security key). */
  async function pageWithKey() {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    return { ctx, page, cdp, authenticatorId };
  }

  it('adds a key on the profile and confirms a suspension with it', async () => {
    const { ctx, page, cdp, authenticatorId } = await pageWithKey();
    const security = h.staff.find((s) => s.role === 'security')!;
    await page.goto(`${base}/`);
    await page.getByText('Security', { exact: true }).click();
    await page.locator(`[data-agent-id="${security.id}"]`).click();
    await page.locator('[data-watermark]').waitFor();

    await page.getByTestId('account-menu').click();
    await page.getByTestId('profile').click();
    await page.getByTestId('no-keys').waitFor();
    await page.getByLabel('Name of the new key').fill('YubiKey 5C');
    await page.getByTestId('add-key').click();
    await page.locator('[data-testid="key-list"][data-keys="1"], [data-testid="key-error"]').first().waitFor();
    if (await page.getByTestId('key-error').count()) assert.fail(await page.getByTestId('key-error').innerText());
    assert.equal((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length, 1);
    await shot(page, 'staff-keys-profile');

    const target = h.staff.find((s) => s.role === 'agent')!;
    await page.goto(`${base}/security`);
    await page.getByTestId(`suspend-${target.id}`).click();
    await page.getByLabel('Reason').fill('Confirmed with a security key');
    await page.getByTestId('confirm-suspend').click();
    for (let i = 0; i < 100; i++) {
      const s = await h.rt.db.selectFrom('agents').select('status').where('id', '=', target.id).executeTakeFirstOrThrow();
      if (s.status === 'suspended') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const status = (await h.rt.db.selectFrom('agents').select('status').where('id', '=', target.id).executeTakeFirstOrThrow()).status;
    assert.equal(status, 'suspended');
    const rows = await sql<{ entry: unknown }>`select entry from audit_pending where entry->>'action' in ('step_up', 'agent_suspend') order by id`.execute(h.rt.store.db);
    const recs = rows.rows.map((r) => (typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry) as AuditRecord);
    const step = recs.find((r) => r.action === 'step_up')!;
    const suspend = recs.find((r) => r.action === 'agent_suspend')!;
    assert.equal(step.requestId, suspend.requestId);
    const key = await h.rt.db.selectFrom('staff_credentials' as never).select('id' as never).executeTakeFirstOrThrow() as { id: string };
    assert.equal(step.details.credentialId, key.id);
    await ctx.close();
  });
  it('an agent under step-up confirms their session with their key from the desk', async () => {
    const { ctx, page } = await pageWithKey();
    const agent = h.staff.filter((s) => s.role === 'agent')[1]!;
    await sql`delete from detect_agent_risk where agent_id = ${agent.id}`.execute(h.rt.store.db);
    await sql`insert into detect_agent_risk (agent_id, risk, risk_at, level, step_up, last_seq) values (${agent.id}, 7, now(), 'step_up', true, 0)`.execute(h.rt.store.db);
    await page.goto(`${base}/`);
    await page.getByText('Agents', { exact: true }).click();
    await page.locator(`[data-agent-id="${agent.id}"]`).click();
    await page.getByTestId('step-up-notice').waitFor();

    // Without a key the confirmation says what to do.
    await page.getByTestId('session-confirm').click();
    assert.match(await page.getByTestId('session-confirm-error').innerText(), /Register a security key/);

    await page.getByTestId('account-menu').click();
    await page.getByTestId('profile').click();
    await page.getByLabel('Name of the new key').fill('Desk key');
    await page.getByTestId('add-key').click();
    await page.locator('[data-testid="key-list"][data-keys="1"]').waitFor();
    await page.getByTestId('session-confirm').click();
    await page.getByTestId('session-confirmed').waitFor();
    await shot(page, 'staff-keys-session-confirm');
    const rows = await sql<{ entry: unknown }>`select entry from audit_pending where entry->>'action' = 'step_up' and entry->>'agentId' = ${agent.id}`.execute(h.rt.store.db);
    const recs = rows.rows.map((r) => (typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry) as AuditRecord);
    assert.equal(recs.length, 1);
    assert.equal(recs[0]!.details.stepUpAction, 'session_confirm');
    assert.equal(recs[0]!.details.target, 'session');
    assert.equal(recs[0]!.details.method, 'webauthn');
    assert.equal(typeof recs[0]!.details.dev, 'string', 'recorded with the client it came from');
    await ctx.close();
  });
});
