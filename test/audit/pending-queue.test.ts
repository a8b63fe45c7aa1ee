// Migration 0086: audit_pending's DELETE rule is checked once per statement over the rows it
// removed. A record leaves the queue only once an audit_log row carries its id; a DELETE that
// would remove any other record fails whole, removing nothing; UPDATE and TRUNCATE are refused.
// PGlite and PostgreSQL when configured.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { DATABASES } from '../support/databases.js';
import { suiteStore } from '../vault/helpers.js';

const appendOnly = /append-only until integrated/;

for (const backend of DATABASES) {
  describe(`audit_pending leaves only by integration (${backend.name})`, () => {
    let db: Kysely<any>;
    suiteStore(backend, (d) => { db = d; });

    const pending = async (n: number): Promise<number[]> => {
      const r = await sql<{ id: string }>`insert into audit_pending (entry) select jsonb_build_object('n', g) from generate_series(1, ${n}::int) g returning id`.execute(db);
      return r.rows.map((x) => Number(x.id));
    };
    const integrated = (id: number, seq: number) => sql`insert into audit_log (seq, entry, leaf_hash, chain_hash, time, action, pending_id)
      values (${seq}, '{}', '\\x00', '\\x00', now(), 'test', ${id})`.execute(db);
    const left = async (ids: number[]) => (await sql<{ id: string }>`select id from audit_pending where id = any(${ids}::int8[]) order by id`.execute(db)).rows.map((x) => Number(x.id));

    it('a DELETE of integrated records and one that is not fails whole; of integrated records only, succeeds', async () => {
      const ids = await pending(3);
      await integrated(ids[0]!, 9_000_001);
      await integrated(ids[1]!, 9_000_002);
      await assert.rejects(sql`delete from audit_pending where id = any(${ids}::int8[])`.execute(db), (e: unknown) =>
        (e as { code?: string }).code === 'P0001' && appendOnly.test(String((e as Error).message)) && String((e as Error).message).includes(String(ids[2])));
      assert.deepEqual(await left(ids), ids, 'nothing removed');
      await sql`delete from audit_pending where id = any(${ids.slice(0, 2)}::int8[])`.execute(db);
      assert.deepEqual(await left(ids), [ids[2]]);
    });

    it('refuses UPDATE and TRUNCATE, even of an integrated record', async () => {
      const [id] = await pending(1);
      await integrated(id!, 9_000_003);
      await assert.rejects(sql`update audit_pending set entry = '{}'::jsonb where id = ${id}`.execute(db), appendOnly);
      await assert.rejects(sql`truncate audit_pending`.execute(db), /append-only/);
      assert.deepEqual(await left([id!]), [id]);
    });
  });
}
