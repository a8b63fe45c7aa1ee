// Binary COPY (src/store/copy-in.ts), as the bulk import writes keys, ciphertexts and blind
// indexes: values come back byte for byte, it runs inside the caller's transaction (a rollback
// removes the rows), a constraint violation rejects the whole COPY and leaves the connection
// usable, and a value of the wrong type is refused before anything is sent. On PGlite and on
// PostgreSQL when configured.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { copyRows, encodeCopyBinary } from '../../src/store/copy-in.js';
import { DATABASES } from '../support/databases.js';

const COLUMNS = ['id', 'name', 'n', 'data'] as const;
const TYPES = ['text', 'text', 'int4', 'bytea'] as const;

describe('COPY binary encoding', () => {
  it('lays out signature, header, rows and trailer as PostgreSQL documents', () => {
    const out = encodeCopyBinary(['text', 'int4', 'bytea'], [['é', -2, Uint8Array.of(0, 255)]]);
    assert.equal(out.subarray(0, 11).toString('latin1'), 'PGCOPY\n\xff\r\n\0');
    assert.equal(out.readInt32BE(11), 0, 'flags');
    assert.equal(out.readInt32BE(15), 0, 'header extension');
    assert.equal(out.readInt16BE(19), 3, 'column count');
    assert.equal(out.readInt32BE(21), 2, 'UTF-8 length of é');
    assert.deepEqual([...out.subarray(25, 27)], [0xc3, 0xa9]);
    assert.equal(out.readInt32BE(27), 4);
    assert.equal(out.readInt32BE(31), -2);
    assert.equal(out.readInt32BE(35), 2);
    assert.deepEqual([...out.subarray(39, 41)], [0, 255]);
    assert.equal(out.readInt16BE(41), -1, 'trailer');
    assert.equal(out.length, 43);
  });

  it('refuses a value of the wrong type or range before anything is sent', () => {
    assert.throws(() => encodeCopyBinary(['int4'], [['1']]), RangeError);
    assert.throws(() => encodeCopyBinary(['int4'], [[2 ** 31]]), RangeError);
    assert.throws(() => encodeCopyBinary(['bytea'], [['x']]), RangeError);
    assert.throws(() => encodeCopyBinary(['text'], [[1]]), RangeError);
  });
});

for (const backend of DATABASES) {
  describe(`COPY binary into a table (${backend.name})`, () => {
    let db: Kysely<any>;
    let cleanup: () => Promise<void>;
    before(async () => {
      const o = await backend.open();
      db = o.store.db;
      cleanup = o.cleanup;
      await sql`create table copy_probe (id text primary key, name text not null, n integer not null, data bytea not null)`.execute(db);
    });
    after(() => cleanup());

    const rows = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => [`${prefix}-${i}`, `näme ${i} "q" \\ ,{}`, i - 5, randomBytes(i % 70)] as const);
    const read = async (prefix: string) => (await sql<{ id: string; name: string; n: number; data: Uint8Array }>`select id, name, n, data from copy_probe where id like ${`${prefix}-%`} order by n`.execute(db)).rows;

    it('copies rows that read back byte for byte', async () => {
      const want = rows('a', 300);
      assert.equal(await copyRows(db, 'copy_probe', COLUMNS, TYPES, want), 300);
      const got = await read('a');
      assert.equal(got.length, 300);
      got.forEach((r, i) => {
        const w = want[i]!;
        assert.deepEqual([r.id, r.name, r.n, Buffer.from(r.data).toString('hex')], [w[0], w[1], w[2], Buffer.from(w[3]).toString('hex')]);
      });
    });

    it('runs in the caller\'s transaction: a rollback leaves nothing', async () => {
      await assert.rejects(db.transaction().execute(async (trx) => {
        await copyRows(trx, 'copy_probe', COLUMNS, TYPES, rows('b', 10));
        assert.equal((await sql<{ n: number }>`select count(*)::int as n from copy_probe where id like 'b-%'`.execute(trx)).rows[0]!.n, 10);
        throw new Error('abort');
      }), /abort/);
      assert.deepEqual(await read('b'), []);
    });

    it('rejects the whole COPY on a constraint violation and the connection stays usable', async () => {
      const dup = [...rows('c', 5), ['c-2', 'again', 0, Uint8Array.of(1)] as const];
      await assert.rejects(db.transaction().execute((trx) => copyRows(trx, 'copy_probe', COLUMNS, TYPES, dup)), (e: { code?: string }) => e.code === '23505');
      assert.deepEqual(await read('c'), []);
      assert.equal(await copyRows(db, 'copy_probe', COLUMNS, TYPES, rows('c', 5)), 5);
      assert.equal((await read('c')).length, 5);
    });
  });
}
