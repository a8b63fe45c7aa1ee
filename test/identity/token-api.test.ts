// The security staff's token API and the audit trail of tokens (issue 10 item 3): security
// lists tokens (never their secrets) and revokes one at once; others are refused; issuing and
// revoking are recorded on the audit log with who did it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import { issueToken } from '../../src/identity/tokens.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

for (const backend of DATABASES) {
  describe(`token API for security staff (${backend.name})`, () => {
    let h: Harness;
    let security: string;
    before(async () => {
      h = await startHarness(backend);
      security = await h.login(h.staff.find((s) => s.role === 'security')!.id);
    });
    after(() => h.close());

    const agent = () => h.staff.find((s) => s.role === 'agent')!;
    const records = async (action: string): Promise<AuditRecord[]> => {
      const pending = await sql<{ entry: unknown }>`select entry from audit_pending where entry->>'action' = ${action} order by id`.execute(h.rt.store.db);
      const logged = await sql<{ entry: string }>`select entry from audit_log where action = ${action} order by seq`.execute(h.rt.store.db);
      return [...logged.rows.map((r) => JSON.parse(r.entry) as AuditRecord), ...pending.rows.map((r) => (typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry) as AuditRecord)];
    };

    it('lists tokens without secrets, revokes one at once, and records both', async () => {
      const issued = await issueToken(h.rt.db, h.clock, { kind: 'agent', agentId: agent().id, label: 'laptop' });
      const svc = await issueToken(h.rt.db, h.clock, { kind: 'service', serviceName: 'exchange-backend', scopes: ['customers:write'], label: 'sync' });
      const list = await h.app.inject({ method: 'GET', url: `/v1/security/tokens?agentId=${agent().id}`, headers: { cookie: security } });
      assert.equal(list.statusCode, 200, list.body);
      assert.deepEqual(list.json().tokens.map((t: { id: string }) => t.id), [issued.id]);
      const services = await h.app.inject({ method: 'GET', url: '/v1/security/tokens?kind=service', headers: { cookie: security } });
      assert.deepEqual(services.json().tokens.map((t: { id: string }) => t.id), [svc.id]);
      for (const body of [list.body, services.body]) {
        assert.ok(!body.includes(issued.token) && !body.includes(svc.token) && !body.includes('hash'));
      }

      const me = () => h.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${issued.token}` } });
      assert.equal((await me()).statusCode, 200);
      const revoke = await h.app.inject({ method: 'POST', url: `/v1/security/tokens/${issued.id}/revoke`, headers: { cookie: security }, payload: { reason: 'laptop stolen' } });
      assert.equal(revoke.statusCode, 200, revoke.body);
      const secId = h.staff.find((s) => s.role === 'security')!.id;
      assert.equal(revoke.json().revokedBy, secId);
      assert.ok(revoke.json().revokedAt);
      assert.equal((await me()).statusCode, 401);
      const again = await h.app.inject({ method: 'POST', url: `/v1/security/tokens/${issued.id}/revoke`, headers: { cookie: security }, payload: { reason: 'again' } });
      assert.equal(again.statusCode, 404);
      assert.equal(again.json().error.code, 'TOKEN_NOT_FOUND');
      const withRevoked = await h.app.inject({ method: 'GET', url: `/v1/security/tokens?agentId=${agent().id}&includeRevoked=true`, headers: { cookie: security } });
      assert.equal(withRevoked.json().tokens[0].revokedBy, secId);

      const created = (await records('token_create')).filter((r) => r.details.tokenId === issued.id || r.details.tokenId === svc.id);
      assert.equal(created.length, 2);
      assert.deepEqual(created.map((r) => r.details.target).sort(), [agent().id, 'exchange-backend'].sort());
      const revoked = (await records('token_revoke')).filter((r) => r.details.tokenId === issued.id);
      assert.equal(revoked.length, 1, 'one revocation recorded (the second attempt found nothing)');
      assert.equal(revoked[0]!.agentId, secId);
      assert.equal(revoked[0]!.requestId, revoke.headers['x-request-id']);
      assert.equal(revoked[0]!.reason, 'laptop stolen');
      for (const r of [...created, ...revoked]) assert.ok(!JSON.stringify(r).includes(issued.token) && !JSON.stringify(r).includes(svc.token));
    });

    it('is for security staff only', async () => {
      const t = await issueToken(h.rt.db, h.clock, { kind: 'agent', agentId: agent().id, label: 'x' });
      for (const role of ['agent', 'supervisor'] as const) {
        const cookie = await h.login(h.staff.find((s) => s.role === role)!.id);
        const list = await h.app.inject({ method: 'GET', url: '/v1/security/tokens', headers: { cookie } });
        assert.equal(list.statusCode, 403);
        const revoke = await h.app.inject({ method: 'POST', url: `/v1/security/tokens/${t.id}/revoke`, headers: { cookie }, payload: { reason: 'not mine' } });
        assert.equal(revoke.statusCode, 403);
      }
      const list = await h.app.inject({ method: 'GET', url: `/v1/security/tokens?agentId=${agent().id}`, headers: { cookie: security } });
      assert.ok(list.json().tokens.some((x: { id: string }) => x.id === t.id));
    });
  });
}
