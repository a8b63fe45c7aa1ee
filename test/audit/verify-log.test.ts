// `keyhole verify`'s check of the stored log (src/audit/verify-log.ts) against a malicious DBA:
// changing, deleting, inserting or reordering any entry, tile or checkpoint is found and the
// first bad position named (DESIGN.md invariant 4). Tampering runs with the append-only
// triggers disabled inside a transaction that is rolled back, so every case starts clean.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import type { LogIdentity } from '../../src/audit/log-identity.js';
import type { AuditTables } from '../../src/audit/tables.js';
import { verifyLog } from '../../src/audit/verify-log.js';
import type { Store } from '../../src/store/store.js';
import { DATABASES } from '../support/databases.js';
import { appendRecordsBulk, testIdentity, testIntegrator } from './support/log-fixture.js';

const SIZE = 600; // level-0 tiles 0 and 1 full, 2 partial; a partial level-1 tile

/** A tampering: what it does to the database, and the position verify must name. */
interface Tamper {
  readonly name: string;
  apply(trx: Kysely<AuditTables>, at: number): Promise<number>;
}

const q = (trx: Kysely<AuditTables>, s: ReturnType<typeof sql>) => s.execute(trx);
const shift = async (trx: Kysely<AuditTables>, from: number, by: number) => {
  await q(trx, sql`update audit_log set seq = -seq - 1 where seq >= ${from}`);
  await q(trx, sql`update audit_log set seq = -seq - 1 + ${by} where seq < 0`);
};
const rehash = (trx: Kysely<AuditTables>, at: number) => q(trx, sql`update audit_log set leaf_hash = sha256('\\x00'::bytea || convert_to(entry, 'UTF8')) where seq = ${at}`);
const tileAt = async (trx: Kysely<AuditTables>, pick: number) => {
  const tiles = (await sql<{ level: number; idx: number; n: number }>`select level, idx, length(data) / 32 as n from tlog_tiles order by level, idx`.execute(trx)).rows;
  const t = tiles[pick % tiles.length]!;
  const k = pick % t.n;
  return { level: t.level, idx: Number(t.idx), k, index: (Number(t.idx) * 256 + k) * 256 ** t.level };
};

const TAMPERS: readonly Tamper[] = [
  { name: 'change an entry', apply: async (trx, at) => (await q(trx, sql`update audit_log set entry = replace(entry, 'req_', 'req-') where seq = ${at}`), at) },
  { name: 'change an entry and its leaf hash', apply: async (trx, at) => { await q(trx, sql`update audit_log set entry = replace(entry, 'agt_', 'agt-') where seq = ${at}`); await rehash(trx, at); return at; } },
  { name: 'change an entry, its leaf hash and chain link', apply: async (trx, at) => {
    await q(trx, sql`update audit_log set entry = replace(entry, 'cus_', 'cus-') where seq = ${at}`);
    await rehash(trx, at);
    await q(trx, sql`update audit_log set chain_hash = sha256(coalesce((select chain_hash from audit_log p where p.seq = ${at - 1}), '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) || leaf_hash) where seq = ${at}`);
    return at;
  } },
  { name: 'change a chain link', apply: async (trx, at) => (await q(trx, sql`update audit_log set chain_hash = sha256(chain_hash) where seq = ${at}`), at) },
  { name: 'delete an entry', apply: async (trx, at) => (await q(trx, sql`delete from audit_log where seq = ${at}`), at) },
  { name: 'delete an entry and renumber', apply: async (trx, at) => { await q(trx, sql`delete from audit_log where seq = ${at}`); await shift(trx, at + 1, -1); return at; } },
  { name: 'insert an entry and renumber', apply: async (trx, at) => {
    await shift(trx, at, 1);
    await q(trx, sql`insert into audit_log (seq, entry, leaf_hash, chain_hash, time, action) select ${at}, entry, leaf_hash, chain_hash, time, action from audit_log where seq = ${at + 1}`);
    await q(trx, sql`update audit_log set entry = replace(entry, 'req_', 'req-') where seq = ${at}`);
    await rehash(trx, at);
    return at;
  } },
  { name: 'append an entry beyond the signed tree', apply: async (trx) => {
    await q(trx, sql`insert into audit_log (seq, entry, leaf_hash, chain_hash, time, action) select ${SIZE}, entry, leaf_hash, chain_hash, time, action from audit_log where seq = 0`);
    return SIZE;
  } },
  { name: 'swap two entries', apply: async (trx, at) => {
    const j = (at + 1 + (at % 37)) % SIZE;
    const [a, b] = [Math.min(at, j), Math.max(at, j)];
    if (a === b) return swapWith(trx, a, (a + 1) % SIZE);
    return swapWith(trx, a, b);
  } },
  { name: 'change a tile hash', apply: async (trx, at) => {
    const t = await tileAt(trx, at);
    await q(trx, sql`update tlog_tiles set data = set_byte(data, ${t.k * 32 + (at % 32)}, get_byte(data, ${t.k * 32 + (at % 32)}) # 1) where level = ${t.level} and idx = ${t.idx}`);
    return t.index;
  } },
  { name: 'delete a tile', apply: async (trx, at) => {
    const t = await tileAt(trx, at);
    await q(trx, sql`delete from tlog_tiles where level = ${t.level} and idx = ${t.idx}`);
    return t.index - t.k * 256 ** t.level;
  } },
  { name: 'insert a tile beyond the tree', apply: async (trx) => (await q(trx, sql`insert into tlog_tiles (level, idx, data) select level, idx + 5, data from tlog_tiles where level = 0 and idx = 0`), 5 * 256) },
  { name: 'swap two tiles', apply: async (trx) => {
    await q(trx, sql`update tlog_tiles set idx = 1000 where level = 0 and idx = 0`);
    await q(trx, sql`update tlog_tiles set idx = 0 where level = 0 and idx = 1`);
    await q(trx, sql`update tlog_tiles set idx = 1 where level = 0 and idx = 1000`);
    return 0;
  } },
  { name: 'alter a signed checkpoint', apply: async (trx, at) => {
    const cp = (await sql<{ size: number }>`select size from tlog_checkpoints order by size offset ${at % 5} limit 1`.execute(trx)).rows[0]!;
    await q(trx, sql`update tlog_checkpoints set note = replace(note, 'test.keyhole', 'test.keyh0le') where size = ${cp.size}`);
    return Number(cp.size);
  } },
  { name: 'delete the latest checkpoint', apply: async (trx) => {
    await q(trx, sql`delete from tlog_checkpoints where size = ${SIZE}`);
    return Number((await sql<{ size: number }>`select max(size) as size from tlog_checkpoints`.execute(trx)).rows[0]!.size);
  } },
];

async function swapWith(trx: Kysely<AuditTables>, a: number, b: number): Promise<number> {
  await q(trx, sql`update audit_log set seq = -1 where seq = ${a}`);
  await q(trx, sql`update audit_log set seq = ${a} where seq = ${b}`);
  await q(trx, sql`update audit_log set seq = ${b} where seq = -1`);
  return a;
}

for (const backend of DATABASES) {
  describe(`verifyLog on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let db: Kysely<AuditTables>;
    let identity: LogIdentity;

    before(async () => {
      ({ store, cleanup } = await backend.open());
      db = store.db as Kysely<AuditTables>;
      identity = await testIdentity();
      const integrator = testIntegrator(store, identity, { maxBatch: 128 });
      let next = 0;
      for (const n of [100, 200, 44, 256]) { // checkpoints at 0, 100, 228, 300, 344, 472, 600
        await appendRecordsBulk(db, next, n);
        next += n;
        await integrator.drain();
      }
    });
    after(() => cleanup());

    const check = () => ({ verifier: identity.verifier, origin: identity.origin });

    it('accepts the untouched log: every entry, tile and checkpoint', async () => {
      const r = await verifyLog(db, check());
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.size, SIZE);
      assert.equal(r.checkpoints, 7);
    });

    it('rejects the log under another key or origin, at the first checkpoint', async () => {
      const other = await testIdentity();
      assert.deepEqual(await verifyLog(db, { verifier: other.verifier, origin: identity.origin }, { pageSize: 100 }).then((r) => !r.ok && r.firstBadIndex), 0);
      assert.deepEqual(await verifyLog(db, { verifier: identity.verifier, origin: 'other.example/log' }).then((r) => r.ok), false);
    });

    it('finds every tampering and names its first position (fast-check)', async () => {
      await fc.assert(fc.asyncProperty(fc.constantFrom(...TAMPERS), fc.nat({ max: SIZE - 1 }), async (tamper, at) => {
        await inRollback(db, async (trx) => {
          await q(trx, sql`alter table audit_log disable trigger user`);
          await q(trx, sql`alter table tlog_tiles disable trigger user`);
          await q(trx, sql`alter table tlog_checkpoints disable trigger user`);
          const expected = await tamper.apply(trx, at);
          const r = await verifyLog(trx, check(), { snapshot: false, pageSize: 150 });
          assert.equal(r.ok, false, `${tamper.name} at ${at} was not found`);
          if (!r.ok) assert.equal(r.firstBadIndex, expected, `${tamper.name} at ${at}: ${r.problem}`);
        });
      }), { numRuns: 40 });
    });

    it('still accepts the log after the rolled-back tampering (the property could fail)', async () => {
      assert.equal((await verifyLog(db, check())).ok, true);
    });
  });
}

async function inRollback(db: Kysely<AuditTables>, fn: (trx: Kysely<AuditTables>) => Promise<void>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await fn(trx);
    throw new Error('rollback');
  }).catch((e: unknown) => {
    if (!(e instanceof Error && e.message === 'rollback')) throw e;
  });
}
