// How the server is reached (issue 10.9): the security headers of every response from one source
// (helmet, with the console's CSP); Secure `__Host-` session cookies and HSTS over TLS — a TLS
// listener of our own (a self-signed certificate made by openssl here) or a proxy we trust that
// says X-Forwarded-Proto https — and plain cookies without HSTS otherwise, including when an
// untrusted client merely claims https.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { CONSOLE_CSP } from '../../src/server/routes/console.js';
import { HSTS } from '../../src/server/security-headers.js';
import { parseTrustProxy, tlsFromEnv } from '../../src/server/transport.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

/** The Set-Cookie header of `name` in `r`, split into its attributes (lower-case names). */
function setCookie(headers: Record<string, unknown>, name: string): { value: string; attrs: Map<string, string> } | undefined {
  const raw = headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [String(raw)];
  const line = list.find((l: string) => l.startsWith(`${name}=`));
  if (!line) return undefined;
  const [first, ...rest] = line.split(';').map((s: string) => s.trim());
  const attrs = new Map<string, string>(rest.map((a: string): [string, string] => {
    const i = a.indexOf('=');
    return i < 0 ? [a.toLowerCase(), ''] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
  }));
  return { value: (first as string).slice(name.length + 1), attrs };
}

function assertHeaders(r: Pick<LightMyRequestResponse, 'headers'>, secure: boolean): void {
  assert.equal(r.headers['content-security-policy'], CONSOLE_CSP);
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['referrer-policy'], 'no-referrer');
  assert.match(String(r.headers['permissions-policy']), /camera=\(\)/);
  assert.equal(r.headers['strict-transport-security'], secure ? HSTS : undefined);
}

describe('transport security', () => {
  let h: Harness;
  let direct: FastifyInstance;
  let proxied: FastifyInstance;
  let dir: string;
  const agentId = 'agt_002';

  before(async () => {
    h = await startHarness(DATABASES[0]!);
    direct = await buildApp(h.rt, { demo: true, logger: false, console: false, trustProxy: false, tls: false });
    proxied = await buildApp(h.rt, { demo: true, logger: false, console: false, trustProxy: '127.0.0.1', tls: false });
    dir = mkdtempSync(path.join(tmpdir(), 'keyhole-tls-'));
  });
  after(async () => {
    await direct.close();
    await proxied.close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const login = (app: FastifyInstance, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/demo/login', payload: { agentId }, headers });

  it('every response carries the security headers, errors included; no HSTS over plain HTTP', async () => {
    assertHeaders(await direct.inject({ method: 'GET', url: '/healthz' }), false);
    assertHeaders(await direct.inject({ method: 'GET', url: '/v1/me' }), false);
    assertHeaders(await direct.inject({ method: 'GET', url: '/v1/nope' }), false);
    assertHeaders(await direct.inject({ method: 'POST', url: '/v1/lookups', payload: 'x', headers: { 'content-type': 'text/plain' } }), false);
  });

  it('plain HTTP: the session cookie is kh_session, not Secure; a client claiming https is not believed', async () => {
    for (const headers of [{}, { 'x-forwarded-proto': 'https' }] as Array<Record<string, string>>) {
      const r = await login(direct, headers);
      assert.equal(r.statusCode, 200);
      const c = setCookie(r.headers, 'kh_session');
      assert.ok(c, 'kh_session set');
      assert.equal(c.attrs.has('secure'), false);
      assert.equal(setCookie(r.headers, '__Host-kh_session'), undefined);
      assert.equal(r.headers['strict-transport-security'], undefined);
    }
  });

  it('behind a trusted proxy with X-Forwarded-Proto https: __Host-kh_session, Secure, HSTS; only the prefixed cookie is read', async () => {
    const https = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'keyhole.example' };
    const r = await login(proxied, https);
    assert.equal(r.statusCode, 200);
    const c = setCookie(r.headers, '__Host-kh_session');
    assert.ok(c, r.headers['set-cookie'] as string);
    assert.equal(c.attrs.has('secure'), true);
    assert.equal(c.attrs.get('path'), '/');
    assert.equal(c.attrs.has('domain'), false);
    assert.equal(c.attrs.has('httponly'), true);
    assert.equal(c.attrs.get('samesite')?.toLowerCase(), 'strict');
    assertHeaders(r, true);
    const me = (cookie: string) => proxied.inject({ method: 'GET', url: '/v1/me', headers: { ...https, cookie } });
    assert.equal((await me(`__Host-kh_session=${c.value}`)).statusCode, 200);
    assert.equal((await me(`kh_session=${c.value}`)).statusCode, 401, 'an unprefixed cookie is not read over TLS');
    // The same-origin check sees the public origin the proxy forwarded.
    const out = await proxied.inject({ method: 'POST', url: '/v1/logout', headers: { ...https, cookie: `__Host-kh_session=${c.value}`, origin: 'https://keyhole.example' } });
    assert.equal(out.statusCode, 204, out.body);
    assert.match(String(out.headers['set-cookie']), /^__Host-kh_session=;.*Secure/);
    // A request that did not come through the proxy is plain HTTP whatever it claims.
    const other = await proxied.inject({ method: 'POST', url: '/v1/demo/login', payload: { agentId }, headers: https, remoteAddress: '10.9.9.9' });
    assert.ok(setCookie(other.headers, 'kh_session'));
  });

  it('the customer session cookie follows the same rule', async () => {
    const customerId = h.customers[0]!.id;
    const r = await proxied.inject({ method: 'POST', url: '/v1/customer/demo/login', payload: { customerId }, headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(r.statusCode, 200, r.body);
    const c = setCookie(r.headers, '__Host-kh_customer');
    assert.ok(c && c.attrs.has('secure'));
    const me = await proxied.inject({ method: 'GET', url: '/v1/customer/me', headers: { 'x-forwarded-proto': 'https', cookie: `__Host-kh_customer=${c.value}` } });
    assert.equal(me.statusCode, 200);
  });

  it('a TLS listener (self-signed certificate): Secure __Host- cookie and HSTS, signed in over TLS', async () => {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
      '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    const tls = tlsFromEnv({ KEYHOLE_TLS_CERT_FILE: cert, KEYHOLE_TLS_KEY_FILE: key });
    assert.ok(tls);
    const app = await buildApp(h.rt, { demo: true, logger: false, console: false, tls });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = (app.server.address() as { port: number }).port;
      const ca = readFileSync(cert);
      const call = (method: string, url: string, headers: Record<string, string>, body?: string) =>
        new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', servername: 'localhost', port, method, path: url, ca, headers }, (res) => {
            let data = '';
            res.setEncoding('utf8');
            res.on('data', (d) => (data += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
          });
          req.on('error', reject);
          req.end(body);
        });
      const r = await call('POST', '/v1/demo/login', { 'content-type': 'application/json', origin: `https://127.0.0.1:${port}` }, JSON.stringify({ agentId }));
      assert.equal(r.status, 200, r.body);
      assert.equal(r.headers['strict-transport-security'], HSTS);
      const c = setCookie(r.headers, '__Host-kh_session');
      assert.ok(c && c.attrs.has('secure'));
      const me = await call('GET', '/v1/me', { cookie: `__Host-kh_session=${c.value}` });
      assert.equal(me.status, 200, me.body);
      assert.equal(JSON.parse(me.body).id, agentId);
    } finally {
      await app.close();
    }
  });

  it('parses KEYHOLE_TRUST_PROXY and the TLS settings strictly', () => {
    assert.equal(parseTrustProxy(undefined), false);
    assert.equal(parseTrustProxy('false'), false);
    assert.equal(parseTrustProxy('true'), true);
    assert.equal(parseTrustProxy('2'), 2);
    assert.equal(parseTrustProxy('10.0.0.1, 192.168.0.0/16,::1'), '10.0.0.1,192.168.0.0/16,::1');
    assert.throws(() => parseTrustProxy('loadbalancer'));
    assert.throws(() => parseTrustProxy('10.0.0.0/40'));
    assert.equal(tlsFromEnv({}), undefined);
    assert.throws(() => tlsFromEnv({ KEYHOLE_TLS_CERT_FILE: 'cert.pem' }));
    writeFileSync(path.join(dir, 'only.pem'), 'x');
    assert.throws(() => tlsFromEnv({ KEYHOLE_TLS_CERT_FILE: path.join(dir, 'only.pem'), KEYHOLE_TLS_KEY_FILE: path.join(dir, 'missing.pem') }));
  });
});
