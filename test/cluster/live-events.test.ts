// Live events across instances (issue 18 part 1): three `keyhole serve` processes on one
// PostgreSQL; events caused on each instance reach the streams on the others (reveal requests,
// approvals, the security feed), a pg_terminate_backend of the listening connections loses no
// event, and a suspension on one instance ends the agent's stream on another long before the
// 15 s heartbeat could.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { LISTENER_APP_NAME } from '../../src/access/cluster-events.js';
import { openSse, type SseClient, type SseEvent } from '../web/support/sse.js';
import { Instance, seededDatabase, type ClusterDb } from './support/instances.js';

const adminUrl = process.env.KEYHOLE_TEST_DATABASE_URL;
const WAIT = 20_000; // generous: the machine is shared; the requirement (1 s) is measured, not asserted

describe('live events across three instances on PostgreSQL', { skip: adminUrl === undefined && 'KEYHOLE_TEST_DATABASE_URL is unset' }, () => {
  let db: ClusterDb;
  let nodes: Instance[];
  let client: pg.Client;
  const streams: SseClient[] = [];
  const latencies: number[] = [];

  before(async () => {
    db = await seededDatabase(adminUrl!);
    nodes = ['a', 'b', 'c'].map((t) => new Instance(t, db));
    await Promise.all(nodes.map((n) => n.ready()));
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  after(async () => {
    for (const s of streams) s.abort();
    await Promise.all(nodes.map((n) => n.stop()));
    await client.end();
    await db.drop();
    if (latencies.length > 0) console.log(`cross-instance delivery: max ${Math.max(...latencies)} ms over ${latencies.length} events`);
  });

  const stream = async (node: Instance, cookie: string) => {
    const s = await openSse(`${node.base}/v1/events`, { cookie });
    streams.push(s);
    assert.equal(s.status, 200);
    await s.next((e) => e.event === 'agent_status', WAIT);
    return s;
  };
  const timed = async (s: SseClient, match: (e: SseEvent) => boolean) => {
    const t0 = Date.now();
    const e = await s.next(match, WAIT);
    latencies.push(Date.now() - t0);
    return e;
  };
  const staff = async (role: string) => (await client.query<{ id: string }>('select id from agents where role = $1 order by id', [role])).rows.map((r) => r.id);
  const tickets = async () => (await client.query<{ id: string; assignee_id: string }>(
    `select id, assignee_id from tickets where status = 'open' and purpose = 'account_access' order by id`)).rows;

  it('delivers reveal requests, decisions and the security feed from each instance to the others', { timeout: 120_000 }, async () => {
    const [a, b, c] = nodes as [Instance, Instance, Instance];
    const [sec] = await staff('security');
    const sups = await staff('supervisor');
    const t = (await tickets())[0]!;
    const sup = sups.find((s) => s !== t.assignee_id)!;
    // Approvals are scoped (issue 10.12): the approver is of the agent's vendor and region.
    const approver = (await client.query<{ id: string }>(`select s.id from agents s, agents a where a.id = $1 and s.role = 'supervisor'
      and s.vendor = a.vendor and s.regions && a.regions order by s.id`, [t.assignee_id])).rows[0]?.id ?? sup;
    const secStreams = await Promise.all(nodes.map(async (n) => stream(n, await n.login(sec!))));
    const supOnA = await stream(a, await a.login(sup));
    const agentOnA = await stream(a, await a.login(t.assignee_id));
    const agentOnB = await b.login(t.assignee_id);

    // a reveal request created on B reaches the supervisor and the agent streaming from A
    const req = await b.request('POST', `/v1/tickets/${t.id}/reveals`, { cookie: agentOnB, body: { fields: ['email'], reason: 'Customer cannot receive our e-mails' } });
    assert.equal(req.status, 201, JSON.stringify(req.body));
    const id = req.body.id as string;
    const isReq = (status: string) => (e: SseEvent) => e.event === 'reveal_request' && (e.data as { requestId: string }).requestId === id && (e.data as { status: string }).status === status;
    await timed(supOnA, isReq('pending'));
    await timed(agentOnA, isReq('pending'));
    // approved on C: the agent on A sees it
    const ok = await c.request('POST', `/v1/reveal-requests/${id}/approve`, { cookie: await c.login(approver), body: {} });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    await timed(agentOnA, isReq('approved'));

    // a view on each instance reaches the security feed on every instance
    for (const node of nodes) {
      const v = await node.request('GET', `/v1/tickets/${t.id}/customer`, { cookie: await node.login(t.assignee_id) });
      assert.equal(v.status, 200, JSON.stringify(v.body));
      const rid = v.headers.get('x-request-id')!;
      for (const s of secStreams) await timed(s, (e) => e.event === 'audit' && (e.data as { requestId: string }).requestId === rid);
    }
  });

  it('loses no event when the listening connections are terminated mid-stream', { timeout: 120_000 }, async () => {
    const [sec] = await staff('security');
    const secOnA = await stream(nodes[0]!, await nodes[0]!.login(sec!));
    const t = (await tickets())[1]!;
    const cookies = await Promise.all(nodes.map((n) => n.login(t.assignee_id)));
    const killed = await client.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and datname = current_database()`, [LISTENER_APP_NAME]);
    assert.equal(killed.rowCount, 3, 'each instance had one listening connection');
    const rids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const node = nodes[1 + (i % 2)]!;
      const v = await node.request('GET', `/v1/tickets/${t.id}/customer`, { cookie: cookies[1 + (i % 2)] });
      assert.equal(v.status, 200);
      rids.push(v.headers.get('x-request-id')!);
    }
    for (const rid of rids) await secOnA.next((e) => e.event === 'audit' && (e.data as { requestId: string }).requestId === rid, WAIT);
    // the listeners came back
    const deadline = Date.now() + WAIT;
    for (;;) {
      const n = await client.query(`select count(*)::int as n from pg_stat_activity where application_name = $1 and datname = current_database()`, [LISTENER_APP_NAME]);
      if (n.rows[0].n === 3) break;
      assert.ok(Date.now() < deadline, 'the listening connections reconnect');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it('ends a suspended agent\'s stream on every instance when suspended on another', { timeout: 120_000 }, async () => {
    const [a, b, c] = nodes as [Instance, Instance, Instance];
    const [sec] = await staff('security');
    const t = (await tickets())[2]!;
    const onA = await stream(a, await a.login(t.assignee_id));
    const onB = await stream(b, await b.login(t.assignee_id));
    const t0 = Date.now();
    const r = await c.request('POST', `/v1/agents/${t.assignee_id}/suspend`, { cookie: await c.login(sec!), body: { reason: 'cluster test' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const s of [onA, onB]) {
      const end = await s.next((e) => e.event === 'end', WAIT);
      assert.deepEqual(end.data, { reason: 'suspended' });
      await s.closed;
    }
    const ms = Date.now() - t0;
    latencies.push(ms);
    assert.ok(ms < 15_000, `ended by the event, not by the 15 s heartbeat (${ms} ms)`);
  });
});
