// The OpenAPI document declares how to authenticate (staff cookie or bearer token, the
// customer's cookie, the SCIM token) and the one error envelope, and the browser's wire types
// (web/src/api/schema.d.ts) are exactly what `npm run gen:api` makes of it (issue 14 item 11).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { generateApiTypes, openApiDocument, SCHEMA_FILE } from '../../scripts/gen-api.js';
import { ERROR_CATALOG } from '../../src/shared/errors.js';
import { startHarness, type Harness } from '../support/harness.js';
import { DATABASES } from '../support/databases.js';

/** A parsed OpenAPI document, read loosely. */
type Json = Record<string, any>;

describe('the OpenAPI document and the generated web types', () => {
  let doc: Json;
  before(async () => {
    doc = await openApiDocument();
  });

  test('declares the security schemes, per scope', () => {
    const schemes = doc.components.securitySchemes;
    assert.deepEqual(Object.keys(schemes).sort(), ['bearer', 'customerSession', 'scimBearer', 'session']);
    assert.equal(schemes.session.in, 'cookie');
    assert.equal(schemes.session.name, 'kh_session');
    assert.equal(schemes.customerSession.name, 'kh_customer');
    assert.equal(schemes.bearer.scheme, 'bearer');
    assert.deepEqual(doc.security, [{ session: [] }, { bearer: [] }]);
    assert.deepEqual(doc.paths['/v1/customer/receipts'].get.security, [{ customerSession: [] }]);
    assert.deepEqual(doc.paths['/v1/customer/passkeys/login/verify'].post.security, []);
    assert.deepEqual(doc.paths['/v1/demo/login'].post.security, []);
    assert.equal(doc.paths['/v1/me'].get.security, undefined, 'staff routes use the document default');
  });

  test('declares the error envelope once, with the catalogue codes, on every operation', () => {
    const env = doc.components.schemas.ErrorEnvelope;
    assert.deepEqual(env.required, ['error']);
    assert.deepEqual([...env.properties.error.properties.code.enum].sort(), Object.keys(ERROR_CATALOG).sort());
    const ref = { $ref: '#/components/schemas/ErrorEnvelope' };
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        if (path.startsWith('/scim/')) continue;
        assert.deepEqual(op.responses.default?.content['application/json'].schema, ref, `${method} ${path} has no default error response`);
        for (const [status, r] of Object.entries(op.responses as Json)) {
          if (/^[45]/.test(status)) assert.deepEqual(r.content?.['application/json']?.schema, ref, `${method} ${path} ${status} is not the envelope`);
        }
      }
    }
  });

  test('every portal call the browser types has a response schema', () => {
    for (const path of ['/v1/customer/receipts', '/v1/customer/consents', '/v1/customer/grants', '/v1/customer/checkup', '/v1/customer/notices']) {
      assert.ok(doc.paths[path].get.responses['200'].content, `${path} declares no 200 body`);
    }
  });

  test('web/src/api/schema.d.ts is fresh (run `npm run gen:api` when this fails)', async () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    assert.ok(committed === await generateApiTypes(), 'web/src/api/schema.d.ts is stale: run `npm run gen:api` and commit it');
  });
});

for (const backend of DATABASES) {
  describe(`error bodies match the declared envelope (${backend.name})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(async () => h.close());

    test('an unauthenticated call, an unknown route and a bad body answer { error: { code, message } }', async () => {
      const codes = new Set(Object.keys(ERROR_CATALOG));
      const answers = [
        await h.app.inject({ method: 'GET', url: '/v1/me' }),
        await h.app.inject({ method: 'GET', url: '/v1/customer/receipts' }),
        await h.app.inject({ method: 'GET', url: '/v1/nowhere' }),
        await h.app.inject({ method: 'POST', url: '/v1/demo/login', payload: { agentId: 'no such/agent' } }),
      ];
      for (const r of answers) {
        const body = r.json();
        assert.deepEqual(Object.keys(body), ['error']);
        assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message']);
        assert.ok(codes.has(body.error.code), body.error.code);
      }
    });

    test('the portal answers still pass their new response schemas', async () => {
      const r = await h.app.inject({ method: 'POST', url: '/v1/customer/demo/login', payload: { customerId: h.customers[0]!.id } });
      const cookie = `kh_customer=${r.cookies.find((c) => c.name === 'kh_customer')!.value}`;
      for (const url of ['/v1/customer/receipts', '/v1/customer/consents', '/v1/customer/grants', '/v1/customer/checkup', '/v1/customer/notices']) {
        const a = await h.app.inject({ method: 'GET', url, headers: { cookie } });
        assert.equal(a.statusCode, 200, `${url}: ${a.body}`);
      }
    });
  });
}
