// OpenID Connect sign-in against a real OpenID Provider (oidc-provider on 127.0.0.1, issue 11
// item 1): the code flow with PKCE, state and nonce through its login form; sign-in, sign-out
// (RP-initiated logout) and refusals on the audit log; a session never outlives the ID
// token's exp; forged or expired ID tokens, wrong audience, alg none, a replayed code, a wrong
// state or nonce and an unknown issuer are each refused with a stable code and change nothing.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { parseMapping } from '../../src/identity/mapping.js';
import { oidcSettingsFromEnv, type OidcSettings } from '../../src/identity/oidc.js';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FetchBrowser, startIdp, type Tamper, type TestIdp } from './support/idp.js';

const MAPPING = parseMapping(`
provider: Test IdP
requiredGroup: keyhole-staff
allowJit: true
syncAtSignIn: true
groups:
  keyhole-supervisors: { role: supervisor }
  team-payments: { team: payments, vendor: in-house, regions: [GB] }
`);
const NO_JIT = parseMapping('provider: Test IdP\nrequiredGroup: keyhole-staff\n');

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as AddressInfo;
    s.close(() => resolve(port));
  });
});

for (const backend of DATABASES) {
  describe(`OpenID Connect sign-in (${backend.name})`, () => {
    let h: Harness;
    let idp: TestIdp;
    let app: FastifyInstance;
    let jitApp: FastifyInstance;
    let base: string;
    let jitBase: string;
    let settings: OidcSettings;

    before(async () => {
      h = await startHarness(backend);
      h.clock.set(new Date()); // sessions are compared with the provider's real-time exp
      const [port, jitPort] = [await freePort(), await freePort()];
      base = `http://127.0.0.1:${port}`;
      jitBase = `http://127.0.0.1:${jitPort}`;
      const staff = h.staff.find((s) => s.role === 'agent')!;
      const suspended = h.staff.filter((s) => s.role === 'agent')[1]!;
      idp = await startIdp([`${base}/v1/auth/oidc/callback`, `${jitBase}/v1/auth/oidc/callback`], `${base}/`, {
        alice: { email: staff.email, name: staff.name, groups: ['keyhole-staff', 'team-payments'] },
        mallory: { email: suspended.email, name: suspended.name, groups: ['keyhole-staff'] },
        outsider: { email: staff.email, name: 'Outsider', groups: ['marketing'] },
        newcomer: { email: 'newcomer@example.com', name: 'New Comer', groups: ['keyhole-staff', 'keyhole-supervisors'] },
        stranger: { email: 'stranger@example.com', name: 'Stranger', groups: [] },
        sec: { email: h.staff.find((s) => s.role === 'security')!.email, name: 'Security', groups: ['keyhole-staff'] },
      });
      settings = oidcSettingsFromEnv({ KEYHOLE_OIDC_ISSUER: idp.issuer, KEYHOLE_OIDC_CLIENT_ID: idp.clientId, KEYHOLE_OIDC_CLIENT_SECRET: idp.clientSecret, KEYHOLE_PUBLIC_URL: base, KEYHOLE_OIDC_SCOPES: 'email profile groups' }, NO_JIT)!;
      app = await buildApp(h.rt, { demo: false, logger: false, console: false, identityMapping: NO_JIT, oidc: settings });
      await app.listen({ host: '127.0.0.1', port });
      jitApp = await buildApp(h.rt, { demo: false, logger: false, console: false, identityMapping: MAPPING, oidc: { ...settings, publicUrl: new URL(jitBase) } });
      await jitApp.listen({ host: '127.0.0.1', port: jitPort });
      const security = await h.login(h.staff.find((s) => s.role === 'security')!.id);
      const r = await h.app.inject({ method: 'POST', url: `/v1/agents/${suspended.id}/suspend`, headers: { cookie: security }, payload: { reason: 'investigation' } });
      assert.equal(r.statusCode, 200);
    });
    after(async () => {
      await app.close();
      await jitApp.close();
      await idp.close();
      await h.close();
    });

    const records = async (action: string): Promise<AuditRecord[]> => {
      const pending = await sql<{ entry: unknown }>`select entry from audit_pending where entry->>'action' = ${action} order by id`.execute(h.rt.store.db);
      return pending.rows.map((r) => (typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry) as AuditRecord);
    };
    const agentCount = async () => Number((await sql<{ n: string }>`select count(*) as n from agents`.execute(h.rt.store.db)).rows[0]!.n);

    /** Starts a sign-in at `at`, logs in at the provider as `login`; returns the browser and the callback URL. */
    const toCallback = async (login: string, at = base, browser = new FetchBrowser()) => {
      const start = await browser.request(`${at}/v1/auth/oidc/login?returnTo=${encodeURIComponent('/desk')}`);
      assert.equal(start.status, 302);
      const auth = new URL(start.headers.get('location')!);
      assert.equal(auth.origin, idp.issuer);
      assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
      assert.ok(auth.searchParams.get('code_challenge') && auth.searchParams.get('state') && auth.searchParams.get('nonce'));
      const callback = await browser.loginAtIdp(auth.href, login, `${at}/v1/auth/oidc/callback`);
      return { browser, callback };
    };
    const finish = async (browser: FetchBrowser, callback: string) => {
      const res = await browser.request(callback);
      assert.equal(res.status, 302);
      return { location: res.headers.get('location')!, session: browser.cookie(new URL(callback).origin, 'kh_session') };
    };
    const me = (at: string, session: string | undefined) => fetch(`${at}/v1/me`, { headers: session ? { cookie: `kh_session=${session}` } : {} });

    it('offers single sign-on by the provider name', async () => {
      const r = await fetch(`${base}/v1/auth/providers`);
      assert.deepEqual(await r.json(), { demo: false, oidc: { name: 'Test IdP', loginUrl: '/v1/auth/oidc/login' } });
      const doc = (await (await fetch(`${base}/docs/json`)).json()) as { components: { securitySchemes: Record<string, { type: string }> } };
      assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['bearer', 'customerSession', 'scimBearer', 'session']);
    });

    it('signs a provisioned agent in through the login form, bounds the session by exp, and signs out at the provider', async () => {
      const { browser, callback } = await toCallback('alice');
      const done = await finish(browser, callback);
      assert.equal(done.location, '/desk');
      assert.ok(done.session, 'session cookie set');
      const who = await me(base, done.session);
      assert.equal(who.status, 200);
      const agent = h.staff.find((s) => s.role === 'agent')!;
      assert.equal((await who.json()).id, agent.id);
      const row = await sql<{ expires_at: Date; auth_method: string }>`select expires_at, auth_method from agent_sessions where agent_id = ${agent.id} and auth_method = 'oidc'`.execute(h.rt.store.db);
      assert.equal(row.rows.length, 1);
      assert.ok(new Date(row.rows[0]!.expires_at).getTime() <= Date.now() + 3600_000 + 5_000, 'the session ends no later than the ID token');
      const signIn = (await records('sign_in')).at(-1)!;
      assert.equal(signIn.agentId, agent.id);
      assert.equal(signIn.details.issuer, idp.issuer);
      assert.equal(signIn.details.subject, 'alice');
      // Agents not provisioned over SCIM get the mapping's attributes at each sign-in (none set team here: defaults).
      // RP-initiated logout.
      const out = await fetch(`${base}/v1/auth/logout`, { method: 'POST', headers: { cookie: `kh_session=${done.session}` } });
      assert.equal(out.status, 200);
      const { redirectTo } = (await out.json()) as { redirectTo: string };
      const end = new URL(redirectTo);
      assert.equal(end.origin, idp.issuer);
      assert.equal(end.searchParams.get('client_id'), idp.clientId);
      assert.equal(end.searchParams.get('post_logout_redirect_uri'), `${base}/`);
      assert.equal((await me(base, done.session)).status, 401);
      assert.equal((await records('sign_out')).at(-1)!.agentId, agent.id);
      // The replayed callback (same state and code) is refused.
      const replay = await finish(browser, callback);
      assert.equal(replay.location, '/signin?error=OIDC_STATE_INVALID');
    });

    it('refuses a replayed authorization code under a fresh state', async () => {
      const first = await toCallback('alice');
      const ok = await finish(first.browser, first.callback);
      assert.ok(ok.session);
      const code = new URL(first.callback).searchParams.get('code')!;
      const second = new FetchBrowser();
      const start = await second.request(`${base}/v1/auth/oidc/login`);
      const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
      const forged = new URL(first.callback);
      forged.searchParams.set('state', state);
      forged.searchParams.set('code', code);
      const r = await finish(second, forged.href);
      assert.equal(r.location, '/signin?error=OIDC_SIGN_IN_REJECTED');
      assert.equal(r.session, undefined);
    });

    for (const [tamper, label] of [
      ['forged-signature', 'a forged signature'], ['alg-none', 'alg none'], ['expired', 'an expired ID token'],
      ['wrong-audience', 'a wrong audience'], ['wrong-nonce', 'a wrong nonce'], ['wrong-issuer', 'an unknown issuer'],
    ] as const satisfies ReadonlyArray<readonly [Tamper, string]>) {
      it(`refuses ${label}, records it and creates no session`, async () => {
        const { browser, callback } = await toCallback('alice');
        const refusedBefore = (await records('sign_in_refused')).length;
        const signInsBefore = (await records('sign_in')).length;
        idp.tamper = tamper;
        try {
          const r = await finish(browser, callback);
          assert.equal(r.location, '/signin?error=OIDC_SIGN_IN_REJECTED');
          assert.equal(r.session, undefined);
        } finally {
          idp.tamper = 'none';
        }
        const refused = await records('sign_in_refused');
        assert.equal(refused.length, refusedBefore + 1);
        assert.equal(refused.at(-1)!.details.code, 'OIDC_SIGN_IN_REJECTED');
        assert.equal(refused.at(-1)!.decision, 'deny');
        assert.equal((await records('sign_in')).length, signInsBefore);
      });
    }

    it('refuses a wrong state or a missing state cookie', async () => {
      const { browser, callback } = await toCallback('alice');
      const wrong = new URL(callback);
      wrong.searchParams.set('state', 'not-the-state-of-this-sign-in');
      assert.equal((await finish(browser, wrong.href)).location, '/signin?error=OIDC_STATE_INVALID');
      const other = await toCallback('alice');
      const noCookie = await fetch(other.callback, { redirect: 'manual' });
      assert.equal(noCookie.headers.get('location'), '/signin?error=OIDC_STATE_INVALID');
      assert.equal(noCookie.headers.getSetCookie().some((c) => c.startsWith('kh_session=') && !c.includes('kh_session=;')), false);
      assert.equal((await records('sign_in_refused')).at(-1)!.details.code, 'OIDC_STATE_INVALID');
    });

    it('refuses someone not provisioned, outside the Keyhole group or suspended', async () => {
      const before = await agentCount();
      for (const [login, code] of [['stranger', 'OIDC_NOT_PROVISIONED'], ['newcomer', 'OIDC_NOT_PROVISIONED'], ['outsider', 'OIDC_NOT_PROVISIONED'], ['mallory', 'AGENT_SUSPENDED']] as const) {
        const { browser, callback } = await toCallback(login);
        const r = await finish(browser, callback);
        assert.equal(r.location, `/signin?error=${code}`, login);
        assert.equal(r.session, undefined);
        assert.equal((await records('sign_in_refused')).at(-1)!.details.code, code);
      }
      assert.equal(await agentCount(), before, 'nobody was created');
    });

    it('creates an agent just in time only when the mapping allows it, with the mapped role', async () => {
      const before = await agentCount();
      const refused = await toCallback('stranger', jitBase);
      assert.equal((await finish(refused.browser, refused.callback)).location, '/signin?error=OIDC_NOT_PROVISIONED', 'not in the Keyhole group');
      const { browser, callback } = await toCallback('newcomer', jitBase);
      const done = await finish(browser, callback);
      assert.equal(done.location, '/desk');
      const who = (await (await me(jitBase, done.session)).json()) as { role: string; email: string };
      assert.equal(who.role, 'supervisor');
      assert.equal(who.email, 'newcomer@example.com');
      assert.equal(await agentCount(), before + 1);
      const prov = (await records('agent_provision')).at(-1)!;
      assert.equal(prov.details.via, 'oidc');
      assert.equal(prov.details.role, 'supervisor');
      // With syncAtSignIn, an existing agent's attributes follow the claims at sign-in, recorded.
      const alice = await toCallback('alice', jitBase);
      const signed = await finish(alice.browser, alice.callback);
      const a = (await (await me(jitBase, signed.session)).json()) as { team: string; vendor: string; regions: string[] };
      assert.deepEqual([a.team, a.vendor, a.regions], ['payments', 'in-house', ['GB']]);
      const upd = (await records('agent_update')).at(-1)!;
      assert.equal(upd.details.target, h.staff.find((s) => s.role === 'agent')!.id);
      assert.equal(upd.details.via, 'oidc');
    });

    it('keeps the role of staff not provisioned by the provider, and accepts a fresh sign-on as step-up without a key (5 minutes)', async () => {
      const sec = h.staff.find((s) => s.role === 'security')!;
      const target = h.staff.filter((s) => s.role === 'agent')[3]!;
      const { browser, callback } = await toCallback('sec');
      const done = await finish(browser, callback);
      const cookie = `kh_session=${done.session}`;
      const who = (await (await me(base, done.session)).json()) as { id: string; role: string };
      assert.deepEqual([who.id, who.role], [sec.id, 'security'], 'no mapping sync at sign-in unless the mapping asks for it');
      const suspend = await fetch(`${base}/v1/agents/${target.id}/suspend`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'fresh sign-on' }) });
      assert.equal(suspend.status, 200, await suspend.text());
      const step = (await records('step_up')).at(-1)!;
      assert.equal(step.details.method, 'reauthentication');
      assert.equal(step.details.target, target.id);
      h.clock.advance(6 * 60_000);
      const later = await fetch(`${base}/v1/agents/${target.id}/reinstate`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'too late' }) });
      assert.equal(later.status, 403);
      assert.equal(((await later.json()) as { error: { code: string } }).error.code, 'STEP_UP_NO_KEY');
    });

    it('refuses incomplete or insecure settings at start-up', () => {
      const env = { KEYHOLE_OIDC_ISSUER: 'https://idp.example.com', KEYHOLE_OIDC_CLIENT_ID: 'k', KEYHOLE_OIDC_CLIENT_SECRET: 's', KEYHOLE_PUBLIC_URL: 'https://keyhole.example.com' };
      assert.equal(oidcSettingsFromEnv(env, NO_JIT)!.issuer.href, 'https://idp.example.com/');
      assert.equal(oidcSettingsFromEnv({}, NO_JIT), undefined);
      for (const bad of [{ ...env, KEYHOLE_OIDC_CLIENT_SECRET: '' }, { ...env, KEYHOLE_OIDC_ISSUER: 'http://idp.example.com' }, { ...env, KEYHOLE_PUBLIC_URL: 'not a url' }]) {
        assert.throws(() => oidcSettingsFromEnv(bad, NO_JIT), (e) => isKeyholeError(e, 'OIDC_CONFIG_INVALID'));
      }
    });
  });
}
