// Migration 0085: customer_fields and blind_indexes reference customers through a check per
// statement instead of a per-row foreign key. It must refuse what the foreign key refused (a row
// of no customer, by INSERT, COPY or UPDATE, with SQLSTATE 23503) and keep every reference valid
// afterwards (a customers row cannot be deleted, truncated or change its id). PGlite and
// PostgreSQL when configured.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { copyRows } from '../../src/store/copy-in.js';
import { DATABASES } from '../support/databases.js';
import { insertCustomer, suiteStore } from './helpers.js';

const fkViolation = (e: unknown) => (e as { code?: string }).code === '23503';

for (const backend of DATABASES) {
  describe(`vault rows reference customers (${backend.name})`, () => {
    let db: Kysely<any>;
    suiteStore(backend, (d) => { db = d; });

    it('accepts rows of existing customers, refuses a row of none (INSERT and COPY) with nothing written', async () => {
      await insertCustomer(db, 'ref-1');
      await sql`insert into customer_fields (customer_id, field, ciphertext) values ('ref-1', 'email', '\\x01')`.execute(db);
      await copyRows(db, 'blind_indexes', ['customer_id', 'field', 'digest', 'key_version'], ['text', 'text', 'bytea', 'int4'], [['ref-1', 'email', new Uint8Array(32), 1]]);
      await assert.rejects(sql`insert into customer_fields (customer_id, field, ciphertext) values ('ref-1', 'phone', '\\x01'), ('ref-none', 'email', '\\x01')`.execute(db), fkViolation);
      await assert.rejects(copyRows(db, 'customer_fields', ['customer_id', 'field', 'ciphertext'], ['text', 'text', 'bytea'], [['ref-1', 'fullName', Uint8Array.of(1)], ['ref-none', 'email', Uint8Array.of(1)]]), fkViolation);
      await assert.rejects(copyRows(db, 'blind_indexes', ['customer_id', 'field', 'digest', 'key_version'], ['text', 'text', 'bytea', 'int4'], [['ref-none', 'email', new Uint8Array(32), 1]]), fkViolation);
      const n = await sql<{ n: number }>`select (select count(*) from customer_fields where customer_id like 'ref-%')::int + (select count(*) from blind_indexes where customer_id like 'ref-%')::int as n`.execute(db);
      assert.equal(n.rows[0]!.n, 2, 'only the two good rows');
    });

    it('refuses moving a row to no customer (UPDATE, also through ON CONFLICT)', async () => {
      await assert.rejects(sql`update customer_fields set customer_id = 'ref-none' where customer_id = 'ref-1'`.execute(db), fkViolation);
      await assert.rejects(sql`update blind_indexes set customer_id = 'ref-none' where customer_id = 'ref-1'`.execute(db), fkViolation);
      await sql`insert into customer_fields (customer_id, field, ciphertext) values ('ref-1', 'email', '\\x02')
        on conflict (customer_id, field) do update set ciphertext = excluded.ciphertext`.execute(db);
    });

    it('keeps customers rows: no delete, no truncate, no change of id', async () => {
      await insertCustomer(db, 'ref-2');
      await assert.rejects(sql`delete from customers where id = 'ref-2'`.execute(db), fkViolation);
      await assert.rejects(sql`update customers set id = 'ref-3' where id = 'ref-1'`.execute(db), fkViolation);
      await assert.rejects(sql`truncate customers cascade`.execute(db), fkViolation);
      await sql`update customers set tier = 'vip' where id = 'ref-1'`.execute(db);
      const n = await sql<{ n: number }>`select count(*)::int as n from customers where id in ('ref-1', 'ref-2')`.execute(db);
      assert.equal(n.rows[0]!.n, 2);
    });
  });
}
