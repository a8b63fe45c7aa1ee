// Staff step-up with security keys (issue 11 item 3): a security engineer registers a key on
// a CDP virtual authenticator in headless Chromium, then suspends and reinstates an agent with
// user-verified assertions made for exactly that action on exactly that agent; an assertion
// for another action or target, one older than 5 minutes, a reused token and a missing step-up
// are each refused with a stable code, recorded, and change nothing. The credential id of each
// step-up is on the log under the action's request id.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { buildApp } from '../../src/server/app.js';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { launchBrowser } from '../web/support/browser.js';

/** In-page WebAuthn ceremonies (JSON options in, JSON responses out), as @simplewebauthn/browser does. */
const CEREMONIES = `
  window.__b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  window.__unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
  window.__create = async (o) => {
    const c = await navigator.credentials.create({ publicKey: { ...o, challenge: __unb64(o.challenge), user: { ...o.user, id: __unb64(o.user.id) },
      excludeCredentials: (o.excludeCredentials || []).map((x) => ({ ...x, id: __unb64(x.id) })) } });
    return { id: c.id, rawId: __b64(c.rawId), type: c.type, clientExtensionResults: {}, response: { clientDataJSON: __b64(c.response.clientDataJSON),
      attestationObject: __b64(c.response.attestationObject), transports: c.response.getTransports() } };
  };
  window.__get = async (o) => {
    const c = await navigator.credentials.get({ publicKey: { ...o, challenge: __unb64(o.challenge), allowCredentials: (o.allowCredentials || []).map((x) => ({ ...x, id: __unb64(x.id) })) } });
    return { id: c.id, rawId: __b64(c.rawId), type: c.type, clientExtensionResults: {}, response: { clientDataJSON: __b64(c.response.clientDataJSON),
      authenticatorData: __b64(c.response.authenticatorData), signature: __b64(c.response.signature), userHandle: c.response.userHandle ? __b64(c.response.userHandle) : undefined } };
  };
  window.__api = async (method, url, body, headers) => {
    const r = await fetch(url, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(headers || {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };`;

type Api = { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

for (const backend of DATABASES) {
  describe(`staff step-up (${backend.name})`, { timeout: 120_000 }, () => {
    let h: Harness;
    let app: FastifyInstance;
    let base: string;
    before(async () => {
      h = await startHarness(backend);
      app = await buildApp(h.rt, { demo: true, logger: false, console: false, staffStepUp: 'required' });
      await app.listen({ host: '127.0.0.1', port: 0 });
      base = `http://localhost:${(app.server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await app.close();
      await h.close();
    });
    const security = () => h.staff.find((s) => s.role === 'security')!;
    const agents = () => h.staff.filter((s) => s.role === 'agent');
    const records = async (action: string): Promise<AuditRecord[]> => {
      const pending = await sql<{ entry: unknown }>`select entry from audit_pending where entry->>'action' = ${action} order by id`.execute(h.rt.store.db);
      return pending.rows.map((r) => (typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry) as AuditRecord);
    };
    const status = async (id: string) => (await h.rt.db.selectFrom('agents').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

    it('refuses a gated action without a step-up, and without a key names what to do', async () => {
      const cookie = await h.login(security().id);
      const target = agents()[2]!.id;
      const r = await app.inject({ method: 'POST', url: `/v1/agents/${target}/suspend`, headers: { cookie }, payload: { reason: 'testing' } });
      assert.equal(r.statusCode, 403, r.body);
      assert.equal(r.json().error.code, 'STEP_UP_NO_KEY');
      const bogus = await app.inject({ method: 'POST', url: `/v1/agents/${target}/suspend`, headers: { cookie, 'x-keyhole-step-up': `su_${'A'.repeat(43)}` }, payload: { reason: 'testing' } });
      assert.equal(bogus.json().error.code, 'STEP_UP_INVALID');
      assert.equal(await status(target), 'active');
      assert.ok((await records('step_up_refused')).some((x) => x.details.target === target));
      const keys = await app.inject({ method: 'GET', url: '/v1/me/keys', headers: { cookie } });
      assert.deepEqual(keys.json(), { keys: [] });
      // Every gated decision asks for the step-up before it does anything.
      const before = await sql<{ n: string }>`select count(*) as n from audit_pending where entry->>'action' <> 'step_up_refused'`.execute(h.rt.store.db);
      const gated: [string, unknown][] = [
        ['/v1/reveal-requests/rr_000000000000000000000000/approve', {}], ['/v1/break-glass/bg_0000000000000000000000000/approve', undefined],
        ['/v1/break-glass/bg_0000000000000000000000000/deny', undefined], [`/v1/agents/${target}/reinstate`, { reason: 'testing' }],
        ['/v1/incidents', { agentIds: [target], reason: 'testing' }], ['/v1/incidents/inc_000000000000000000000000/protections', {}],
      ];
      for (const [url, payload] of gated) {
        const res = await app.inject({ method: 'POST', url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) });
        assert.equal(res.json().error?.code, 'STEP_UP_NO_KEY', `${url}: ${res.body}`);
      }
      const afterCount = await sql<{ n: string }>`select count(*) as n from audit_pending where entry->>'action' <> 'step_up_refused'`.execute(h.rt.store.db);
      assert.equal(afterCount.rows[0]!.n, before.rows[0]!.n, 'nothing was decided or recorded');
      assert.equal(await status(target), 'active');
    });

    it('registers a key on a virtual authenticator and steps up for exactly one action on one target', { skip: backend.name !== 'pglite' && 'the browser part runs once' }, async () => {
      const browser: Browser = await launchBrowser();
      try {
        const ctx = await browser.newContext();
        const page: Page = await ctx.newPage();
        page.setDefaultTimeout(20_000);
        const cdp = await ctx.newCDPSession(page);
        await cdp.send('WebAuthn.enable');
        const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
          options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
        });
        await page.goto(`${base}/healthz`);
        await page.evaluate(CEREMONIES);
        const api = (method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Api> =>
          page.evaluate(([m, u, b, hd]) => (window as unknown as { __api: (...a: unknown[]) => Promise<Api> }).__api(m, u, b, hd), [method, url, body, headers] as const);
        const create = (o: unknown) => page.evaluate((x) => (window as unknown as { __create: (o: unknown) => Promise<unknown> }).__create(x), o);
        const get = (o: unknown) => page.evaluate((x) => (window as unknown as { __get: (o: unknown) => Promise<unknown> }).__get(x), o);

        assert.equal((await api('POST', '/v1/demo/login', { agentId: security().id })).status, 200);
        // Register.
        const regOpts = await api('POST', '/v1/me/keys/options', {});
        assert.equal(regOpts.status, 200, JSON.stringify(regOpts.body));
        assert.equal(regOpts.body.authenticatorSelection.userVerification, 'required');
        const reg = await api('POST', '/v1/me/keys', { name: 'YubiKey 5C', response: await create(regOpts.body) });
        assert.equal(reg.status, 201, JSON.stringify(reg.body));
        const credentialId = reg.body.id as string;
        assert.equal((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length, 1);
        assert.deepEqual((await api('GET', '/v1/me/keys')).body.keys.map((k: { name: string }) => k.name), ['YubiKey 5C']);

        const [x, y] = [agents()[0]!.id, agents()[1]!.id];
        const stepUp = async (action: string, target: string, claimed = { action, target }) => {
          const opts = await api('POST', '/v1/me/step-up/options', { action, target });
          assert.equal(opts.status, 200, JSON.stringify(opts.body));
          return api('POST', '/v1/me/step-up', { ...claimed, response: await get(opts.body) });
        };
        // With a key registered, a gated action without a step-up asks for one.
        const none = await api('POST', `/v1/agents/${x}/suspend`, { reason: 'testing' });
        assert.equal(none.status, 403);
        assert.equal(none.body.error.code, 'STEP_UP_REQUIRED');

        // An assertion made for another action (or another target) is refused and recorded.
        const other = await stepUp('agent_reinstate', x, { action: 'agent_suspend', target: x });
        assert.equal(other.status, 403);
        assert.equal(other.body.error.code, 'STEP_UP_INVALID');
        const otherTarget = await stepUp('agent_suspend', y, { action: 'agent_suspend', target: x });
        assert.equal(otherTarget.body.error.code, 'STEP_UP_INVALID');
        // An assertion older than 5 minutes is refused.
        const opts = await api('POST', '/v1/me/step-up/options', { action: 'agent_suspend', target: x });
        const late = await get(opts.body);
        h.clock.advance(5 * 60_000 + 1000);
        const stale = await api('POST', '/v1/me/step-up', { action: 'agent_suspend', target: x, response: late });
        assert.equal(stale.body.error.code, 'STEP_UP_INVALID');
        assert.ok((await records('step_up_refused')).length >= 3);
        assert.equal(await status(x), 'active', 'nothing changed');

        // The right one: a token for suspending x, refused for y, used once for x.
        const ok = await stepUp('agent_suspend', x);
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.equal(ok.body.credentialId, credentialId);
        const header = { 'x-keyhole-step-up': ok.body.token as string };
        const wrong = await api('POST', `/v1/agents/${y}/suspend`, { reason: 'testing' }, header);
        assert.equal(wrong.body.error.code, 'STEP_UP_INVALID');
        assert.equal(await status(y), 'active');
        const done = await api('POST', `/v1/agents/${x}/suspend`, { reason: 'security key confirmed' }, header);
        assert.equal(done.status, 200, JSON.stringify(done.body));
        assert.equal(await status(x), 'suspended');
        const suspendRec = (await records('agent_suspend')).at(-1)!;
        const stepRec = (await records('step_up')).at(-1)!;
        assert.equal(stepRec.requestId, suspendRec.requestId, 'the step-up is recorded under the action\'s request id');
        assert.equal(stepRec.details.credentialId, credentialId);
        assert.equal(stepRec.details.stepUpAction, 'agent_suspend');
        const reused = await api('POST', `/v1/agents/${x}/reinstate`, { reason: 'again' }, header);
        assert.equal(reused.body.error.code, 'STEP_UP_INVALID');
        // Reinstating needs its own step-up.
        const back = await stepUp('agent_reinstate', x);
        const reinstated = await api('POST', `/v1/agents/${x}/reinstate`, { reason: 'cleared' }, { 'x-keyhole-step-up': back.body.token });
        assert.equal(reinstated.status, 200, JSON.stringify(reinstated.body));
        assert.ok((await api('GET', '/v1/me/keys')).body.keys[0].lastUsedAt);

        // Removing the key.
        const rm = await api('DELETE', `/v1/me/keys/${encodeURIComponent(credentialId)}`);
        assert.equal(rm.status, 204);
        assert.deepEqual((await api('GET', '/v1/me/keys')).body.keys, []);
        assert.equal((await records('credential_remove')).at(-1)!.details.credentialId, credentialId);
        await ctx.close();
      } finally {
        await browser.close();
      }
    });
  });
}
