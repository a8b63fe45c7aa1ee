// Group commit's transactional units (issue 13, src/audit/group-commit.ts and
// group-commit-unit.ts): records a unit appends with appendAudit go into the flush's one INSERT;
// a unit opens its savepoint only when it runs a statement of its own; a unit that throws loses
// its records and writes alone; a failed flush fails exactly its units, with their writes; a
// unit's handle is refused once the unit ended. Each resolved unit's record is seen committed
// from another connection on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import pg from 'pg';
import { appendAudit } from '../../src/audit/append.js';
import { GroupCommitter } from '../../src/audit/group-commit.js';
import type { AuditTables } from '../../src/audit/tables.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import type { Store } from '../../src/store/store.js';
import { DATABASES } from '../support/databases.js';
import { makeRecord } from './support/log-fixture.js';

let serial = 0;
const rec = () => makeRecord(serial++, 'gcu');

for (const backend of DATABASES) {
  describe(`group-commit units on ${backend.name}`, () => {
    let store: Store;
    let url: string | undefined;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ store, url, cleanup } = await backend.open());
      await sql`create table gcu_probe (k text primary key)`.execute(store.db);
    });
    after(async () => cleanup());

    /** What is committed, read from another connection on PostgreSQL. */
    async function committed(q: string): Promise<Set<string>> {
      if (url === undefined) return new Set((await sql.raw<{ v: string }>(q).execute(store.db)).rows.map((r) => r.v));
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return new Set((await c.query<{ v: string }>(q)).rows.map((r) => r.v));
      } finally {
        await c.end();
      }
    }
    const records = () => committed(`select entry->>'requestId' as v from audit_pending`);
    const probes = () => committed('select k as v from gcu_probe');

    it('units that only append open no savepoint, share one flush (one INSERT in autocommit), and resolve after the commit', async () => {
      const gc = new GroupCommitter(store.db, { lanes: 1 });
      const rs = Array.from({ length: 20 }, rec);
      const seen: Array<Promise<boolean>> = [];
      await Promise.all(rs.map((r) => gc.run('k', async (trx) => {
        const id = await appendAudit(trx as Kysely<AuditTables>, r);
        assert.equal(id, undefined); // deferred to the flush's INSERT
      }).then(() => { seen.push(records().then((s) => s.has(r.requestId))); })));
      assert.deepEqual(await Promise.all(seen), rs.map(() => true));
      assert.deepEqual(gc.stats(), { flushes: 1, units: 20, failedFlushes: 0, savepoints: 0, autocommitFlushes: 1 });
      await gc.close();
    });

    it('a unit that throws loses its records and writes alone; savepoints only for units with statements', async () => {
      const gc = new GroupCommitter(store.db, { lanes: 1 });
      const rs = Array.from({ length: 6 }, rec);
      const probe = (i: number) => CompiledQuery.raw('insert into gcu_probe (k) values ($1)', [rs[i]!.requestId]);
      const units = [
        async (trx: Kysely<AuditTables>) => { await appendAudit(trx, rs[0]!); },
        async (trx: Kysely<AuditTables>) => { await trx.executeQuery(probe(1)); await appendAudit(trx, rs[1]!); },
        async (trx: Kysely<AuditTables>) => { await appendAudit(trx, rs[2]!); throw new Error('refused after appending'); },
        async (trx: Kysely<AuditTables>) => { await trx.executeQuery(probe(3)); await appendAudit(trx, rs[3]!); throw new Error('refused after writing'); },
        async (trx: Kysely<AuditTables>) => { await appendAudit(trx, rs[4]!, { sql: 'insert into gcu_probe (k) values ($1::int8::text)', params: ['not a number'] }); },
        async (trx: Kysely<AuditTables>) => { await appendAudit(trx, rs[5]!, { sql: 'insert into gcu_probe (k) values ($1)', params: [rs[5]!.requestId] }); },
      ];
      const out = await Promise.allSettled(units.map((fn) => gc.run('k', fn)));
      assert.deepEqual(out.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
      assert.ok(out[4]!.status === 'rejected' && isKeyholeError(out[4]!.reason, 'AUDIT_APPEND_FAILED'), 'a failing co-write fails the append');
      const [stored, written] = [await records(), await probes()];
      assert.deepEqual(rs.map((r) => stored.has(r.requestId)), [true, true, false, false, false, true]);
      assert.deepEqual(rs.map((r) => written.has(r.requestId)), [false, true, false, false, false, true]);
      assert.deepEqual(gc.stats(), { flushes: 1, units: 6, failedFlushes: 0, savepoints: 4, autocommitFlushes: 0 });
      await gc.close();
    });

    it('a failed flush fails exactly its units, deferred records and writes included', async () => {
      await sql`alter table audit_pending add constraint gcu_poison check (entry->>'requestId' <> 'req_gcu_poison') not valid`.execute(store.db);
      try {
        const gc = new GroupCommitter(store.db, { lanes: 1, maxBatch: 10 });
        const rs = Array.from({ length: 35 }, (_, i) => (i === 17 ? { ...rec(), requestId: 'req_gcu_poison' } : rec()));
        const out = await Promise.allSettled(rs.map((r) => gc.run('one-lane', async (trx) => {
          await trx.executeQuery(CompiledQuery.raw('insert into gcu_probe (k) values ($1)', [r.requestId]));
          await appendAudit(trx as Kysely<AuditTables>, r);
        })));
        // Queued in one turn of the event loop: flushes of units 0–9, 10–19, 20–29, 30–34.
        const failed = rs.map((_, i) => i >= 10 && i < 20);
        assert.deepEqual(out.map((o) => o.status === 'rejected'), failed);
        for (const o of out) if (o.status === 'rejected') assert.ok(isKeyholeError(o.reason, 'AUDIT_APPEND_FAILED'));
        const [stored, written] = [await records(), await probes()];
        assert.deepEqual(rs.map((r) => stored.has(r.requestId)), failed.map((f) => !f));
        assert.deepEqual(rs.map((r) => written.has(r.requestId)), failed.map((f) => !f));
        assert.equal(gc.stats().failedFlushes, 1);
        assert.equal(gc.stats().flushes, 4);
        await gc.close();
      } finally {
        await sql`alter table audit_pending drop constraint gcu_poison`.execute(store.db);
      }
    });

    it('a unit handle is refused after its unit ended', async () => {
      const gc = new GroupCommitter(store.db, { lanes: 1 });
      const kept = await gc.run('k', async (trx) => trx);
      await assert.rejects(async () => kept.executeQuery(CompiledQuery.raw('select 1')));
      await assert.rejects(appendAudit(kept as Kysely<AuditTables>, rec()), (e) => isKeyholeError(e, 'AUDIT_APPEND_FAILED'));
      await gc.close();
    });
  });
}
