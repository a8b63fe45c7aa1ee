// A connection lost while checked out for a transaction (pg_terminate_backend) rejects that
// transaction and nothing else: no unhandled 'error' event, and the pool serves the next query
// on a fresh connection (src/store/store.ts). PostgreSQL only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { isDatabaseUnavailable } from '../../src/store/unavailable.js';
import { DATABASES } from '../support/databases.js';

const postgres = DATABASES.find((d) => d.name === 'postgres');

describe('a checked-out connection is terminated', { skip: !postgres && 'KEYHOLE_TEST_DATABASE_URL not set' }, () => {
  it('rejects the transaction as DATABASE_UNAVAILABLE and the pool recovers', async () => {
    const { store, cleanup } = await postgres!.open();
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const outcome = await store.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        // Killed from another connection while this one sits idle inside its transaction.
        await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(store.db);
        await sleep(200); // the FATAL 57P01 arrives on an idle, checked-out client
        await sql`select 1`.execute(trx);
        return 'committed';
      }).catch((e: unknown) => e);
      assert.notEqual(outcome, 'committed');
      assert.ok(isDatabaseUnavailable(outcome), `not recognized as an outage: ${String(outcome)}`);
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(store.db);
      assert.equal(rows[0]!.one, 1);
      assert.deepEqual(uncaught, []);
    } finally {
      process.off('uncaughtException', onUncaught);
      await cleanup();
    }
  });
});
