// Issue 14 item 2 end to end in headless Chromium: a value already on an agent's screen (shown
// through a single-use grant, with a 15-minute countdown) goes at once — over SSE, not at the
// countdown's end — when the customer ends that grant or locks their data, and the agent is
// signed out when suspended. Lifting the lock needs the passkey when the customer has one.
// Screenshots go to test-results/web/.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Kysely } from 'kysely';
import { loadAgent } from '../../src/access/agents.js';
import type { CustomerAuthTables } from '../../src/server/customer/tables.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, supervisorFor, type Harness } from '../support/harness.js';
import { launchBrowser, shot } from './support/browser.js';

describe('withdrawn access leaves the agent\'s screen at once', { timeout: 150_000 }, () => {
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

  const ctx = async (id: string) => ({ agent: (await loadAgent(h.rt.db, id))!, requestId: `req_lw_${n++}` });

  async function signIn(agentId: string): Promise<Page> {
    const c = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    contexts.push(c);
    const page = await c.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(base + '/');
    await page.getByText('Agents', { exact: true }).click();
    await page.locator(`[data-agent-id="${agentId}"]`).click();
    await page.locator('[data-watermark]').waitFor();
    return page;
  }

  async function customerCookie(customerId: string): Promise<string> {
    const r = await h.app.inject({ method: 'POST', url: '/v1/customer/demo/login', payload: { customerId } });
    return `kh_customer=${r.cookies.find((c) => c.name === 'kh_customer')?.value}`;
  }

  /** A supervisor-approved e-mail reveal on `ticketId`, shown on the agent's page. Returns the grant id. */
  async function showEmail(page: Page, ticketId: string, agentId: string, email: string): Promise<string> {
    // The page is open first: loading a view consumes an approved grant (its single use).
    if (!page.url().endsWith(`/tickets/${ticketId}`)) await page.goto(`${base}/tickets/${ticketId}`);
    await page.locator('[data-field="email"][data-level="masked"]').waitFor();
    const req = await h.rt.broker.requestReveal(await ctx(agentId), ticketId, ['email'], 'Customer cannot receive our e-mails');
    const sup = supervisorFor(h.staff, agentId);
    await h.rt.broker.decideReveal(await ctx(sup.id), req.id, 'approve');
    await page.locator(`[data-request-id="${req.id}"][data-status="approved"]`).waitFor();
    await page.locator('[data-testid="show-revealed"]').click();
    await page.locator('[data-field="email"][data-level="granted"]').waitFor();
    assert.ok((await page.content()).includes(email), 'the value is on screen');
    assert.match(await page.locator('[data-testid="countdown-email"]').innerText(), /Disappears in 1\d:\d\d/);
    const g = await h.rt.db.selectFrom('grants').select(['id', 'used_at']).where('request_id', '=', req.id).executeTakeFirstOrThrow();
    assert.ok(g.used_at, 'the single use is spent: the value is on screen until the countdown ends');
    return g.id;
  }

  it('the customer ends a grant already used, then locks: the value goes from the screen at once', async () => {
    const ticket = await h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', 'account_access').where('status', '=', 'open').orderBy('id').executeTakeFirstOrThrow();
    const agentId = ticket.assignee_id as string;
    const email = h.customers.find((c) => c.id === ticket.customer_id)!.fields.email as string;
    const cust = await customerCookie(ticket.customer_id);
    const page = await signIn(agentId);

    // 1. The customer ends the (already used) grant from their portal's list.
    const grantId = await showEmail(page, ticket.id, agentId, email);
    const listed = (await h.app.inject({ method: 'GET', url: '/v1/customer/grants', headers: { cookie: cust } })).json().grants as { id: string; shownAt: string | null }[];
    assert.ok(listed.find((g) => g.id === grantId)?.shownAt, 'the portal lists the shown value, with when it was shown');
    await shot(page, '30-agent-value-shown');
    const t0 = Date.now();
    const revoke = await h.app.inject({ method: 'POST', url: `/v1/customer/grants/${grantId}/revoke`, headers: { cookie: cust } });
    assert.equal(revoke.statusCode, 204, revoke.body);
    await page.locator('[data-field="email"][data-level="masked"]').waitFor({ timeout: 5000 });
    console.log(`# value removed ${Date.now() - t0} ms after the revocation (the countdown had ~15 min left)`);
    assert.ok(!(await page.content()).includes(email), 'gone from the DOM');
    await page.getByText('The customer ended your access').waitFor();
    await shot(page, '31-agent-value-removed-on-revoke');

    // 2. Again, and the customer locks their data: the value goes, the page says why.
    await showEmail(page, ticket.id, agentId, email);
    const t1 = Date.now();
    const lock = await h.app.inject({ method: 'PUT', url: '/v1/customer/lock', headers: { cookie: cust }, payload: { locked: true } });
    assert.equal(lock.statusCode, 200, lock.body);
    await page.locator('[data-testid="customer-locked"]').waitFor({ timeout: 5000 });
    console.log(`# value removed ${Date.now() - t1} ms after the lock`);
    assert.ok(!(await page.content()).includes(email), 'gone from the DOM');
    await shot(page, '32-agent-value-removed-on-lock');

    // 3. Lifting the lock: the customer has a passkey, so the session alone is not enough.
    const auth = h.rt.db as unknown as Kysely<CustomerAuthTables>;
    await auth.insertInto('customer_credentials').values({
      id: 'test-credential', customer_id: ticket.customer_id, public_key: Buffer.from([1, 2, 3]), counter: 0, transports: [], created_at: h.clock.now(), last_used_at: null,
    }).execute();
    const unlock = await h.app.inject({ method: 'PUT', url: '/v1/customer/lock', headers: { cookie: cust }, payload: { locked: false } });
    assert.deepEqual([unlock.statusCode, unlock.json().error.code], [403, 'PASSKEY_REQUIRED']);
    const opts = await h.app.inject({ method: 'POST', url: '/v1/customer/lock/options', headers: { cookie: cust }, payload: {} });
    assert.equal(opts.statusCode, 200, opts.body);
    assert.deepEqual(opts.json().allowCredentials.map((c: { id: string }) => c.id), ['test-credential']);
    assert.ok((await h.rt.db.selectFrom('customers').select('locked_at').where('id', '=', ticket.customer_id).executeTakeFirstOrThrow()).locked_at, 'still locked');
    await auth.deleteFrom('customer_credentials').where('id', '=', 'test-credential').execute();
    const plain = await h.app.inject({ method: 'PUT', url: '/v1/customer/lock', headers: { cookie: cust }, payload: { locked: false } });
    assert.equal(plain.statusCode, 200, 'no passkey: the signed-in session lifts it');
  });

  it('a suspension signs the agent out at once, value and all', async () => {
    const ticket = await h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', 'account_access').where('status', '=', 'open')
      .where('assignee_id', 'is not', null).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const agentId = ticket.assignee_id as string;
    const email = h.customers.find((c) => c.id === ticket.customer_id)!.fields.email as string;
    const page = await signIn(agentId);
    await showEmail(page, ticket.id, agentId, email);
    const sec = h.staff.find((s) => s.role === 'security')!;
    await h.rt.broker.setAgentStatus(await ctx(sec.id), agentId, 'suspended', 'screen recording reported');
    await page.locator('[data-testid="ended-reason"]').waitFor({ timeout: 5000 });
    assert.ok(!(await page.content()).includes(email), 'gone from the DOM');
    await shot(page, '33-agent-suspended');
  });
});
