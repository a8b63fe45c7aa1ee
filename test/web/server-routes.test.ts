// The console's server side through app.inject, on every test database: the security API
// (role enforcement, per-agent counters, activity over time, the audit explorer with pending
// and integrated records), /v1/me's session code, the enriched approvals queue, and static
// serving of the built console with its SPA fallback and headers.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/server/app.js';
import { CONSOLE_CSP } from '../../src/server/routes/console.js';
import { DATABASES } from '../support/databases.js';
import { secretLeaves, startHarness, supervisorFor, type Harness } from '../support/harness.js';

for (const backend of DATABASES) {
  describe(`console server routes on ${backend.name}`, () => {
    let h: Harness;
    let dist: string;
    before(async () => {
      h = await startHarness(backend);
      dist = mkdtempSync(path.join(tmpdir(), 'kh-console-'));
      mkdirSync(path.join(dist, 'assets'));
      writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Keyhole test console</title>');
      writeFileSync(path.join(dist, 'assets', 'app-123.js'), 'console.log(1)');
    });
    after(async () => {
      rmSync(dist, { recursive: true, force: true });
      await h.close();
    });

    const get = async (url: string, cookie?: string) => h.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
    const post = async (url: string, cookie: string, payload: object = {}) => h.app.inject({ method: 'POST', url, headers: { cookie }, payload });

    it('keeps the security API to the security team (FORBIDDEN otherwise)', async () => {
      for (const who of ['agt_001', 'sup_01']) {
        const cookie = await h.login(who);
        for (const url of ['/v1/security/agents', '/v1/security/activity', '/v1/security/audit']) {
          const r = await get(url, cookie);
          assert.equal(r.statusCode, 403, `${who} ${url}`);
          assert.equal(r.json().error.code, 'FORBIDDEN');
        }
      }
      assert.equal((await get('/v1/security/agents')).statusCode, 401);
    });

    it('counts views, customers, reveals, requests, denials and failed checks per agent, pending and integrated alike', async () => {
      const t = await h.rt.db.selectFrom('tickets').selectAll().where('purpose', '=', 'account_access').where('status', '=', 'open').orderBy('id').executeTakeFirstOrThrow();
      const agentId = t.assignee_id as string;
      const cookie = await h.login(agentId);
      const sup = await h.login(supervisorFor(h.staff, agentId).id);
      const sec = await h.login('sec_01');
      const customer = h.customers.find((c) => c.id === t.customer_id);
      assert.ok(customer);
      assert.equal((await get(`/v1/tickets/${t.id}/customer`, cookie)).statusCode, 200);
      assert.equal((await post(`/v1/tickets/${t.id}/verify`, cookie, { field: 'dateOfBirth', answer: '1900-01-01' })).json().match, false);
      await h.rt.integrator.drain(); // what follows stays pending: the counters must see both
      const req = await post(`/v1/tickets/${t.id}/reveals`, cookie, { fields: ['email'], reason: 'Customer lost access to e-mail' });
      assert.equal(req.statusCode, 201);
      const queue = await get('/v1/reveal-requests?status=pending', sup);
      const item = queue.json().requests.find((r: { id: string }) => r.id === req.json().id);
      assert.deepEqual([item.agentName, item.ticketSubject, item.ticketPurpose], [h.staff.find((s) => s.id === agentId)?.name, t.subject, 'account_access']);
      assert.equal((await post(`/v1/reveal-requests/${req.json().id}/approve`, sup, { comment: 'ok' })).statusCode, 200);
      assert.equal((await get(`/v1/tickets/${t.id}/customer`, cookie)).statusCode, 200);
      assert.equal((await post(`/v1/tickets/${t.id}/reveals`, cookie, { fields: ['transactions'], reason: 'not allowed here' })).statusCode, 403);

      const r = await get('/v1/security/agents', sec);
      assert.equal(r.statusCode, 200, r.body);
      const row = r.json().agents.find((a: { id: string }) => a.id === agentId);
      assert.deepEqual(
        { views: row.views, viewsLastHour: row.viewsLastHour, customers: row.customers, reveals: row.reveals, revealRequests: row.revealRequests, denials: row.denials, failedVerifies: row.failedVerifies },
        { views: 2, viewsLastHour: 2, customers: 1, reveals: 1, revealRequests: 1, denials: 1, failedVerifies: 1 },
      );
      assert.equal(row.lastSeenAt, h.clock.now().toISOString());
      assert.equal(r.json().agents.length, h.staff.length);

      const byAgent = (await get('/v1/security/activity?metric=views&hours=6&bucketMinutes=60', sec)).json();
      assert.equal(byAgent.buckets.length, 7);
      const s = byAgent.series.find((x: { key: string }) => x.key === agentId);
      assert.deepEqual([s.total, s.counts.at(-1), s.label], [2, 2, row.name]);
      const byTeam = (await get('/v1/security/activity?by=team&metric=denials', sec)).json();
      assert.deepEqual(byTeam.series.map((x: { key: string; total: number }) => [x.key, x.total]), [[row.team, 1]]);
      assert.equal((await get('/v1/security/activity?hours=744&bucketMinutes=1', sec)).statusCode, 400);

      for (const body of [r.body, JSON.stringify(byAgent)]) for (const secret of secretLeaves(customer, Object.keys(customer.fields))) assert.ok(!body.includes(secret));
    });

    it('explores the audit log by agent, action, decision, ticket and time, paging back by sequence number', async () => {
      const sec = await h.login('sec_01');
      const agentId = (await h.rt.db.selectFrom('tickets').select('assignee_id').where('purpose', '=', 'account_access').orderBy('id').executeTakeFirstOrThrow()).assignee_id as string;
      const first = (await get(`/v1/security/audit?agentId=${agentId}&limit=3`, sec)).json();
      const pending = first.entries.filter((e: { seq: number | null }) => e.seq === null);
      const integrated = first.entries.filter((e: { seq: number | null }) => e.seq !== null);
      assert.ok(pending.length > 0 && integrated.length > 0, 'both pending and integrated records');
      assert.ok(first.entries.every((e: { record: { agentId: string } }) => e.record.agentId === agentId));
      const seqs = integrated.map((e: { seq: number }) => e.seq);
      assert.deepEqual(seqs, [...seqs].sort((a: number, b: number) => b - a), 'newest first');
      const all: number[] = [...seqs];
      let cursor = first.nextBefore as number | null;
      while (cursor !== null) {
        const p = (await get(`/v1/security/audit?agentId=${agentId}&limit=3&before=${cursor}`, sec)).json();
        assert.ok(p.entries.every((e: { seq: number | null }) => e.seq !== null && e.seq < (cursor as number)));
        all.push(...p.entries.map((e: { seq: number }) => e.seq));
        cursor = p.nextBefore;
      }
      assert.equal(new Set(all).size, all.length, 'no record twice');
      const denies = (await get('/v1/security/audit?decision=deny', sec)).json().entries;
      assert.ok(denies.length >= 1 && denies.every((e: { record: { decision: string } }) => e.record.decision === 'deny'));
      const grants = (await get('/v1/security/audit?action=grant_use', sec)).json().entries;
      assert.equal(grants.length, 1);
      const byTicket = (await get(`/v1/security/audit?ticketId=${grants[0].record.ticketId}`, sec)).json().entries;
      assert.ok(byTicket.length >= 5 && byTicket.every((e: { record: { ticketId: string } }) => e.record.ticketId === grants[0].record.ticketId));
      const later = new Date(h.clock.now().getTime() + 60_000).toISOString();
      assert.equal((await get(`/v1/security/audit?from=${encodeURIComponent(later)}`, sec)).json().entries.length, 0);
      assert.equal((await get('/v1/security/audit?action=peek', sec)).statusCode, 400);
    });

    it('gives /v1/me a session code (the prefix of the session hash) and the server time', async () => {
      const cookie = await h.login('agt_002');
      const me = (await get('/v1/me', cookie)).json();
      const secret = /kh_session=([^;]+)/.exec(cookie)![1]!;
      const hex = createHash('sha256').update(secret).digest('hex').slice(0, 8).toUpperCase();
      assert.equal(me.sessionCode, `${hex.slice(0, 4)}-${hex.slice(4)}`);
      assert.equal(me.serverTime, h.clock.now().toISOString());
      const row = await h.rt.db.selectFrom('agent_sessions').select('id_hash').where('agent_id', '=', 'agt_002').execute();
      assert.ok(row.some((r) => Buffer.from(r.id_hash).toString('hex').toUpperCase().startsWith(hex)));
    });

    it('serves the built console: index for app routes, hashed assets, API 404s as JSON, strict headers', async () => {
      const app = await buildApp(h.rt, { logger: false, console: dist });
      try {
        for (const url of ['/', '/queue', '/tickets/tkt_00001', '/security/audit?agentId=x']) {
          const r = await app.inject({ method: 'GET', url });
          assert.equal(r.statusCode, 200, url);
          assert.match(r.body, /Keyhole test console/);
          assert.equal(r.headers['content-security-policy'], CONSOLE_CSP);
          assert.equal(r.headers['x-frame-options'], 'DENY');
          assert.equal(r.headers['cache-control'], 'no-store');
        }
        const js = await app.inject({ method: 'GET', url: '/assets/app-123.js' });
        assert.equal(js.statusCode, 200);
        assert.match(js.headers['cache-control'] as string, /immutable/);
        for (const url of ['/assets/missing.js', '/v1/nope', '/favicon.ico', '/v1']) {
          const r = await app.inject({ method: 'GET', url });
          assert.equal(r.statusCode, 404, url);
          assert.equal(r.json().error.code, 'ROUTE_NOT_FOUND');
        }
        const api = await app.inject({ method: 'GET', url: '/v1/me' });
        assert.equal(api.statusCode, 401);
        assert.equal(api.headers['cache-control'], 'no-store');
        assert.equal((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200);
      } finally {
        await app.close();
      }
      const bare = await buildApp(h.rt, { logger: false, console: path.join(dist, 'missing') });
      try {
        const r = await bare.inject({ method: 'GET', url: '/' });
        assert.match(r.body, /npm run build/);
      } finally {
        await bare.close();
      }
    });
  });
}
