// Helpdesk tickets in (issue 12 item 2): Zendesk ticket event webhooks signed as Zendesk
// documents (base64 HMAC-SHA256 of timestamp + body), replayed from the documented payload
// shapes, with a Zendesk API peer on 127.0.0.1 for user look-ups and the link written back;
// Freshdesk's simple webhook content with Basic authentication; the generic HMAC webhook. One
// ticket-sync core: opened for the matched customer, reassigned, closed with grants revoked.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { signGeneric } from '../../src/integrations/helpdesk/signatures.js';
import { buildApp } from '../../src/server/app.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

const ZD_SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
const FD_SECRET = 'freshdesk-webhook-password';
const GEN_SECRET = 'in-house-desk-secret';

/** A Zendesk API peer: GET /api/v2/users/{id}.json from `users`, records PUT /api/v2/tickets/{id}.json. */
function zendeskPeer(users: Record<string, { email: string; external_id: string | null }>, comments: Array<{ ticket: string; body: string; auth: string | undefined }>): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const u = /^\/api\/v2\/users\/([0-9]+)\.json$/.exec(req.url ?? '');
      const t = /^\/api\/v2\/tickets\/([0-9]+)\.json$/.exec(req.url ?? '');
      const note = /^\/api\/v2\/tickets\/([0-9]+)\/notes$/.exec(req.url ?? '');
      if (req.method === 'GET' && u && users[u[1]!]) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ user: { id: Number(u[1]), ...users[u[1]!] } }));
      } else if (req.method === 'POST' && note) {
        const b = JSON.parse(body);
        comments.push({ ticket: `fd-${note[1]}`, body: `${b.private ? 'private' : 'public'}: ${b.body}`, auth: req.headers.authorization });
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":1}');
      } else if (req.method === 'PUT' && t) {
        comments.push({ ticket: t[1]!, body: JSON.parse(body).ticket.comment.body, auth: req.headers.authorization });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ticket":{}}');
      } else res.writeHead(404).end('{"error":"RecordNotFound"}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A Zendesk ticket event, shaped as developer.zendesk.com/api-reference/webhooks/event-types/ticket-events documents it. */
function zendeskEvent(type: string, ticket: Record<string, unknown>, event: Record<string, unknown>, time: string): string {
  return JSON.stringify({
    type, account_id: 12514403, id: `evt-${Math.random().toString(36).slice(2)}`, time, zendesk_event_version: '2022-11-06', subject: `zen:ticket:${ticket.id}`,
    detail: {
      actor_id: '8447388090494', assignee_id: null, brand_id: '8447346621310', created_at: time, custom_status: '8447388085630', description: 'My wallet withdrawal is stuck',
      external_id: null, form_id: '8646151517822', group_id: '8447320466430', is_public: true, organization_id: '8447346622462', priority: 'LOW',
      requester_id: '8447388090494', status: 'OPEN', subject: 'Help', submitter_id: '8447388090494', tags: [], type: 'TASK', updated_at: time, via: { channel: 'web_service' },
      ...ticket,
    },
    event: { meta: { sequence: { id: 'b1c9e4a1-7f0a-4f0e-9d1c-3d0b3a4c2e11', position: 1, total: 1 } }, ...event },
  });
}

for (const backend of DATABASES) {
  describe(`helpdesk webhooks (${backend.name})`, () => {
    let h: Harness;
    let app: FastifyInstance;
    let peer: Server;
    const comments: Array<{ ticket: string; body: string; auth: string | undefined }> = [];
    const saved = { ...process.env };

    before(async () => {
      h = await startHarness(backend);
      const agents = h.staff.filter((s) => s.role === 'agent');
      peer = await zendeskPeer({
        '1001': { email: String(h.customers[0]!.fields.email).toUpperCase(), external_id: null },
        '1002': { email: 'stranger@nowhere.example', external_id: null },
        '2001': { email: agents[0]!.email, external_id: null },
        '2002': { email: agents[1]!.email, external_id: null },
      }, comments);
      const dir = mkdtempSync(path.join(tmpdir(), 'kh-helpdesk-'));
      const cfg = path.join(dir, 'helpdesk.yaml');
      writeFileSync(cfg, 'defaultPurpose: general_inquiry\npurposes:\n  - purpose: withdrawal_issue\n    tags: [withdrawal]\n  - purpose: kyc_review\n    fields: { "kyc_topic": "documents" }\n');
      Object.assign(process.env, {
        KEYHOLE_HELPDESK_CONFIG: cfg, KEYHOLE_ORIGIN: 'https://keyhole.example', KEYHOLE_ZENDESK_SECRET: ZD_SECRET,
        KEYHOLE_ZENDESK_URL: `http://127.0.0.1:${(peer.address() as { port: number }).port}`, KEYHOLE_ZENDESK_EMAIL: 'admin@exchange.example', KEYHOLE_ZENDESK_API_TOKEN: 'zd-token',
        KEYHOLE_FRESHDESK_SECRET: FD_SECRET, KEYHOLE_HELPDESK_WEBHOOK_SECRET: GEN_SECRET,
        KEYHOLE_FRESHDESK_URL: `http://127.0.0.1:${(peer.address() as { port: number }).port}`, KEYHOLE_FRESHDESK_API_KEY: 'fd-api-key',
      });
      app = await buildApp(h.rt, { logger: false, console: false });
    });
    after(async () => {
      process.env = saved;
      await app.close();
      peer.close();
      await h.close();
    });

    const ts = (offsetMs = 0) => new Date(h.clock.now().getTime() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const zendesk = (body: string, timestamp = ts(), secret = ZD_SECRET) => app.inject({
      method: 'POST', url: '/v1/integrations/zendesk/events', payload: body,
      headers: {
        'content-type': 'application/json', 'x-zendesk-webhook-id': '01GK8E6BKWMJZD2T8Y5AXJQMG5', 'x-zendesk-webhook-signature-timestamp': timestamp,
        'x-zendesk-webhook-signature': createHmac('sha256', secret).update(timestamp + body).digest('base64'),
      },
    });
    const ticket = (id: string) => h.rt.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const records = async (ticketId: string) => {
      const r = await sql<{ entry: unknown }>`select entry from audit_pending where entry->>'ticketId' = ${ticketId} order by id`.execute(h.rt.store.db);
      return r.rows.map((x) => (typeof x.entry === 'string' ? JSON.parse(x.entry) : x.entry) as { action: string; agentId: string | null; details: Record<string, unknown> });
    };

    it('Zendesk: created → opened for the requester matched by e-mail, purpose from tags, URL returned and written back; then reassigned and solved', async () => {
      const agents = h.staff.filter((s) => s.role === 'agent');
      const created = await zendesk(zendeskEvent('zen:event-type:ticket.created', { id: '35436', requester_id: '1001', assignee_id: '2001', tags: ['vip', 'withdrawal'] }, { current: { status: 'OPEN' } }, ts()));
      assert.equal(created.statusCode, 200, created.body);
      const r = created.json();
      assert.equal(r.outcome, 'opened');
      assert.equal(r.url, `https://keyhole.example/tickets/${r.ticketId}`);
      const t = await ticket(r.ticketId);
      assert.deepEqual([t.customer_id, t.purpose, t.assignee_id, t.status, t.channel], [h.customers[0]!.id, 'withdrawal_issue', agents[0]!.id, 'open', 'zendesk']);
      assert.equal(comments.length, 1);
      assert.deepEqual([comments[0]!.ticket, comments[0]!.body], ['35436', `Keyhole ticket: ${r.url}`]);
      assert.equal(comments[0]!.auth, `Basic ${Buffer.from('admin@exchange.example/token:zd-token').toString('base64')}`);

      // A grant of the first assignee, to see it revoked on reassignment.
      const now = h.clock.now();
      await h.rt.db.insertInto('reveal_requests').values({ id: 'rr_zd_1', ticket_id: r.ticketId, agent_id: agents[0]!.id, customer_id: t.customer_id, fields: ['email'], reason: 'r', approval: 'supervisor', status: 'approved', decided_by: null, decided_at: now, comment: null, created_at: now, expires_at: new Date(now.getTime() + 3600_000) }).execute();
      await h.rt.db.insertInto('grants').values({ id: 'gr_zd_1', request_id: 'rr_zd_1', ticket_id: r.ticketId, agent_id: agents[0]!.id, customer_id: t.customer_id, fields: ['email'], created_at: now, expires_at: new Date(now.getTime() + 3600_000), used_at: null, revoked_at: null, revoke_reason: null }).execute();

      const moved = await zendesk(zendeskEvent('zen:event-type:ticket.agent_assignment_changed', { id: '35436', assignee_id: '2002' }, { current: '2002', previous: '2001' }, ts()));
      assert.equal(moved.json().outcome, 'reassigned', moved.body);
      assert.equal((await ticket(r.ticketId)).assignee_id, agents[1]!.id);
      const g = await h.rt.db.selectFrom('grants').select(['revoked_at', 'revoke_reason']).where('id', '=', 'gr_zd_1').executeTakeFirstOrThrow();
      assert.equal(g.revoke_reason, 'ticket reassigned');

      const solved = await zendesk(zendeskEvent('zen:event-type:ticket.status_changed', { id: '35436', status: 'SOLVED' }, { current: 'SOLVED', previous: 'OPEN' }, ts()));
      assert.equal(solved.json().outcome, 'closed', solved.body);
      assert.equal((await ticket(r.ticketId)).status, 'closed');
      assert.deepEqual((await records(r.ticketId)).map((x) => [x.action, x.agentId, x.details.via]), [['ticket_open', null, 'zendesk'], ['ticket_assign', null, 'zendesk'], ['ticket_close', null, 'zendesk']]);

      const again = await zendesk(zendeskEvent('zen:event-type:ticket.created', { id: '35436', requester_id: '1001' }, {}, ts()));
      assert.equal(again.json().outcome, 'already_open', 'a helpdesk ticket opens one Keyhole ticket');
    });

    it('Zendesk: a wrong signature, a stale timestamp and a replay are refused', async () => {
      const body = zendeskEvent('zen:event-type:ticket.created', { id: '40000', requester_id: '1001' }, {}, ts());
      const wrong = await zendesk(body, ts(), 'another-secret');
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().error.code, 'WEBHOOK_SIGNATURE_INVALID');
      const tampered = await app.inject({ method: 'POST', url: '/v1/integrations/zendesk/events', payload: body.replace('40000', '40001'), headers: {
        'content-type': 'application/json', 'x-zendesk-webhook-signature-timestamp': ts(), 'x-zendesk-webhook-signature': createHmac('sha256', ZD_SECRET).update(ts() + body).digest('base64') } });
      assert.equal(tampered.json().error.code, 'WEBHOOK_SIGNATURE_INVALID');
      const stale = await zendesk(body, ts(-6 * 60_000));
      assert.equal(stale.statusCode, 401);
      assert.equal(stale.json().error.code, 'WEBHOOK_STALE');
      const first = await zendesk(body);
      assert.equal(first.statusCode, 200, first.body);
      const replay = await zendesk(body);
      assert.equal(replay.statusCode, 409);
      assert.equal(replay.json().error.code, 'WEBHOOK_REPLAYED');
    });

    it('Zendesk: an unmatched requester opens nothing and is counted', async () => {
      const r = await zendesk(zendeskEvent('zen:event-type:ticket.created', { id: '50000', requester_id: '1002' }, {}, ts()));
      assert.equal(r.json().outcome, 'unmatched_requester');
      const n = await sql<{ n: number }>`select count(*)::int as n from helpdesk_unmatched where source = 'zendesk' and external_id = '50000'`.execute(h.rt.store.db);
      assert.equal(n.rows[0]!.n, 1);
      const t = await sql<{ n: number }>`select count(*)::int as n from helpdesk_tickets where external_id = '50000'`.execute(h.rt.store.db);
      assert.equal(t.rows[0]!.n, 0);
    });

    it('Freshdesk: the simple webhook content with Basic authentication opens, then a resolved snapshot closes', async () => {
      const agent = h.staff.filter((s) => s.role === 'agent')[2]!;
      const fd = (status: string, password = FD_SECRET) => app.inject({
        method: 'POST', url: '/v1/integrations/freshdesk/events',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`keyhole:${password}`).toString('base64')}` },
        payload: JSON.stringify({ freshdesk_webhook: {
          ticket_id: 7, ticket_subject: 'Need my documents checked', ticket_status: status, ticket_priority: 'Low', ticket_source: 'Email', ticket_tags: 'kyc, urgent',
          ticket_requester_email: String(h.customers[1]!.fields.email), ticket_requester_name: 'Requester', ticket_agent_email: agent.email, ticket_cf_kyc_topic: 'documents',
          ticket_url: 'https://acme.freshdesk.com/helpdesk/tickets/7',
        } }),
      });
      assert.equal((await fd('Open', 'wrong')).json().error.code, 'WEBHOOK_SIGNATURE_INVALID');
      const opened = await fd('Open');
      assert.equal(opened.statusCode, 200, opened.body);
      assert.equal(opened.json().outcome, 'opened');
      const t = await ticket(opened.json().ticketId);
      assert.deepEqual([t.customer_id, t.purpose, t.assignee_id], [h.customers[1]!.id, 'kyc_review', agent.id]);
      const note = comments.find((c) => c.ticket === 'fd-7');
      assert.ok(note, 'the link is written back as a note');
      assert.equal(note.body, `private: Keyhole ticket: <a href="${opened.json().url}">${opened.json().url}</a>`);
      assert.equal(note.auth, `Basic ${Buffer.from('fd-api-key:X').toString('base64')}`);
      const closed = await fd('Resolved');
      assert.equal(closed.json().outcome, 'closed', closed.body);
      assert.equal((await ticket(opened.json().ticketId)).status, 'closed');
    });

    it('generic: an HMAC-signed in-house webhook matches by external id', async () => {
      await sql`update customers set external_id = 'crm-42' where id = ${h.customers[2]!.id}`.execute(h.rt.store.db);
      const send = (body: object, at = Math.floor(h.clock.now().getTime() / 1000), secret = GEN_SECRET) => {
        const text = JSON.stringify(body);
        return app.inject({ method: 'POST', url: '/v1/integrations/generic/events', payload: text, headers: { 'content-type': 'application/json', 'x-keyhole-signature': signGeneric(secret, text, at) } });
      };
      const body = { id: 'd-1', event: 'ticket.created', ticket: { id: 'HD-1', subject: 'Locked out', requesterExternalId: 'crm-42', tags: [] } };
      assert.equal((await send(body, undefined, 'nope')).json().error.code, 'WEBHOOK_SIGNATURE_INVALID');
      assert.equal((await send(body, Math.floor(h.clock.now().getTime() / 1000) - 600)).json().error.code, 'WEBHOOK_STALE');
      const r = await send(body);
      assert.equal(r.json().outcome, 'opened', r.body);
      assert.equal((await ticket(r.json().ticketId)).customer_id, h.customers[2]!.id);
      assert.equal((await send({ event: 'ticket.closed', ticket: { id: 'HD-1' } })).json().outcome, 'closed');
      assert.equal((await send({ event: 'ticket.closed', ticket: { id: 'HD-unknown' } })).json().outcome, 'unknown_ticket');
    });
  });
}
