// GET /v1/events (Server-Sent Events) over a real socket: authentication, role filtering
// (agents: own requests and status; supervisors: the queue; security: every decision), the end
// of a suspended agent's streams, session re-checks at each heartbeat, and cleanup on
// disconnect and on server close.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { BrokerEvent } from '../../src/access/events.js';
import type { Agent } from '../../src/access/model.js';
import { buildApp } from '../../src/server/app.js';
import { formatSse, visibleTo } from '../../src/server/routes/events.js';
import { DATABASES } from '../support/databases.js';
import { secretLeaves, startHarness, type Harness } from '../support/harness.js';
import { openSse, type SseClient } from './support/sse.js';

const agent = (id: string, role: Agent['role']): Agent => ({ id, name: id, email: `${id}@x`, role, team: 't', vendor: 'v', regions: [], status: 'active' });

describe('visibleTo (role filter of the event stream)', () => {
  const audit: BrokerEvent = { type: 'audit', record: { v: 1, time: 't', requestId: 'r', action: 'view', agentId: 'a1', customerId: 'c', ticketId: 't', decision: 'allow', fields: {}, policyIds: [], reason: null, details: {} } };
  const mine: BrokerEvent = { type: 'reveal_request', requestId: 'q', status: 'pending', agentId: 'a1' };
  const theirs: BrokerEvent = { type: 'reveal_request', requestId: 'q2', status: 'pending', agentId: 'a2' };
  const status: BrokerEvent = { type: 'agent_status', agentId: 'a2', status: 'suspended' };
  it('gives agents only their own requests and status, never the decision feed', () => {
    const a1 = agent('a1', 'agent');
    assert.equal(visibleTo(a1, audit), undefined);
    assert.equal(visibleTo(a1, mine)?.event, 'reveal_request');
    assert.equal(visibleTo(a1, theirs), undefined);
    assert.equal(visibleTo(a1, status), undefined);
    assert.equal(visibleTo(agent('a2', 'agent'), status)?.event, 'agent_status');
  });
  it('gives supervisors the whole queue but not the feed, and security everything', () => {
    const sup = agent('s', 'supervisor');
    assert.deepEqual([visibleTo(sup, audit), visibleTo(sup, theirs)?.event, visibleTo(sup, status)], [undefined, 'reveal_request', undefined]);
    const sec = agent('x', 'security');
    assert.deepEqual([audit, theirs, status].map((e) => visibleTo(sec, e)?.event), ['audit', 'reveal_request', 'agent_status']);
  });
  it('gives detector alerts to security only', () => {
    const alert: BrokerEvent = { type: 'detect_alert', alertId: 'al', agentId: 'a1', kind: 'volume', risk: 12, at: 't', summary: 's' };
    assert.deepEqual(['agent', 'supervisor', 'security'].map((r) => visibleTo(agent('a1', r as never), alert)?.event), [undefined, undefined, 'detect_alert']);
  });
  it('formats one message per block with JSON data', () => {
    assert.equal(formatSse({ event: 'end', data: { reason: 'a\nb' } }, 3), 'id: 3\nevent: end\ndata: {"reason":"a\\nb"}\n\n');
  });
});

for (const backend of DATABASES) {
  describe(`live events over HTTP on ${backend.name}`, () => {
    let h: Harness;
    let app: FastifyInstance;
    let base: string;
    let active = 0;
    const streams: SseClient[] = [];

    before(async () => {
      h = await startHarness(backend);
      const subscribe = h.rt.events.subscribe.bind(h.rt.events);
      h.rt.events.subscribe = (fn) => {
        active++;
        const off = subscribe(fn);
        return () => {
          active--;
          off();
        };
      };
      app = await buildApp(h.rt, { demo: true, logger: false, console: false, events: { heartbeatMs: 100 } });
      await app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    });
    after(async () => {
      for (const s of streams) s.abort();
      await app.close();
      await h.close();
    });

    const stream = async (cookie: string) => {
      const s = await openSse(`${base}/v1/events`, { cookie });
      streams.push(s);
      assert.equal(s.status, 200);
      await s.next((e) => e.event === 'agent_status');
      return s;
    };
    const ticketOf = (purpose: string, skip = 0) => h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', purpose).where('status', '=', 'open').orderBy('id').offset(skip).limit(1).executeTakeFirstOrThrow();

    it('refuses a stream without a session', async () => {
      const r = await fetch(`${base}/v1/events`);
      assert.equal(r.status, 401);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
    });

    it('sends agents their own updates, supervisors the queue and security every decision, with no field value', async () => {
      const t = await ticketOf('account_access');
      const other = h.staff.find((s) => s.role === 'agent' && s.id !== t.assignee_id) as { id: string };
      const [a, b, sup, sec] = await Promise.all([stream(await h.login(t.assignee_id as string)), stream(await h.login(other.id)), stream(await h.login('sup_01')), stream(await h.login('sec_01'))]);
      const cookie = await h.login(t.assignee_id as string);
      const req = await h.app.inject({ method: 'POST', url: `/v1/tickets/${t.id}/reveals`, headers: { cookie }, payload: { fields: ['email'], reason: 'Customer changed e-mail provider' } });
      assert.equal(req.statusCode, 201, req.body);
      const id = req.json().id as string;
      const isReq = (e: { event: string; data: unknown }) => e.event === 'reveal_request' && (e.data as { requestId: string }).requestId === id;
      await Promise.all([a.next(isReq), sup.next(isReq), sec.next(isReq), sec.next((e) => e.event === 'audit' && (e.data as { action: string }).action === 'reveal_request')]);
      const view = await h.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/customer`, headers: { cookie } });
      assert.equal(view.statusCode, 200);
      await sec.next((e) => e.event === 'audit' && (e.data as { action: string; ticketId: string }).action === 'view' && (e.data as { ticketId: string }).ticketId === t.id);
      assert.ok(!b.seen.some(isReq), 'another agent does not see the request');
      for (const s of [a, b, sup]) assert.ok(!s.seen.some((e) => e.event === 'audit'), 'only security gets the decision feed');
      const customer = h.customers.find((c) => c.id === t.customer_id);
      assert.ok(customer);
      const all = JSON.stringify(sec.seen);
      for (const secret of secretLeaves(customer, Object.keys(customer.fields))) assert.ok(!all.includes(secret), 'no field value on the stream');
    });

    it('ends a suspended agent\'s streams at once', async () => {
      const t = await ticketOf('withdrawal_issue');
      const agentId = t.assignee_id as string;
      const cookie = await h.login(agentId);
      const [a1, a2, sec] = await Promise.all([stream(cookie), stream(await h.login(agentId)), stream(await h.login('sec_02'))]);
      const r = await h.app.inject({ method: 'POST', url: `/v1/agents/${agentId}/suspend`, headers: { cookie: await h.login('sec_01') }, payload: { reason: 'test suspension' } });
      assert.equal(r.statusCode, 200, r.body);
      for (const s of [a1, a2]) {
        assert.deepEqual((await s.next((e) => e.event === 'end')).data, { reason: 'suspended' });
        await s.closed;
      }
      await sec.next((e) => e.event === 'agent_status' && (e.data as { agentId: string; status: string }).status === 'suspended');
      const again = await fetch(`${base}/v1/events`, { headers: { cookie } });
      assert.equal(again.status, 401);
    });

    it('re-checks the session at each heartbeat and ends the stream after sign-out', async () => {
      const cookie = await h.login('sup_02');
      const s = await stream(cookie);
      const out = await h.app.inject({ method: 'POST', url: '/v1/logout', headers: { cookie } });
      assert.equal(out.statusCode, 204);
      assert.deepEqual((await s.next((e) => e.event === 'end', 3000)).data, { reason: 'session_ended' });
      await s.closed;
    });

    it('unsubscribes when the client goes away', async () => {
      const baseline = active;
      const s = await stream(await h.login('sup_03'));
      assert.equal(active, baseline + 1);
      s.abort();
      for (let i = 0; i < 100 && active !== baseline; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(active, baseline);
    });

    it('ends open streams when the server closes', async () => {
      const other = await buildApp(h.rt, { logger: false, console: false });
      await other.listen({ port: 0, host: '127.0.0.1' });
      const s = await openSse(`http://127.0.0.1:${(other.server.address() as AddressInfo).port}/v1/events`, { cookie: await h.login('sec_03') });
      await s.next((e) => e.event === 'agent_status');
      await other.close();
      assert.deepEqual((await s.next((e) => e.event === 'end')).data, { reason: 'server_closing' });
      await s.closed;
    });
  });
}
