// The leader lease and its fencing (issue 18 part 2) on PostgreSQL: one holder at a time, a
// lease that ran out is taken over under a new epoch, the old holder's batch check fails with
// LEADER_LOST, a stalled batch transaction is ended by PostgreSQL, a batch whose leader lost the
// lease before commit writes nothing, and release() hands over at once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { appendAudit } from '../../src/audit/append.js';
import { latestCheckpoint } from '../../src/audit/checkpoint-store.js';
import { Integrator } from '../../src/audit/integrator.js';
import { LeaseLeaderLock, leaseSecondsFromEnv, readLease } from '../../src/audit/leader-lease.js';
import { DEFAULT_LOG_ORIGIN, openLogIdentity } from '../../src/audit/log-identity.js';
import type { AuditTables } from '../../src/audit/tables.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { openStore, type Store } from '../../src/store/store.js';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import { makeRecord } from '../audit/support/log-fixture.js';
import { createPostgresDatabase } from '../support/databases.js';

const adminUrl = process.env.KEYHOLE_TEST_DATABASE_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('leader lease settings', () => {
  it('reads KEYHOLE_LEADER_LEASE_S and refuses nonsense', () => {
    assert.equal(leaseSecondsFromEnv({}), 6);
    assert.equal(leaseSecondsFromEnv({ KEYHOLE_LEADER_LEASE_S: '3' }), 3);
    for (const bad of ['0', '-1', 'x', '1000']) assert.throws(() => leaseSecondsFromEnv({ KEYHOLE_LEADER_LEASE_S: bad }), (e) => isKeyholeError(e, 'CONFIG_INVALID'));
  });
});

describe('leader lease on PostgreSQL', { skip: adminUrl === undefined && 'KEYHOLE_TEST_DATABASE_URL is unset' }, () => {
  let store: Store;
  let drop: () => Promise<void>;
  let db: Kysely<any>;
  before(async () => {
    const pg = await createPostgresDatabase(adminUrl!);
    drop = pg.drop;
    store = await openStore({ databaseUrl: pg.url });
    db = store.db;
  });
  after(async () => {
    await store.close();
    await drop();
  });

  it('has one holder; an expired lease changes hands under a new epoch and fences the old holder', async () => {
    const a = new LeaseLeaderLock(db, 'inst-a', 1);
    const b = new LeaseLeaderLock(db, 'inst-b', 1);
    assert.equal(await a.acquire(), true);
    assert.equal(await b.acquire(), false);
    assert.equal(await a.acquire(), true, 'renewal');
    const first = a.epoch!;
    await sleep(1300); // a is "frozen" past its lease
    assert.equal(await b.acquire(), true);
    assert.equal(b.epoch, first + 1);
    await assert.rejects(db.transaction().execute((trx) => a.fence(trx)), (e) => isKeyholeError(e, 'LEADER_LOST'));
    assert.equal(await a.acquire(), false, 'the old holder cannot take it back while valid');
    await b.release();
    assert.equal(await a.acquire(), true, 'release hands over at once');
    assert.equal((await readLease(db))?.holder, 'inst-a');
    await a.release();
  });

  it('ends a batch transaction that stalls longer than the lease (PostgreSQL closes the session)', async () => {
    const a = new LeaseLeaderLock(db, 'inst-c', 1);
    assert.equal(await a.acquire(), true);
    await assert.rejects(db.transaction().execute(async (trx) => {
      await a.begin(trx);
      await sleep(2000); // frozen mid-batch
      await sql`select 1`.execute(trx);
    }));
    const b = new LeaseLeaderLock(db, 'inst-d', 1);
    assert.equal(await b.acquire(), true, 'the lease row is free again');
    await b.release();
  });

  it('a leader whose lease was taken before its batch commits writes nothing', async () => {
    const keys = new MasterKeyProvider(randomBytes(32));
    const identity = await openLogIdentity(keys, DEFAULT_LOG_ORIGIN);
    const lock = new LeaseLeaderLock(db, 'inst-e', 2);
    let stall = false;
    const errors: unknown[] = [];
    let took: Promise<boolean> | undefined;
    const other = new LeaseLeaderLock(db, 'inst-f', 2);
    const integrator = new Integrator(db as Kysely<AuditTables>, {
      identity, leaderLock: lock, intervalMs: 50, onError: (e) => errors.push(e),
      beforeCommit: async () => {
        if (!stall) return;
        stall = false;
        // the lease runs out and another instance takes it, while this batch has still not committed;
        // the lease row is locked by this batch, so the take-over waits for its end
        await sleep(2100);
        took = other.acquire();
      },
    });
    integrator.start();
    for (let i = 0; i < 100 && (await latestCheckpoint(db as Kysely<AuditTables>)) === undefined; i++) await sleep(100);
    const before = (await latestCheckpoint(db as Kysely<AuditTables>))!.size;
    stall = true;
    await db.transaction().execute((trx) => appendAudit(trx as Kysely<AuditTables>, makeRecord(1, 'fence')));
    for (let i = 0; i < 100 && took === undefined; i++) await sleep(100);
    assert.equal(await took, true, 'the other instance took over');
    await integrator.stop();
    assert.equal((await latestCheckpoint(db as Kysely<AuditTables>))!.size, before, 'the stale batch committed nothing');
    const pending = await sql<{ n: number }>`select count(*)::int as n from audit_pending`.execute(db);
    assert.equal(pending.rows[0]!.n, 1, 'the record is still pending for the new leader');
    await other.release();
  });
});
