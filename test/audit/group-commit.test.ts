// Group commit (issue 13, src/audit/group-commit.ts): concurrent appends share commits; each
// resolves only after the commit holding its record (seen from another connection); a failed
// flush fails exactly the requests in it; a failing transactional unit is undone alone; and the
// broker keeps invariant 1 and single-use grants with group commit on.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { DATABASES } from '../support/databases.js';
import { startHarness, supervisorFor, TEST_DEMO, type Harness } from '../support/harness.js';
import { GroupCommitter } from '../../src/audit/group-commit.js';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { loadAgent } from '../../src/access/agents.js';
import type { Store } from '../../src/store/store.js';

let serial = 0;
const record = (requestId = `req_gc_${serial++}`): AuditRecord => ({
  v: 1, time: new Date().toISOString(), requestId, action: 'view', agentId: 'agt_001', customerId: 'cus_000001', ticketId: 'tkt_000001',
  decision: 'allow', fields: { email: 'masked' }, policyIds: ['p0'], reason: null, details: {},
});

for (const backend of DATABASES) {
  describe(`group commit on ${backend.name}`, () => {
    let store: Store;
    let url: string | undefined;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ store, url, cleanup } = await backend.open());
    });
    after(async () => cleanup());

    /** Counts stored records with `requestId`, from another connection on PostgreSQL. */
    async function storedCount(requestIds: readonly string[]): Promise<Map<string, number>> {
      const q = `select entry->>'requestId' as rid, count(*)::int as n from audit_pending where entry->>'requestId' = any($1::text[]) group by 1`;
      let rows: Array<{ rid: string; n: number }>;
      if (url) {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          rows = (await c.query(q, [requestIds])).rows;
        } finally {
          await c.end();
        }
      } else {
        rows = (await sql.raw<{ rid: string; n: number }>(q.replace('$1::text[]', `array[${requestIds.map((r) => `'${r}'`).join(',')}]::text[]`)).execute(store.db)).rows;
      }
      return new Map(rows.map((r) => [r.rid, Number(r.n)]));
    }

    it('64 concurrent appends share a few commits, and each resolves only after its commit', async () => {
      const gc = new GroupCommitter(store.db, { lanes: url ? 4 : 1, maxBatch: 16, maxWaitMs: 20 });
      const recs = Array.from({ length: 64 }, () => record());
      const seenAtResolve: Array<Promise<number>> = [];
      await Promise.all(recs.map((r, i) => gc.append(`agent_${i % 8}`, [r]).then(() => {
        const p = storedCount([r.requestId]).then((m) => m.get(r.requestId) ?? 0);
        seenAtResolve.push(p);
      })));
      const seen = await Promise.all(seenAtResolve);
      assert.ok(seen.every((n) => n === 1), 'a record was not committed when its append resolved');
      const s = gc.stats();
      assert.equal(s.units, 64);
      assert.ok(s.flushes < 64 && s.flushes >= 4, `flushes ${s.flushes}`);
      await gc.close();
    });

    it('a failed flush fails exactly the requests in it, and stores none of them', async () => {
      await sql`alter table audit_pending add constraint gc_poison check (entry->>'requestId' <> 'req_poison') not valid`.execute(store.db);
      try {
        const gc = new GroupCommitter(store.db, { lanes: 1, maxBatch: 10, maxWaitMs: 5 });
        const recs = Array.from({ length: 35 }, (_, i) => record(i === 17 ? 'req_poison' : undefined));
        const outcomes = await Promise.allSettled(recs.map((r) => gc.append('one-lane', [r])));
        const rejected = recs.filter((_, i) => outcomes[i]!.status === 'rejected').map((r) => r.requestId);
        const resolved = recs.filter((_, i) => outcomes[i]!.status === 'fulfilled').map((r) => r.requestId);
        assert.ok(rejected.includes('req_poison'));
        assert.ok(rejected.length >= 1 && rejected.length <= 10, `rejected ${rejected.length}`);
        for (const o of outcomes) if (o.status === 'rejected') assert.ok(isKeyholeError(o.reason, 'AUDIT_APPEND_FAILED'));
        const stored = await storedCount(recs.map((r) => r.requestId));
        for (const rid of resolved) assert.equal(stored.get(rid), 1, `${rid} resolved but is not stored`);
        for (const rid of rejected) assert.equal(stored.get(rid), undefined, `${rid} failed but is stored`);
        assert.equal(gc.stats().failedFlushes, 1);
        await gc.close();
      } finally {
        await sql`alter table audit_pending drop constraint gc_poison`.execute(store.db);
      }
    });

    it('a transactional unit that throws is rolled back alone; the others commit', async () => {
      const gc = new GroupCommitter(store.db, { lanes: 1, maxBatch: 50, maxWaitMs: 10 });
      const ids = Array.from({ length: 6 }, () => `req_gc_unit_${serial++}`);
      const outcomes = await Promise.allSettled(ids.map((rid, i) => gc.run('lane', async (trx) => {
        await (trx as Kysely<any>).insertInto('audit_pending').values({ entry: JSON.stringify(record(rid)) }).execute();
        if (i === 2) throw new Error('unit refused');
        if (i === 4) await sql`select 1/0`.execute(trx); // a database error inside the unit
        return rid;
      })));
      assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
      const stored = await storedCount(ids);
      assert.deepEqual(ids.map((r) => stored.get(r) ?? 0), [1, 1, 0, 1, 0, 1]);
      assert.equal(gc.stats().flushes, 1);
      await gc.close();
    });
  });

  describe(`the broker with group commit on ${backend.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend, TEST_DEMO, { env: { KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64'), KEYHOLE_GROUP_COMMIT: '1' } });
    });
    after(async () => h.close());

    it('is wired in', () => assert.ok(h.rt.broker.deps.commits));

    it('invariant 1: a failing audit append yields an error and no field value; then views work again', async () => {
      const t = await h.rt.db.selectFrom('tickets').selectAll().where('status', '=', 'open').orderBy('id').limit(1).executeTakeFirstOrThrow();
      const agent = await loadAgent(h.rt.db, t.assignee_id as string);
      assert.ok(agent);
      await sql`alter table audit_pending add constraint audit_down check (false) not valid`.execute(h.rt.db);
      try {
        await assert.rejects(h.rt.broker.view({ agent, requestId: 'req_gc_down' }, t.id), (e) => isKeyholeError(e, 'AUDIT_APPEND_FAILED'));
      } finally {
        await sql`alter table audit_pending drop constraint audit_down`.execute(h.rt.db);
      }
      const views = await Promise.all(Array.from({ length: 8 }, (_, i) => h.rt.broker.view({ agent, requestId: `req_gc_v${i}` }, t.id)));
      assert.ok(views.every((v) => v.ticketId === t.id));
      assert.ok((h.rt.broker.deps.commits?.stats().flushes ?? 0) >= 1);
    });

    it('a single-use grant is shown once by 8 concurrent views', async () => {
      const t = await h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', 'account_access').where('status', '=', 'open')
        .orderBy('id').limit(1).executeTakeFirstOrThrow();
      const agent = await loadAgent(h.rt.db, t.assignee_id as string);
      const sup = await loadAgent(h.rt.db, supervisorFor(h.staff, t.assignee_id as string).id);
      assert.ok(agent && sup);
      const req = await h.rt.broker.requestReveal({ agent, requestId: 'req_gc_rr' }, t.id, ['phone'], 'caller asked to confirm contact');
      await h.rt.broker.decideReveal({ agent: sup, requestId: 'req_gc_rd' }, req.id, 'approve', { durationMinutes: 15 });
      const views = await Promise.all(Array.from({ length: 8 }, (_, i) => h.rt.broker.view({ agent, requestId: `req_gc_g${i}` }, t.id)));
      assert.equal(views.filter((v) => v.fields.find((f) => f.name === 'phone')?.level === 'revealed').length, 1);
    });
  });
}
