// Single sign-on in a real browser (issue 11): headless Chromium opens the console, clicks
// "Sign in with <provider>", signs in on oidc-provider's login form, lands on the agent desk,
// signs out, and the provider's RP-initiated logout returns it to Keyhole. The demo picker
// is absent on a server without KEYHOLE_DEMO=1.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { buildApp } from '../../src/server/app.js';
import { parseMapping } from '../../src/identity/mapping.js';
import { oidcSettingsFromEnv } from '../../src/identity/oidc.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startIdp, type TestIdp } from '../identity/support/idp.js';
import { launchBrowser, shot } from './support/browser.js';

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as AddressInfo;
    s.close(() => resolve(port));
  });
});

describe('single sign-on in a browser', { timeout: 120_000 }, () => {
  let h: Harness;
  let idp: TestIdp;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;

  before(async () => {
    h = await startHarness(DATABASES.find((d) => d.name === 'pglite')!);
    h.clock.set(new Date());
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const agent = h.staff.find((s) => s.role === 'agent')!;
    idp = await startIdp([`${base}/v1/auth/oidc/callback`], `${base}/`, { alice: { email: agent.email, name: agent.name, groups: ['keyhole-staff'] } });
    const mapping = parseMapping('provider: Test IdP\nrequiredGroup: keyhole-staff\n');
    const oidc = oidcSettingsFromEnv({ KEYHOLE_OIDC_ISSUER: idp.issuer, KEYHOLE_OIDC_CLIENT_ID: idp.clientId, KEYHOLE_OIDC_CLIENT_SECRET: idp.clientSecret, KEYHOLE_PUBLIC_URL: base, KEYHOLE_OIDC_SCOPES: 'email profile groups' }, mapping)!;
    app = await buildApp(h.rt, { demo: false, logger: false, identityMapping: mapping, oidc });
    await app.listen({ host: '127.0.0.1', port });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await idp?.close();
    await h?.close();
  });

  it('signs in through the provider\'s login form, lands on the desk and signs out at the provider', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${base}/`);
    const button = page.getByTestId('sso-sign-in');
    await button.waitFor();
    assert.equal((await button.textContent())?.trim(), 'Sign in with Test IdP');
    assert.equal(await page.locator('[data-agent-id]').count(), 0, 'no demo picker without KEYHOLE_DEMO=1');
    await shot(page, 'sso-sign-in');
    await button.click();
    await page.waitForURL((u) => u.origin === idp.issuer);
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.origin === base);
    await page.locator('[data-watermark]').waitFor();
    const agent = h.staff.find((s) => s.role === 'agent')!;
    await page.getByText(agent.name).first().waitFor();
    await shot(page, 'sso-desk');
    const me = await page.evaluate(async () => (await fetch('/v1/me')).status);
    assert.equal(me, 200);

    await page.getByTestId('account-menu').click();
    await page.getByTestId('sign-out').click();
    await page.waitForURL((u) => u.origin === idp.issuer);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL((u) => u.origin === base);
    await page.getByTestId('sso-sign-in').waitFor();
    const after = await page.evaluate(async () => (await fetch('/v1/me')).status);
    assert.equal(after, 401);
    await ctx.close();
  });
});
