// The exchange backend's customer sync API (issue 12 item 1): PUT/PATCH/DELETE
// /v1/admin/customers/{externalId} behind a service token with customers:write; each write on
// the audit log with the service as actor and field names, never values.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { issueToken } from '../../src/identity/tokens.js';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

for (const backend of DATABASES) {
  describe(`customer sync API (${backend.name})`, () => {
    let h: Harness;
    let writer: string;
    let reader: string;
    before(async () => {
      h = await startHarness(backend);
      writer = (await issueToken(h.rt.db, h.clock, { kind: 'service', serviceName: 'exchange-backend', scopes: ['customers:write'], label: 't' })).token;
      reader = (await issueToken(h.rt.db, h.clock, { kind: 'service', serviceName: 'siem', scopes: ['audit:read'], label: 't' })).token;
    });
    after(() => h.close());
    const call = (method: 'PUT' | 'PATCH' | 'DELETE', ext: string, token: string | undefined, payload?: unknown) =>
      h.app.inject({ method, url: `/v1/admin/customers/${ext}`, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(payload === undefined ? {} : { payload: payload as object }) });
    const records = async (): Promise<AuditRecord[]> => {
      const r = await sql<{ entry: unknown }>`select entry from audit_pending where entry->>'action' in ('customer_upsert', 'customer_erase') order by id`.execute(h.rt.store.db);
      return r.rows.map((x) => (typeof x.entry === 'string' ? JSON.parse(x.entry) : x.entry) as AuditRecord);
    };

    it('refuses a missing token (401) and a token without customers:write (403)', async () => {
      assert.equal((await call('PUT', 'svc-1', undefined, { jurisdiction: 'DE' })).statusCode, 401);
      const r = await call('PUT', 'svc-1', reader, { jurisdiction: 'DE' });
      assert.equal(r.statusCode, 403);
      assert.equal(r.json().error.code, 'INSUFFICIENT_SCOPE');
    });

    it('upserts, patches and crypto-shreds, each audited with the service as actor and no values', async () => {
      const put = await call('PUT', 'svc-1', writer, { fullName: 'Grace Secretvalue', email: 'grace.secret@example.org', jurisdiction: 'DE', totalBalance: 777777 });
      assert.equal(put.statusCode, 201, put.body);
      const { customerId } = put.json();
      assert.deepEqual(put.json().fields, ['email', 'fullName', 'jurisdiction', 'totalBalance']);
      const again = await call('PUT', 'svc-1', writer, { fullName: 'Grace Secretvalue', jurisdiction: 'DE' });
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().customerId, customerId);
      let v = await h.rt.vault.readFields(h.rt.db, customerId, ['fullName', 'email', 'totalBalance']);
      assert.deepEqual([...v.keys()], ['fullName'], 'PUT replaces: fields not given are removed');
      assert.deepEqual(await h.rt.vault.findByBlindIndex(h.rt.db, 'email', 'grace.secret@example.org'), []);

      const patch = await call('PATCH', 'svc-1', writer, { email: 'grace2.secret@example.org', fullName: null });
      assert.equal(patch.statusCode, 200, patch.body);
      v = await h.rt.vault.readFields(h.rt.db, customerId, ['fullName', 'email']);
      assert.deepEqual(Object.fromEntries(v), { email: 'grace2.secret@example.org' });
      assert.equal((await call('PATCH', 'nobody', writer, { tier: 'pro' })).statusCode, 404);
      const bad = await call('PUT', 'svc-2', writer, { jurisdiction: 'DE', email: 'secret-not-email' });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, 'VALIDATION_FAILED');
      assert.ok(!bad.body.includes('secret-not-email'));
      assert.equal((await call('PUT', 'svc-2', writer, { jurisdiction: 'DE', shoeSize: 42 })).json().error.code, 'VALIDATION_FAILED');

      const del = await call('DELETE', 'svc-1', writer);
      assert.equal(del.statusCode, 200, del.body);
      await assert.rejects(h.rt.vault.readFields(h.rt.db, customerId, ['email']), (e: { code?: string }) => e.code === 'CUSTOMER_ERASED');
      assert.equal((await call('PUT', 'svc-1', writer, { jurisdiction: 'DE' })).json().error.code, 'CUSTOMER_ERASED');

      const recs = await records();
      assert.deepEqual(recs.map((r) => r.action), ['customer_upsert', 'customer_upsert', 'customer_upsert', 'customer_erase']);
      for (const r of recs) {
        assert.equal(r.agentId, null);
        assert.equal(r.customerId, customerId);
        assert.equal(r.details.actor, 'service');
        assert.equal(r.details.service, 'exchange-backend');
      }
      assert.deepEqual(recs[2]!.details.fieldsRemoved, ['fullName']);
      const text = JSON.stringify(recs);
      for (const secret of ['Secretvalue', 'grace.secret', 'grace2.secret', '777777']) assert.ok(!text.includes(secret), `no value on the log: ${secret}`);
    });
  });
}
