// ClusterEvents (src/access/cluster-events.ts) between two servers on one PostgreSQL: a
// server's NOTIFY wake-up for its own rows does not make it read them back, and every event
// still reaches the other server by its wake-up alone (polling is set to a minute here, so a
// missed wake-up fails the test), exactly once on each side.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ClusterEvents, isOwnWakeUp } from '../../src/access/cluster-events.js';
import type { BrokerEvent } from '../../src/access/events.js';
import { openStore, type Store } from '../../src/store/store.js';
import { createPostgresDatabase } from '../support/databases.js';

describe('isOwnWakeUp', () => {
  it('is true only for "<this instance> <sequence>"', () => {
    assert.equal(isOwnWakeUp('host-1-abc 42', 'host-1-abc'), true);
    assert.equal(isOwnWakeUp('host-1-abd 42', 'host-1-abc'), false);
    assert.equal(isOwnWakeUp('42', 'host-1-abc'), false, 'a payload without an origin (older servers) reads');
    assert.equal(isOwnWakeUp('host-1-abc', 'host-1-abc'), false);
    assert.equal(isOwnWakeUp('host-1-abc 4x', 'host-1-abc'), false);
    assert.equal(isOwnWakeUp('host-1-abc ', 'host-1-abc'), false);
    assert.equal(isOwnWakeUp('', 'host-1-abc'), false);
    assert.equal(isOwnWakeUp(undefined, 'host-1-abc'), false);
  });
  it('never takes another server\'s wake-up for its own', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.nat(), (a, b, seq) => {
      fc.pre(a !== b);
      return !isOwnWakeUp(`${b} ${seq}`, a) && isOwnWakeUp(`${a} ${seq}`, a);
    }));
  });
});

const adminUrl = process.env.KEYHOLE_TEST_DATABASE_URL;

describe('ClusterEvents on PostgreSQL', { skip: adminUrl === undefined && 'KEYHOLE_TEST_DATABASE_URL is unset' }, () => {
  let store: Store;
  let url: string;
  let drop: () => Promise<void>;
  before(async () => {
    ({ url, drop } = await createPostgresDatabase(adminUrl!));
    store = await openStore({ databaseUrl: url });
  });
  after(async () => {
    await store.close();
    await drop();
  });

  it('delivers each event once on both servers, woken by NOTIFY alone', { timeout: 30_000 }, async () => {
    const mk = (id: string) => new ClusterEvents({ db: store.db, connectionString: url, instanceId: id, pollMs: 60_000 });
    const a = mk('server a');
    const b = mk('server-b');
    await a.start();
    await b.start();
    const got = { a: [] as string[], b: [] as string[] };
    a.subscribe((e) => e.type === 'agent_status' && got.a.push(e.agentId));
    b.subscribe((e) => e.type === 'agent_status' && got.b.push(e.agentId));
    const ev = (agentId: string): BrokerEvent => ({ type: 'agent_status', agentId, status: 'suspended' });
    try {
      for (let i = 0; i < 5; i++) a.publish(ev(`from-a-${i}`));
      for (let i = 0; i < 5; i++) b.publish(ev(`from-b-${i}`));
      const deadline = Date.now() + 20_000;
      while ((got.a.length < 10 || got.b.length < 10) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual([got.a.length, got.b.length], [10, 10], 'every event arrived by its wake-up');
      // A read after the fact (own rows included) must not deliver anything twice.
      await a.catchUp();
      await b.catchUp();
      const all = [...[0, 1, 2, 3, 4].map((i) => `from-a-${i}`), ...[0, 1, 2, 3, 4].map((i) => `from-b-${i}`)].sort();
      assert.deepEqual([...got.a].sort(), all);
      assert.deepEqual([...got.b].sort(), all);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
