// Failed sign-in attempts are rate-limited per client (issue 10.11): a bad agent bearer token, a
// bad session cookie, a bad SCIM token and a bad customer session each count; past the allowance
// every attempt from that client — even with a valid credential — is 429 RATE_LIMITED with
// Retry-After, other clients are untouched, requests without a credential never count, and the
// client is let in again after the window.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { issueToken } from '../../src/identity/tokens.js';
import { buildApp } from '../../src/server/app.js';
import { signInLimitFromEnv } from '../../src/server/sign-in-limit.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

const MAX = 3;
const WINDOW_MS = 1500;

describe('sign-in limit', () => {
  let h: Harness;
  let app: FastifyInstance;
  let ip = 0;
  /** A fresh client address per test, so tests do not share counters. */
  const client = () => `10.0.${Math.floor(++ip / 250)}.${ip % 250}`;

  before(async () => {
    h = await startHarness(DATABASES[0]!);
    app = await buildApp(h.rt, { demo: true, logger: false, console: false, signInLimit: { maxFailures: MAX, windowMs: WINDOW_MS } });
  });
  after(async () => {
    await app.close();
    await h.close();
  });

  const get = (url: string, remoteAddress: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, remoteAddress, headers });

  /** MAX failures answered 401, then 429 with Retry-After — also for `good`. */
  async function exhaust(url: string, from: string, bad: Record<string, string>, good: Record<string, string>): Promise<void> {
    assert.equal((await get(url, from, good)).statusCode, 200, 'the good credential works before');
    for (let i = 0; i < MAX; i++) assert.equal((await get(url, from, bad)).statusCode, 401);
    for (const headers of [bad, good]) {
      const r = await get(url, from, headers);
      assert.equal(r.statusCode, 429);
      if (!url.startsWith('/scim/')) { // SCIM answers in its own error format (RFC 7644 §3.12)
        assert.deepEqual(r.json(), { error: { code: 'RATE_LIMITED', message: 'Too many failed sign-in attempts from this client; retry later.' } });
      }
      const after = Number(r.headers['retry-after']);
      assert.ok(after >= 1 && after <= Math.ceil(WINDOW_MS / 1000), `Retry-After ${r.headers['retry-after']}`);
    }
    assert.equal((await get(url, client(), good)).statusCode, 200, 'another client is not limited');
  }

  it('agent bearer tokens', async () => {
    const agent = h.staff.find((s) => s.role === 'agent')!;
    const t = await issueToken(h.rt.db, h.clock, { kind: 'agent', agentId: agent.id, label: 't' });
    await exhaust('/v1/me', client(), { authorization: 'Bearer kh_guessguessguess' }, { authorization: `Bearer ${t.token}` });
  });

  it('malformed authorization headers count too', async () => {
    const from = client();
    for (let i = 0; i < MAX; i++) assert.equal((await get('/v1/me', from, { authorization: 'Basic Zm9vOmJhcg==' })).statusCode, 401);
    assert.equal((await get('/v1/me', from, { authorization: 'Bearer x' })).statusCode, 429);
  });

  it('agent session cookies', async () => {
    const cookie = await h.login(h.staff.find((s) => s.role === 'supervisor')!.id);
    await exhaust('/v1/me', client(), { cookie: 'kh_session=not-a-session-secret' }, { cookie });
  });

  it('SCIM tokens', async () => {
    const t = await issueToken(h.rt.db, h.clock, { kind: 'scim', serviceName: 'okta', scopes: ['scim'], label: 't' });
    await exhaust('/scim/v2/ServiceProviderConfig', client(), { authorization: 'Bearer kh_notarealscimtoken' }, { authorization: `Bearer ${t.token}` });
  });

  it('customer session cookies', async () => {
    const from = client();
    const login = await app.inject({ method: 'POST', url: '/v1/customer/demo/login', remoteAddress: from, payload: { customerId: h.customers[0]!.id } });
    const c = login.cookies.find((x) => x.name === 'kh_customer');
    assert.ok(c, login.body);
    await exhaust('/v1/customer/me', from, { cookie: 'kh_customer=forged' }, { cookie: `kh_customer=${c.value}` });
  });

  it('customer passkey sign-ins that fail', async () => {
    const from = client();
    const bogus = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' } };
    const verify = () => app.inject({ method: 'POST', url: '/v1/customer/passkeys/login/verify', remoteAddress: from, payload: bogus });
    for (let i = 0; i < MAX; i++) assert.equal((await verify()).json().error.code, 'PASSKEY_INVALID');
    const r = await verify();
    assert.equal(r.statusCode, 429);
    assert.ok(Number(r.headers['retry-after']) >= 1);
  });

  it('requests without any credential are not sign-in attempts', async () => {
    const from = client();
    for (let i = 0; i < 4 * MAX; i++) assert.equal((await get('/v1/me', from)).statusCode, 401);
  });

  it('lets the client in again after the window', async () => {
    const agent = h.staff.find((s) => s.role === 'agent')!;
    const t = await issueToken(h.rt.db, h.clock, { kind: 'agent', agentId: agent.id, label: 't' });
    const from = client();
    for (let i = 0; i < MAX; i++) await get('/v1/me', from, { authorization: 'Bearer kh_guessguessguess' });
    assert.equal((await get('/v1/me', from, { authorization: `Bearer ${t.token}` })).statusCode, 429);
    await sleep(WINDOW_MS + 300);
    assert.equal((await get('/v1/me', from, { authorization: `Bearer ${t.token}` })).statusCode, 200);
  });

  it('reads its settings from the environment and refuses nonsense', () => {
    assert.deepEqual(signInLimitFromEnv({}), { maxFailures: 20, windowMs: 60_000 });
    assert.deepEqual(signInLimitFromEnv({ KEYHOLE_SIGNIN_MAX_FAILURES: '5', KEYHOLE_SIGNIN_WINDOW_S: '300' }), { maxFailures: 5, windowMs: 300_000 });
    assert.throws(() => signInLimitFromEnv({ KEYHOLE_SIGNIN_MAX_FAILURES: '0' }));
    assert.throws(() => signInLimitFromEnv({ KEYHOLE_SIGNIN_WINDOW_S: 'soon' }));
  });
});
