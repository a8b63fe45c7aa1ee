// The request guard and the input edge (issue 10 items 4 and 8): state-changing requests from
// another site or origin are refused before they act, bodies must be JSON, NUL and unpaired
// surrogates are a 400 on every backend, router errors and oversized bodies go through the
// error catalogue without echoing the URL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { findUnsafeString, isUnsafeString } from '../../src/server/safe-strings.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

type Reply = Awaited<ReturnType<FastifyInstance['inject']>>;
const codeOf = (r: Reply) => (r.json() as { error?: { code?: string } }).error?.code;

/** Percent-encodes `s` as WTF-8: a lone surrogate becomes its three generalized-UTF-8 bytes
 *  (what a raw client can send; encodeURIComponent refuses). */
const wtf8Encode = (s: string) => s.replace(/[\uD800-\uDFFF]/g, (c) => {
  const u = c.charCodeAt(0);
  return `%${(0xe0 | (u >> 12)).toString(16)}%${(0x80 | ((u >> 6) & 0x3f)).toString(16)}%${(0x80 | (u & 0x3f)).toString(16)}`.toUpperCase();
}).split(/(%[0-9A-F]{2})/).map((p, i) => (i % 2 === 1 ? p : encodeURIComponent(p))).join('');

/** A string with a NUL or an unpaired surrogate somewhere in it. */
const unsafeString = fc.tuple(
  fc.string({ maxLength: 20 }), fc.constantFrom('\u0000', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uDFFF\uD800'), fc.string({ maxLength: 20 }),
).map(([a, bad, b]) => `${a.replace(/[\uD800-\uDBFF]$/, '')}${bad}${b.replace(/^[\uDC00-\uDFFF]/, '')}`);

describe('unsafe-string detection', () => {
  it('flags NUL and unpaired surrogates, accepts well-formed text (property)', () => {
    fc.assert(fc.property(unsafeString, (s) => isUnsafeString(s)));
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => !isUnsafeString(s.replace(/\u0000/g, ''))));
    assert.equal(isUnsafeString('😀 ok'), false);
    assert.equal(findUnsafeString({ a: [{ b: 'x\u0000' }] }), '/a/0/b');
    assert.equal(findUnsafeString({ ['k\uD800']: 1 }), '/<key>');
  });
});

for (const backend of DATABASES) {
  describe(`request guard on ${backend.name}`, () => {
    let h: Harness;
    let security: string;
    let agentCookie: string;
    let ticketId: string;
    before(async () => {
      h = await startHarness(backend);
      security = await h.login(h.staff.find((s) => s.role === 'security')!.id);
      const t = await h.rt.db.selectFrom('tickets').select(['id', 'assignee_id']).where('status', '=', 'open').where('purpose', '=', 'account_access').orderBy('id').limit(1).executeTakeFirstOrThrow();
      ticketId = t.id;
      agentCookie = await h.login(t.assignee_id as string);
    });
    after(async () => h.close());

    const suspend = (agentId: string, headers: Record<string, string | undefined>, payload: string | object = { reason: 'forged?' }) =>
      h.app.inject({ method: 'POST', url: `/v1/agents/${agentId}/suspend`, headers: { cookie: security, ...headers }, payload });
    const statusOf = async (id: string) => (await h.rt.db.selectFrom('agents').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

    it('refuses cross-site and same-site cross-origin state changes, and nothing happens', async () => {
      const victim = h.staff.find((s) => s.role === 'agent')!.id;
      for (const headers of [
        { 'sec-fetch-site': 'same-site', origin: 'http://localhost:8081' },
        { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
        { origin: 'http://localhost:8081' }, // a browser without Fetch Metadata
        { origin: 'null' },
      ]) {
        const r = await suspend(victim, headers);
        assert.equal(r.statusCode, 403, JSON.stringify(headers));
        assert.equal(codeOf(r), 'CROSS_ORIGIN_REJECTED');
      }
      assert.equal(await statusOf(victim), 'active');
    });

    it('lets same-origin browsers and non-browser clients through', async () => {
      const [a, b] = h.staff.filter((s) => s.role === 'agent').slice(1, 3).map((s) => s.id) as [string, string];
      const same = await suspend(a, { 'sec-fetch-site': 'same-origin', origin: 'http://localhost:80', host: 'localhost:80' });
      assert.equal(same.statusCode, 200, same.body);
      const bare = await suspend(b, {});
      assert.equal(bare.statusCode, 200, bare.body);
      const byOrigin = await h.app.inject({ method: 'POST', url: `/v1/agents/${a}/reinstate`, headers: { cookie: security, host: 'keyhole.test:8443', origin: 'http://keyhole.test:8443' }, payload: { reason: 'back' } });
      assert.equal(byOrigin.statusCode, 200, byOrigin.body);
      await h.app.inject({ method: 'POST', url: `/v1/agents/${b}/reinstate`, headers: { cookie: security }, payload: { reason: 'back' } });
    });

    it('requires application/json for a body: text/plain forms and url-encoded bodies get 415', async () => {
      const victim = h.staff.find((s) => s.role === 'agent')!.id;
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const r = await suspend(victim, { 'content-type': type }, '{"reason":"forged by a form"}');
        assert.equal(r.statusCode, 415, type);
        assert.equal(codeOf(r), 'UNSUPPORTED_MEDIA_TYPE');
      }
      // An empty text/plain form (no fields) also declares its type: refused.
      const empty = await h.app.inject({ method: 'POST', url: `/v1/tickets/${ticketId}/close`, headers: { cookie: agentCookie, 'content-type': 'text/plain' }, payload: '' });
      assert.equal(empty.statusCode, 415);
      const noType = await h.app.inject({ method: 'POST', url: `/v1/agents/${victim}/suspend`, headers: { cookie: security }, payload: Buffer.from('{"reason":"no type"}') });
      assert.equal(noType.statusCode, 415, noType.body);
      assert.equal(await statusOf(victim), 'active');
    });

    it('rejects NUL and unpaired surrogates anywhere in the input with 400 (property)', async () => {
      await fc.assert(fc.asyncProperty(unsafeString, fc.constantFrom('lookup', 'verify', 'reveal', 'query', 'param'), async (bad, where) => {
        const r = where === 'lookup'
          ? await h.app.inject({ method: 'POST', url: '/v1/lookups', headers: { cookie: agentCookie }, payload: { email: `${bad}@example.com` } })
          : where === 'verify'
            ? await h.app.inject({ method: 'POST', url: `/v1/tickets/${ticketId}/verify`, headers: { cookie: agentCookie }, payload: { field: 'dateOfBirth', answer: bad || '\u0000' } })
            : where === 'reveal'
              ? await h.app.inject({ method: 'POST', url: `/v1/tickets/${ticketId}/reveals`, headers: { cookie: agentCookie }, payload: { fields: ['email'], reason: `because ${bad}` } })
              : where === 'query'
                ? await h.app.inject({ method: 'GET', url: `/v1/security/audit?agentId=${wtf8Encode(bad)}`, headers: { cookie: security } })
                : await h.app.inject({ method: 'GET', url: `/v1/tickets/${wtf8Encode(bad)}`, headers: { cookie: agentCookie } });
        assert.equal(r.statusCode, 400, `${where}: ${r.body}`);
        // Invalid UTF-8 in a URL is already a malformed URL; everything else fails the schema layer.
        assert.ok(codeOf(r) === 'VALIDATION_FAILED' || (where === 'param' && codeOf(r) === 'MALFORMED_URL'), `${where}: ${r.body}`);
      }), { numRuns: 60 });
    });

    it('answers router errors and oversized bodies through the catalogue, without echoing the URL', async () => {
      const bad = await h.app.inject({ method: 'GET', url: '/v1/tickets/%E0%A4%Asecret-looking', headers: { cookie: agentCookie } });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual(bad.json(), { error: { code: 'MALFORMED_URL', message: 'The URL is malformed.' } });
      const long = await h.app.inject({ method: 'GET', url: `/v1/tickets/${'x'.repeat(300)}`, headers: { cookie: agentCookie } });
      assert.equal(long.statusCode, 414);
      assert.equal(codeOf(long), 'URL_TOO_LONG');
      assert.doesNotMatch(long.body, /xxxx/);
      const big = await h.app.inject({ method: 'POST', url: '/v1/lookups', headers: { cookie: agentCookie, 'content-type': 'application/json' }, payload: `{"email":"${'a'.repeat(10 * 1024 * 1024)}"}` });
      assert.equal(big.statusCode, 413);
      assert.equal(codeOf(big), 'PAYLOAD_TOO_LARGE');
    });
  });
}

describe('route opt-out of the same-origin check', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(DATABASES[0]!);
  });
  after(async () => h.close());

  it('a route with config.guard.sameOrigin false accepts a cross-site request; bodyTypes widens the media types', async () => {
    const custom = await buildApp(h.rt, {
      logger: false, console: false,
      extraPublic: [async (scope) => {
        scope.addContentTypeParser('application/scim+json', { parseAs: 'string' }, (_req, body, done) => done(null, JSON.parse(body as string)));
        scope.post('/v1/test/webhook', { config: { guard: { sameOrigin: false, bodyTypes: ['application/scim+json'] } } }, async () => ({ ok: true }));
        scope.post('/v1/test/guarded', async () => ({ ok: true }));
      }],
    });
    try {
      const cross = { 'sec-fetch-site': 'cross-site', origin: 'https://idp.example' };
      const open = await custom.inject({ method: 'POST', url: '/v1/test/webhook', headers: { ...cross, 'content-type': 'application/scim+json' }, payload: '{"a":1}' });
      assert.equal(open.statusCode, 200, open.body);
      const guarded = await custom.inject({ method: 'POST', url: '/v1/test/guarded', headers: cross, payload: {} });
      assert.equal(guarded.statusCode, 403);
      const wrongType = await custom.inject({ method: 'POST', url: '/v1/test/guarded', headers: { 'content-type': 'application/scim+json' }, payload: '{}' });
      assert.equal(wrongType.statusCode, 415);
    } finally {
      await custom.close();
    }
  });
});
