// CSRF from a same-site origin (issue 10 item 4), in Chromium: a page on another port of the
// same host auto-submits a text/plain form (and fires a no-cors fetch) at the break-glass
// approval of a security engineer who is signed in to Keyhole. SameSite=Strict does not stop
// it (another port is the same site); the Fetch-Metadata / Origin check and the JSON-only
// body rule MUST. The same engineer approving from the console's own origin still works.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { loadAgent } from '../../src/access/agents.js';
import { decideBreakGlass, requestBreakGlass } from '../../src/access/break-glass.js';
import { setPrivacyLock } from '../../src/access/customer-state.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { launchBrowser } from './support/browser.js';

describe('CSRF from another port of the same host (Chromium)', () => {
  let h: Harness;
  let browser: Browser;
  let attacker: Server;
  let base: string;
  let evil: string;
  let page = '';

  before(async () => {
    h = await startHarness(DATABASES[0]!);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    evil = `http://127.0.0.1:${(attacker.address() as { port: number }).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => attacker?.close(r));
    await h?.close();
  });

  it('a text/plain form and a no-cors fetch from the other port approve nothing; the console origin can', async () => {
    // A break-glass request with one approval already; the victim would give the second.
    const t = await h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', 'account_access').where('status', '=', 'open').orderBy('id').limit(1).executeTakeFirstOrThrow();
    let n = 0;
    const ctx = async (id: string) => ({ agent: (await loadAgent(h.rt.db, id))!, requestId: `req_csrf_${n++}` });
    await setPrivacyLock(h.rt.broker.deps, { agent: null, customerId: t.customer_id, requestId: 'req_csrf_lock' }, true);
    const bg = await requestBreakGlass(h.rt.broker.deps, await ctx(t.assignee_id as string), t.id, 'account takeover in progress, customer unreachable');
    const [first, victim] = h.staff.filter((s) => s.role === 'security').map((s) => s.id) as [string, string];
    await decideBreakGlass(h.rt.broker.deps, await ctx(first), bg.id, 'approve');
    const status = async () => (await h.rt.db.selectFrom('break_glass_requests').select('status').where('id', '=', bg.id).executeTakeFirstOrThrow()).status;

    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(`${base}/`);
    const login = await tab.evaluate(async (agentId) => (await fetch('/v1/demo/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agentId }),
    })).status, victim);
    assert.equal(login, 200);

    const target = `${base}/v1/break-glass/${bg.id}/approve`;
    page = `<!doctype html><form id="f" method="POST" action="${target}" enctype="text/plain">
      <input name='{"comment":"' value='x"}'></form>
      <script>fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include', body: 'x' })
        .finally(() => document.getElementById('f').submit());</script>`;
    const landed = tab.waitForURL(target);
    await tab.goto(`${evil}/`);
    await landed;
    const body = JSON.parse(await tab.locator('body').innerText()) as { error: { code: string } };
    assert.equal(body.error.code, 'CROSS_ORIGIN_REJECTED');
    assert.equal(await status(), 'pending', 'the forged approval was refused');

    // The console's own origin (a same-origin fetch with a JSON body) is not affected.
    await tab.goto(`${base}/`);
    const own = await tab.evaluate(async (url) => (await fetch(url, { method: 'POST' })).status, target);
    assert.equal(own, 200);
    assert.equal(await status(), 'approved');
    await context.close();
  });
});
