// The integrator against an independent oracle (the naive RFC 6962 tree of test/tlog): the
// stored tiles and every signed root equal a full recompute, each checkpoint opens with the
// log's key, and a tampered, rolled-back or forged stored log is refused, never extended.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { appendAudit } from '../../src/audit/append.js';
import { checkpointsAfter, latestCheckpoint } from '../../src/audit/checkpoint-store.js';
import { auditLeafHash, CHAIN_START, chainHash } from '../../src/audit/leaf-hash.js';
import { integrateBatch } from '../../src/audit/integrate-batch.js';
import type { Integrator } from '../../src/audit/integrator.js';
import { PostgresLeaderLock, type LockPool } from '../../src/audit/leader-lock.js';
import { LogHead } from '../../src/audit/log-head.js';
import type { LogIdentity } from '../../src/audit/log-identity.js';
import type { AuditTables } from '../../src/audit/tables.js';
import { canonicalAuditJson } from '../../src/shared/audit-entry.js';
import { FixedClock } from '../../src/shared/clock.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { openCheckpoint, signCheckpoint } from '../../src/shared/tlog/checkpoint.js';
import { emptyRoot, leafHash } from '../../src/shared/tlog/hash.js';
import { signerFromSeed } from '../../src/shared/tlog/vkey.js';
import type { Store } from '../../src/store/store.js';
import { DATABASES } from '../support/databases.js';
import { naiveRoot, naiveTiles } from '../tlog/support/naive-tree.js';
import { appendRecords, makeRecord, testIdentity, testIntegrator } from './support/log-fixture.js';

const count = async (db: Kysely<AuditTables>, table: 'audit_pending' | 'audit_log' | 'tlog_checkpoints') =>
  Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);

/** Runs `fn` in a transaction that is always rolled back (tampering without cleanup). */
async function inRollback(db: Kysely<AuditTables>, fn: (trx: Kysely<AuditTables>) => Promise<void>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await fn(trx);
    throw new Error('rollback');
  }).catch((e: unknown) => {
    if (!(e instanceof Error && e.message === 'rollback')) throw e;
  });
}

for (const backend of DATABASES) {
  describe(`integrator on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let db: Kysely<AuditTables>;
    let identity: LogIdentity;
    let integrator: Integrator;
    const leaves: Uint8Array[] = [];

    before(async () => {
      ({ store, cleanup } = await backend.open());
      db = store.db as Kysely<AuditTables>;
      identity = await testIdentity();
      integrator = testIntegrator(store, identity, { maxBatch: 200 });
    });
    after(() => cleanup());

    it('signs the empty tree first, then matches a full recompute after every batch', async () => {
      assert.equal(await integrator.drain(), 0);
      const genesis = await latestCheckpoint(db);
      assert.equal(genesis?.size, 0);
      assert.deepEqual(genesis?.rootHash, emptyRoot());
      for (const n of [1, 255, 300, 0, 57]) {
        const start = leaves.length;
        await appendRecords(db, start, n);
        for (let i = start; i < start + n; i++) leaves.push(leafHash(new TextEncoder().encode(canonicalAuditJson(makeRecord(i)))));
        await integrator.drain();
        const cp = await latestCheckpoint(db);
        assert.equal(cp?.size, leaves.length);
        const opened = openCheckpoint(cp!.note, identity.verifier, identity.origin).checkpoint;
        assert.deepEqual(opened.rootHash, naiveRoot(leaves));
        const stored = await db.selectFrom('tlog_tiles').select(['level', 'idx', 'data']).execute();
        assert.deepEqual(new Map(stored.map((t) => [`${t.level}/${t.idx}`, new Uint8Array(t.data)])), naiveTiles(leaves));
      }
      assert.equal(await count(db, 'audit_pending'), 0);
      const rows = await db.selectFrom('audit_log').select(['seq', 'leaf_hash']).orderBy('seq').execute();
      assert.deepEqual(rows.map((r) => r.seq), leaves.map((_, i) => i));
      assert.deepEqual(rows.map((r) => new Uint8Array(r.leaf_hash)), leaves);
    });

    it('keeps every signed checkpoint, one per batch, each a prefix of the latest', async () => {
      const all = await checkpointsAfter(db, -1, 1000);
      assert.ok(all.length >= 6);
      for (const cp of all) {
        const opened = openCheckpoint(cp.note, identity.verifier, identity.origin).checkpoint;
        assert.deepEqual(opened.rootHash, naiveRoot(leaves.slice(0, cp.size)));
      }
    });

    it('integrates in the background once started, within the interval, and stops cleanly', async () => {
      const seen: number[] = [];
      const loop = testIntegrator(store, identity, { intervalMs: 20, onCheckpoint: (cp) => seen.push(cp.size) });
      const start = leaves.length;
      loop.start();
      try {
        await appendRecords(db, start, 4, 'loop');
        for (let i = start; i < start + 4; i++) leaves.push(leafHash(new TextEncoder().encode(canonicalAuditJson(makeRecord(i, 'loop')))));
        const deadline = Date.now() + 10_000;
        while (!seen.includes(leaves.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        assert.ok(seen.includes(leaves.length), `checkpoints seen: ${seen.join(',')}`);
        assert.equal(loop.isLeader, true);
      } finally {
        await loop.stop();
      }
      assert.equal(loop.isLeader, false);
      assert.deepEqual((await latestCheckpoint(db))?.rootHash, naiveRoot(leaves));
    });

    it('refuses to extend tiles that do not reproduce the signed root, and writes nothing', async () => {
      await appendRecords(db, leaves.length, 3, 'tamper');
      const flip = sql`update tlog_tiles set data = set_byte(data, 0, get_byte(data, 0) # 255) where level = 0 and idx = (select max(idx) from tlog_tiles where level = 0)`;
      const checkpoints = await count(db, 'tlog_checkpoints');
      await sql`alter table tlog_tiles disable trigger user`.execute(db);
      try {
        await flip.execute(db);
        await assert.rejects(testIntegrator(store, identity).drain(), (e) => isKeyholeError(e, 'LOG_VERIFY_FAILED'));
        assert.equal(await count(db, 'tlog_checkpoints'), checkpoints);
        assert.equal(await count(db, 'audit_pending'), 3);
        await flip.execute(db);
      } finally {
        await sql`alter table tlog_tiles enable trigger user`.execute(db);
      }
      assert.equal(await integrator.drain(), 3);
      leaves.push(...[0, 1, 2].map((i) => leafHash(new TextEncoder().encode(canonicalAuditJson(makeRecord(i, 'tamper'))))));
    });

    it('refuses a stored log rolled back behind a checkpoint it signed', async () => {
      const head = new LogHead(identity);
      await head.load(db);
      await inRollback(db, async (trx) => {
        await sql`alter table tlog_checkpoints disable trigger user`.execute(trx);
        await sql`delete from tlog_checkpoints where size = (select max(size) from tlog_checkpoints)`.execute(trx);
        await appendAudit(trx, makeRecord(1, 'rolled'));
        await assert.rejects(integrateIn(trx, identity, head), (e) => isKeyholeError(e, 'LOG_VERIFY_FAILED') && /behind/.test(e.message));
      });
    });

    it('refuses a checkpoint not signed by the log key', async () => {
      await inRollback(db, async (trx) => {
        const latest = (await latestCheckpoint(trx))!;
        const forger = signerFromSeed(identity.origin, new Uint8Array(32).fill(9));
        const note = signCheckpoint({ origin: identity.origin, size: latest.size + 1, rootHash: latest.rootHash }, [forger]);
        await trx.insertInto('tlog_checkpoints').values({ size: latest.size + 1, root: latest.rootHash, note, signed_at: new Date() }).execute();
        await appendAudit(trx, makeRecord(2, 'forged'));
        await assert.rejects(integrateIn(trx, identity, new LogHead(identity)), (e) => isKeyholeError(e, 'LOG_VERIFY_FAILED') && /does not verify/.test(e.message));
      });
    });

    it('refuses at append time a record the log could not integrate', async () => {
      await assert.rejects(db.transaction().execute((trx) => appendAudit(trx, { ...makeRecord(0), time: 'yesterday' })), (e) => isKeyholeError(e, 'AUDIT_APPEND_FAILED'));
      await assert.rejects(db.transaction().execute((trx) => appendAudit(trx, { ...makeRecord(0), details: { n: Number.NaN } })), (e) => isKeyholeError(e, 'AUDIT_APPEND_FAILED'));
    });

    it('builds the first checkpoint over entries written before the tree existed', async () => {
      const fresh = await backend.open();
      try {
        const fdb = fresh.store.db as Kysely<AuditTables>;
        // What the first integrator (hash chain only) left behind: contiguous entries, no tiles.
        let prev = CHAIN_START;
        const old: Uint8Array[] = [];
        const rows = Array.from({ length: 300 }, (_, i) => {
          const text = canonicalAuditJson(makeRecord(i, 'old'));
          const leaf = auditLeafHash(text);
          prev = chainHash(prev, leaf);
          old.push(leaf);
          return { seq: i, entry: text, leaf_hash: leaf, chain_hash: prev, time: new Date(), agent_id: null, customer_id: null, ticket_id: null, action: 'view' };
        });
        await fdb.insertInto('audit_log').values(rows).execute();
        const integ = testIntegrator(fresh.store, identity);
        await appendRecords(fdb, 0, 5, 'new');
        await integ.drain();
        const cp = await latestCheckpoint(fdb);
        const all = [...old, ...Array.from({ length: 5 }, (_, i) => leafHash(new TextEncoder().encode(canonicalAuditJson(makeRecord(i, 'new')))))];
        assert.equal(cp?.size, 305);
        assert.deepEqual(cp?.rootHash, naiveRoot(all));
      } finally {
        await fresh.cleanup();
      }
    });

    if (backend.name === 'postgres') {
      it('elects one leader with a session advisory lock, and hands over on release', async () => {
        const pool = store.pool as unknown as LockPool;
        const a = new PostgresLeaderLock(pool, 4242);
        const b = new PostgresLeaderLock(pool, 4242);
        assert.equal(await a.acquire(), true);
        assert.equal(await a.acquire(), true);
        assert.equal(await b.acquire(), false);
        await a.release();
        assert.equal(await b.acquire(), true);
        await b.release();
      });
    }
  });
}

/** Runs one batch inside `trx` (so the test can roll it back). */
function integrateIn(trx: Kysely<AuditTables>, identity: LogIdentity, head: LogHead): Promise<unknown> {
  return integrateBatch(trx, { identity, clock: new FixedClock(), head, maxBatch: 100 });
}
