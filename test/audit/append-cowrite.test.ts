// appendAudit with a co-write (src/audit/append.ts, issue 13): another write of the request —
// the guard's budget counters on a view — runs in the record's own statement, so both commit
// or neither does; a co-write that fails fails the append (AUDIT_APPEND_FAILED) and stores no
// record; placeholders of the co-write are renumbered after the record's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { appendAudit } from '../../src/audit/append.js';
import type { AuditTables } from '../../src/audit/tables.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { DATABASES } from '../support/databases.js';
import { makeRecord } from './support/log-fixture.js';

for (const backend of DATABASES) {
  describe(`appendAudit with a co-write on ${backend.name}`, () => {
    let db: Kysely<AuditTables>;
    let cleanup: () => Promise<void>;
    before(async () => {
      const o = await backend.open();
      db = o.store.db as unknown as Kysely<AuditTables>;
      cleanup = o.cleanup;
      await sql`create table cowrite_probe (k text primary key, a text not null, b int not null)`.execute(db);
      await sql`insert into cowrite_probe values ('x', 'old', 0)`.execute(db);
    });
    after(() => cleanup());

    const pendingWith = async (requestId: string) =>
      Number((await sql<{ n: number }>`select count(*)::int as n from audit_pending where entry->>'requestId' = ${requestId}`.execute(db)).rows[0]!.n);
    const probe = async () => (await sql<{ a: string; b: number }>`select a, b from cowrite_probe where k = 'x'`.execute(db)).rows[0]!;

    it('runs the co-write with the record, parameters in their places', async () => {
      const r = makeRecord(1, 'cow');
      const id = await db.transaction().execute((trx) => appendAudit(trx, r, { sql: 'update cowrite_probe set a = $2, b = $3 where k = $1', params: ['x', 'new', 7] }));
      assert.ok(id !== undefined && id > 0);
      assert.deepEqual(await probe(), { a: 'new', b: 7 });
      assert.equal(await pendingWith(r.requestId), 1);
    });

    it('a failing co-write fails the append and stores neither', async () => {
      const r = makeRecord(2, 'cow');
      await assert.rejects(db.transaction().execute((trx) => appendAudit(trx, r, { sql: 'update cowrite_probe set b = $2 where k = $1', params: ['x', 'not a number'] })),
        (e) => isKeyholeError(e, 'AUDIT_APPEND_FAILED'));
      assert.equal(await pendingWith(r.requestId), 0);
      assert.deepEqual(await probe(), { a: 'new', b: 7 });
    });

    it('a record the log refuses writes nothing of the co-write either', async () => {
      const r = { ...makeRecord(3, 'cow'), time: 'not a date' };
      await assert.rejects(db.transaction().execute((trx) => appendAudit(trx, r, { sql: 'update cowrite_probe set b = $2 where k = $1', params: ['x', 9] })),
        (e) => isKeyholeError(e, 'AUDIT_APPEND_FAILED'));
      assert.deepEqual(await probe(), { a: 'new', b: 7 });
    });
  });
}
