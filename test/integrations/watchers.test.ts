// Who watches the watchers (issue 12 item 5): security staff reading log entries, the audit
// explorer, and an incident's timeline are themselves on the audit log (`log_read`, with the
// reader as agent and what they read), recorded before the entries are returned.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

for (const backend of DATABASES) {
  describe(`reads of the log are on the log (${backend.name})`, () => {
    let h: Harness;
    let security: string;
    let securityId: string;
    before(async () => {
      h = await startHarness(backend);
      securityId = h.staff.find((s) => s.role === 'security')!.id;
      security = await h.login(securityId);
    });
    after(() => h.close());
    const reads = async (): Promise<AuditRecord[]> => {
      const pending = await sql<{ entry: unknown }>`select entry from audit_pending where entry->>'action' = 'log_read' order by id`.execute(h.rt.store.db);
      const logged = await sql<{ entry: string }>`select entry from audit_log where action = 'log_read' order by seq`.execute(h.rt.store.db);
      return [...logged.rows.map((r) => JSON.parse(r.entry) as AuditRecord), ...pending.rows.map((r) => (typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry) as AuditRecord)];
    };

    it('GET /v1/log/entries and the audit explorer record who read what', async () => {
      await h.rt.integrator.drain();
      const entries = await h.app.inject({ method: 'GET', url: '/v1/log/entries?from=0&limit=5', headers: { cookie: security } });
      assert.equal(entries.statusCode, 200, entries.body);
      const customerId = h.customers[3]!.id;
      const explorer = await h.app.inject({ method: 'GET', url: `/v1/security/audit?customerId=${customerId}&limit=10`, headers: { cookie: security } });
      assert.equal(explorer.statusCode, 200, explorer.body);
      const r = await reads();
      assert.deepEqual(r.map((x) => [x.agentId, x.details.what]), [[securityId, 'log_entries'], [securityId, 'audit_explorer']]);
      assert.deepEqual([r[0]!.details.from, r[0]!.details.limit], [0, 5]);
      assert.equal(r[1]!.details.customerId, customerId, 'the filter is recorded (an id, not a value)');
      assert.equal(r[1]!.customerId, null, 'a read of the log is not an exposure of the customer');

      await h.rt.integrator.drain();
      const next = await h.app.inject({ method: 'GET', url: '/v1/security/audit?action=log_read&limit=10', headers: { cookie: security } });
      const seen = next.json().entries.map((e: { record: AuditRecord }) => e.record.details.what);
      assert.ok(seen.includes('log_entries') && seen.includes('audit_explorer'), 'the explorer shows the reads of the log, including its own');
    });

    it('a refused read (not security) records nothing and returns nothing', async () => {
      const before = (await reads()).length;
      const agent = await h.login(h.staff.find((s) => s.role === 'agent')!.id);
      const r = await h.app.inject({ method: 'GET', url: '/v1/log/entries?from=0&limit=5', headers: { cookie: agent } });
      assert.equal(r.statusCode, 403);
      assert.equal((await reads()).length, before);
    });
  });
}
