// Bearer tokens (issue 10.3 and the service/SCIM tokens of issues 11 and 12): expiry,
// revocation, suspension revokes them for good, and service tokens are limited to their scopes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { issueToken, listTokens, revokeToken, serviceForToken, AGENT_TOKEN_TTL_MS } from '../../src/identity/tokens.js';
import { requireService } from '../../src/server/auth.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

for (const backend of DATABASES) {
  describe(`bearer tokens (${backend.name})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h.close());

    const me = (token: string) => h.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    const security = () => h.staff.find((s) => s.role === 'security')!;
    const agent = (n: number) => h.staff.filter((s) => s.role === 'agent')[n]!;

    it('an agent token works until it expires', async () => {
      const t = await issueToken(h.rt.db, h.clock, { kind: 'agent', agentId: agent(0).id, label: 't', ttlMs: 60_000 });
      assert.equal((await me(t.token)).statusCode, 200);
      h.clock.advance(60_001);
      assert.equal((await me(t.token)).statusCode, 401);
    });

    it('the default agent token lifetime is 30 days', async () => {
      const t = await issueToken(h.rt.db, h.clock, { kind: 'agent', agentId: agent(0).id, label: 't' });
      assert.equal(t.expiresAt?.getTime(), h.clock.now().getTime() + AGENT_TOKEN_TTL_MS);
    });

    it('a revoked token stops working at once and cannot be revoked twice', async () => {
      const t = await issueToken(h.rt.db, h.clock, { kind: 'agent', agentId: agent(0).id, label: 't' });
      assert.equal((await me(t.token)).statusCode, 200);
      assert.equal(await revokeToken(h.rt.db, h.clock, t.id, 'test', 'leaked'), true);
      assert.equal((await me(t.token)).statusCode, 401);
      assert.equal(await revokeToken(h.rt.db, h.clock, t.id, 'test', 'again'), false);
      const listed = await listTokens(h.rt.db, { agentId: agent(0).id, includeRevoked: true });
      assert.equal(listed.find((x) => x.id === t.id)?.revokedBy, 'test');
      assert.equal((await listTokens(h.rt.db, { agentId: agent(0).id })).some((x) => x.id === t.id), false);
    });

    it('suspension revokes every token of the agent, and reinstatement does not revive them', async () => {
      const target = agent(1);
      const t = await issueToken(h.rt.db, h.clock, { kind: 'agent', agentId: target.id, label: 't' });
      assert.equal((await me(t.token)).statusCode, 200);
      const cookie = await h.login(security().id);
      const s = await h.app.inject({ method: 'POST', url: `/v1/agents/${target.id}/suspend`, headers: { cookie }, payload: { reason: 'test' } });
      assert.equal(s.statusCode, 200, s.body);
      assert.equal((await me(t.token)).statusCode, 401);
      const r = await h.app.inject({ method: 'POST', url: `/v1/agents/${target.id}/reinstate`, headers: { cookie }, payload: { reason: 'test' } });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal((await me(t.token)).statusCode, 401);
      assert.equal((await listTokens(h.rt.db, { agentId: target.id, includeRevoked: true })).find((x) => x.id === t.id)?.revokedBy, 'suspension');
    });

    it('a service token acts only as its service and only within its scopes', async () => {
      const svc = await issueToken(h.rt.db, h.clock, { kind: 'service', serviceName: 'exchange-backend', scopes: ['customers:write'], label: 't' });
      const agentTok = await issueToken(h.rt.db, h.clock, { kind: 'agent', agentId: agent(0).id, label: 't' });
      assert.deepEqual((await serviceForToken(h.rt.db, h.clock, svc.token))?.scopes, ['customers:write']);
      assert.equal(await serviceForToken(h.rt.db, h.clock, agentTok.token), undefined);
      assert.equal((await me(svc.token)).statusCode, 401, 'a service token is not an agent');
      await assert.rejects(issueToken(h.rt.db, h.clock, { kind: 'service', serviceName: 'x', scopes: ['root' as never], label: 't' }), { code: 'BAD_REQUEST' });
      await assert.rejects(issueToken(h.rt.db, h.clock, { kind: 'service', serviceName: 'x', scopes: [], label: 't' }), { code: 'BAD_REQUEST' });
    });
  });
}

describe('requireService', () => {
  it('answers 401 without a live service token and 403 INSUFFICIENT_SCOPE without the scope', async () => {
    const [backend] = DATABASES;
    const h = await startHarness(backend!);
    try {
      const Fastify = (await import('fastify')).default;
      const app = Fastify();
      const { installErrorHandling } = await import('../../src/server/error-handler.js');
      installErrorHandling(app);
      await app.register(async (scope) => {
        requireService(scope, h.rt, 'customers:write');
        scope.get('/x', async (req) => ({ service: req.service?.name }));
      });
      const ok = await issueToken(h.rt.db, h.clock, { kind: 'service', serviceName: 'backend', scopes: ['customers:write'], label: 't' });
      const other = await issueToken(h.rt.db, h.clock, { kind: 'scim', serviceName: 'okta', scopes: ['scim'], label: 't' });
      const call = (auth?: string) => app.inject({ method: 'GET', url: '/x', headers: auth ? { authorization: auth } : {} });
      assert.equal((await call()).statusCode, 401);
      assert.equal((await call('Bearer kh_notavalidtoken000')).statusCode, 401);
      const denied = await call(`Bearer ${other.token}`);
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().error.code, 'INSUFFICIENT_SCOPE');
      const r = await call(`Bearer ${ok.token}`);
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json(), { service: 'backend' });
      await revokeToken(h.rt.db, h.clock, ok.id, 'test', 'rotate');
      assert.equal((await call(`Bearer ${ok.token}`)).statusCode, 401);
      await app.close();
    } finally {
      await h.close();
    }
  });
});
