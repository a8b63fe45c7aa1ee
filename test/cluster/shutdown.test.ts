// Clean shutdown and concurrent first start with real processes on PostgreSQL (issue 18 part 3).
// SIGTERM one of two instances under a load of views that, like a load balancer, moves a request
// to the other instance when a connection is refused or reset: no 5xx at all, every 200 has its
// audit record, the instance reports not ready while draining, ends event streams with a retry
// hint, hands the leader lease over and exits 0 within its grace. Three instances started at once
// on an empty database in demo mode seed it once.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { demoSpecFromEnv } from '../../src/cli/seed-once.js';
import { createPostgresDatabase } from '../support/databases.js';
import { openSse } from '../web/support/sse.js';
import { rmSync } from 'node:fs';
import { clusterDataDir, Instance, seededDatabase, type ClusterDb } from './support/instances.js';
import { randomBytes } from 'node:crypto';

const adminUrl = process.env.KEYHOLE_TEST_DATABASE_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const skip = adminUrl === undefined && 'KEYHOLE_TEST_DATABASE_URL is unset';

describe('SIGTERM under load', { skip }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('drains: no 5xx, every 200 recorded, not ready meanwhile, exits 0 in time', { timeout: 240_000 }, async () => {
    const db: ClusterDb = await seededDatabase(adminUrl!);
    cleanups.push(db.drop);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    cleanups.push(() => client.end());
    const a = new Instance('a', db, { KEYHOLE_SHUTDOWN_DELAY_S: '2', KEYHOLE_SHUTDOWN_GRACE_S: '10' });
    const b = new Instance('b', db);
    cleanups.push(() => Promise.all([a.stop(), b.stop()]).then(() => undefined));
    await Promise.all([a.ready(), b.ready()]);

    const tickets = (await client.query<{ id: string; assignee_id: string }>(`select id, assignee_id from tickets where status = 'open' order by id limit 8`)).rows;
    const cookies = new Map<string, string>();
    for (const t of tickets) if (!cookies.has(t.assignee_id)) cookies.set(t.assignee_id, await a.login(t.assignee_id));
    const [sec] = (await client.query<{ id: string }>(`select id from agents where role = 'security' order by id`)).rows;
    const stream = await openSse(`${a.base}/v1/events`, { cookie: await a.login(sec!.id) });
    await stream.next((e) => e.event === 'agent_status', 20_000);

    const acked: string[] = [];
    const codes = new Map<string, number>();
    const count = (k: string) => codes.set(k, (codes.get(k) ?? 0) + 1);
    let loading = true;
    const worker = async (w: number) => {
      for (let i = w; loading; i += 4) {
        const t = tickets[i % tickets.length]!;
        // a load balancer: round robin, and a refused or reset connection goes to the other instance
        const order = i % 2 === 0 ? [a, b] : [b, a];
        for (const node of order) {
          if (node === a && a.proc.exitCode !== null) continue;
          try {
            const r = await fetch(`${node.base}/v1/tickets/${t.id}/customer`, { headers: { cookie: cookies.get(t.assignee_id)! } });
            await r.arrayBuffer();
            count(String(r.status));
            if (r.status === 200) acked.push(r.headers.get('x-request-id')!);
            break;
          } catch {
            count('retried');
          }
        }
        await sleep(10);
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    await sleep(2500);

    const t0 = Date.now();
    a.proc.kill('SIGTERM');
    let sawNotReady = false;
    for (let i = 0; i < 20 && !sawNotReady; i++) {
      try {
        const r = await fetch(`${a.base}/readyz`);
        const body = (await r.json()) as { reason: string | null };
        sawNotReady = r.status === 503 && body.reason === 'shutting down';
      } catch {
        break;
      }
      await sleep(50);
    }
    const code = await a.exited;
    const tookMs = Date.now() - t0;
    await sleep(1500);
    loading = false;
    await load;

    assert.ok(sawNotReady, 'readyz said "shutting down" during the drain');
    assert.equal(code, 0, `exit code (last lines: ${a.lines.slice(-5).join(' | ')})`);
    assert.ok(tookMs < 10_000 + 3000, `exited within the grace (${tookMs} ms)`);
    const end = await stream.next((e) => e.event === 'end', 5000);
    assert.deepEqual(end.data, { reason: 'server_closing' });
    assert.ok(a.lines.some((l) => l.includes('"event":"shutdown_done"')));
    const fivexx = [...codes].filter(([k]) => /^5/.test(k));
    assert.deepEqual(fivexx, [], `no 5xx: ${JSON.stringify([...codes])}`);
    assert.ok(acked.length > 50, `load ran: ${JSON.stringify([...codes])}`);

    // b takes over the log at once and integrates everything
    for (let i = 0; i < 150; i++) {
      const p = await client.query<{ n: number }>('select count(*)::int as n from audit_pending');
      if (p.rows[0]!.n === 0) break;
      await sleep(200);
    }
    const rows = await client.query<{ rid: string }>(`select entry::json->>'requestId' as rid from audit_log`);
    const inLog = new Set(rows.rows.map((r) => r.rid));
    const missing = acked.filter((rid) => !inLog.has(rid));
    assert.deepEqual(missing, [], 'every acknowledged view is in the log');
    const lease = await client.query<{ holder: string }>('select holder from cluster_leader');
    assert.match(lease.rows[0]!.holder, new RegExp(`-${b.proc.pid}-`), 'the other instance leads');
    console.log(`SIGTERM drain: exit after ${tookMs} ms; ${JSON.stringify([...codes])}`);
  });
});

describe('concurrent first start', { skip }, () => {
  it('seeds the demo once when three instances start at the same moment on an empty database', { timeout: 240_000 }, async () => {
    const pgdb = await createPostgresDatabase(adminUrl!);
    const dataDir = clusterDataDir();
    const db: ClusterDb = { url: pgdb.url, masterKey: randomBytes(32).toString('base64'), dataDir, drop: async () => { await pgdb.drop(); rmSync(dataDir, { recursive: true, force: true }); } };
    const nodes = ['a', 'b', 'c'].map((t) => new Instance(t, db, { KEYHOLE_DEMO_CUSTOMERS: '30' }));
    try {
      await Promise.all(nodes.map((n) => n.ready(180_000)));
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const r = await client.query<{ n: number }>('select count(*)::int as n from customers');
        const spec = demoSpecFromEnv({ KEYHOLE_DEMO_CUSTOMERS: '30' });
        assert.equal(r.rows[0]!.n, spec.customers + (spec.decoys ?? 0), 'the demo customers (and its decoys) once');
      } finally {
        await client.end();
      }
      const seeded = nodes.filter((n) => n.lines.some((l) => l.includes('first run: seeding')));
      assert.equal(seeded.length, 1, 'exactly one instance seeded');
      assert.ok(!nodes.some((n) => n.lines.some((l) => /duplicate key/.test(l))));
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await db.drop();
    }
  });
});
