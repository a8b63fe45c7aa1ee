// Session binding on the real path (issue 15 item 2): sign-in issues a device cookie and binds
// the session to it and to the client network (X-Forwarded-For behind the trusted proxy); the
// same session cookie replayed from another browser or network puts the agent under step-up at
// once and contains them at the session's next access to customer data — from the agent's first
// minute, with the alert explaining itself. A fresh staff step-up re-binds the session (engine).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { listAlerts } from '../../src/detect/queries.js';
import { buildApp } from '../../src/server/app.js';
import { DATABASES } from '../support/databases.js';
import { startDetectHarness, type DetectHarness } from './harness.js';
import { agent, context, HOUR, MIN, Stream, T0 } from './streams.js';

const PROXY = '127.0.0.1'; // app.inject's socket address: the trusted reverse proxy

for (const backend of DATABASES) {
  describe(`session binding through the HTTP server (${backend.name})`, () => {
    let h: DetectHarness;
    let app: FastifyInstance;
    before(async () => {
      h = await startDetectHarness(backend);
      app = await buildApp(h.rt, { demo: true, logger: false, console: false, trustProxy: PROXY });
    });
    after(async () => { await app.close(); await h.close(); });

    const agents = () => h.staff.filter((s) => s.role === 'agent');
    /** Signs in from client address `ip`; returns the session and device cookies. */
    const signIn = async (agentId: string, ip: string) => {
      const r = await app.inject({ method: 'POST', url: '/v1/demo/login', payload: { agentId }, headers: { 'x-forwarded-for': ip } });
      assert.equal(r.statusCode, 200, r.body);
      const sess = r.cookies.find((c) => c.name === 'kh_session');
      const dev = r.cookies.find((c) => c.name === 'kh_device');
      assert.ok(sess && dev, 'sign-in sets the session and the device cookie');
      assert.equal(dev.httpOnly, true);
      return { session: `kh_session=${sess.value}`, device: `kh_device=${dev.value}` };
    };
    const lookup = (cookie: string, ip: string, accountId: string) =>
      app.inject({ method: 'POST', url: '/v1/lookups', headers: { cookie, 'x-forwarded-for': ip }, payload: { accountId, purpose: 'general_inquiry', channel: 'phone' } });
    const status = async (id: string) => (await sql<{ status: string }>`select status from agents where id = ${id}`.execute(h.rt.store.db)).rows[0]?.status;
    const bindingAlerts = async (id: string) => (await listAlerts(h.db, { agentId: id })).filter((a) => JSON.stringify(a.explanation).includes('session_binding'));

    it('a session replayed without its device cookie: step-up at once, contained at its next lookup', async () => {
      const victim = agents()[0]!;
      const targets = h.lookupable(victim.id);
      const { session, device } = await signIn(victim.id, '203.0.113.10');
      assert.equal((await lookup(`${session}; ${device}`, '203.0.113.10', targets[0]!.accountId)).statusCode, 201);
      h.clock.advance(30_000);
      // The thief has the session cookie (an infostealer) but not the device cookie; another network too.
      assert.equal((await lookup(session, '198.51.100.7', targets[1]!.accountId)).statusCode, 201);
      await h.detect();
      const first = await bindingAlerts(victim.id);
      assert.equal(first.length, 1, 'one alert: the step-up');
      assert.equal(first[0]!.kind, 'step_up');
      assert.match(JSON.stringify(first[0]!.explanation), /used from another device on another network/);
      assert.equal(await status(victim.id), 'active', 'not contained yet: the first mismatch steps up');
      h.clock.advance(30_000);
      await lookup(session, '198.51.100.7', targets[2]!.accountId);
      await h.detect();
      assert.equal(await status(victim.id), 'suspended', 'the held session\'s next lookup contains');
      const contain = (await bindingAlerts(victim.id)).find((a) => a.kind === 'contain');
      assert.ok(contain, 'a containment alert');
      assert.match(JSON.stringify(contain.explanation), /while it was held .* no fresh security-key step-up/);
      assert.equal((await lookup(session, '198.51.100.7', targets[3]!.accountId)).statusCode, 401, 'the session is over');
    });

    it('both cookies copied to another network behind the trusted proxy are caught by the network', async () => {
      const victim = agents()[1]!;
      const targets = h.lookupable(victim.id);
      const { session, device } = await signIn(victim.id, '203.0.113.20');
      const both = `${session}; ${device}`;
      assert.equal((await lookup(both, '203.0.113.20', targets[0]!.accountId)).statusCode, 201);
      assert.equal((await lookup(both, '192.0.2.55', targets[1]!.accountId)).statusCode, 201);
      await h.detect();
      const alerts = await bindingAlerts(victim.id);
      assert.equal(alerts.length, 1);
      assert.match(JSON.stringify(alerts[0]!.explanation), /used from another network while still in use from the first/);
      // Meanwhile the victim keeps working at the bound client: the session is held, so this contains too.
      await lookup(both, '203.0.113.20', targets[2]!.accountId);
      await h.detect();
      assert.equal(await status(victim.id), 'suspended');
    });

    it('an agent working from the client they signed in on, through the same proxy as everyone, raises nothing', async () => {
      const honest = agents()[2]!;
      const targets = h.lookupable(honest.id);
      const { session, device } = await signIn(honest.id, '203.0.113.30');
      for (const c of targets.slice(0, 4)) {
        h.clock.advance(2 * 60_000);
        assert.equal((await lookup(`${session}; ${device}`, '203.0.113.30', c.accountId)).statusCode, 201);
      }
      await h.detect();
      assert.deepEqual(await bindingAlerts(honest.id), []);
      assert.equal(await status(honest.id), 'active');
    });
  });
}

describe('session binding in the engine', () => {
  const start = (s: Stream, id: string, code: string, client = { net: 'net-office', dev: 'dev-1' }) =>
    s.rec({ action: 'session_start', agentId: id, details: { session: code, via: 'demo' } }, client);
  const call = (s: Stream, id: string, c: string, sess: string, client = { net: 'net-office', dev: 'dev-1' }) =>
    s.rec({ action: 'lookup', agentId: id, customerId: c, ticketId: `t-${c}-${s.t}`, details: { by: 'email', sess } }, client);

  it('a fresh staff step-up from the new client re-binds the session: no containment', () => {
    const s = new Stream(context([agent('agt_x')]));
    s.at(T0 + 9 * HOUR);
    start(s, 'agt_x', 'AAAA-0001');
    call(s, 'agt_x', 'c1', 'AAAA-0001');
    s.at(s.t + 20 * MIN);
    const laptop = { net: 'net-home', dev: 'dev-1' };
    call(s, 'agt_x', 'c2', 'AAAA-0001', laptop);
    assert.deepEqual(s.actions.map((a) => a.kind), ['step_up']);
    s.rec({ action: 'step_up', agentId: 'agt_x', details: { stepUpAction: 'session_confirm', target: 'session', method: 'webauthn', sess: 'AAAA-0001' } }, laptop);
    call(s, 'agt_x', 'c3', 'AAAA-0001', laptop);
    assert.ok(!s.actions.some((a) => a.kind === 'contain'), s.actions.map((a) => a.kind).join());
  });

  it('holds from the first minute of a brand-new agent; a token is bound at its first use', () => {
    const s = new Stream(context([agent('agt_new', 'emea-atlas', 'atlas-cx', { hiredAt: T0 + 9 * HOUR })]));
    s.at(T0 + 9 * HOUR);
    call(s, 'agt_new', 'c1', 'API-AB12', { net: 'net-office', dev: 'dev-api' });
    s.at(s.t + 30_000);
    call(s, 'agt_new', 'c2', 'API-AB12', { net: 'net-elsewhere', dev: 'dev-api' });
    s.at(s.t + 30_000);
    call(s, 'agt_new', 'c3', 'API-AB12', { net: 'net-elsewhere', dev: 'dev-api' });
    assert.deepEqual(s.actions.map((a) => a.kind), ['step_up', 'contain']);
    assert.ok(s.actions.every((a) => a.signals.some((x) => x.detector === 'session_binding' && x.summary.length > 40)));
  });
});
