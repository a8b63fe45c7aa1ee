// From a leaked picture to the session, agent, tickets and customers, proved from the log; the
// console's tamper reports on the log; the security team's upload API; and the CLI on a picture.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import sharp from 'sharp';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import { sessionCode } from '../../src/identity/session-code.js';
import { slotOf } from '../../src/watermark/payload.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';
import { renderPage } from './support/page.js';

const secretOf = (cookie: string) => /kh_session=([^;]+)/.exec(cookie)![1]!;

for (const backend of DATABASES) {
  describe(`forensic mark identification (${backend.name})`, () => {
    let h: Harness;
    before(async () => { h = await startHarness(backend); });
    after(() => h.close());

    const records = async (action: string): Promise<AuditRecord[]> => {
      await h.rt.integrator.drain();
      const logged = await sql<{ entry: string }>`select entry from audit_log where action = ${action} order by seq`.execute(h.rt.store.db);
      return logged.rows.map((r) => JSON.parse(r.entry) as AuditRecord);
    };

    it('records each session start with its code and its agent, never the secret', async () => {
      const agentId = h.staff.find((s) => s.role === 'agent')!.id;
      const cookie = await h.login(agentId);
      const code = sessionCode(secretOf(cookie));
      const starts = (await records('session_start')).filter((r) => r.details.session === code);
      assert.equal(starts.length, 1);
      assert.equal(starts[0]!.agentId, agentId);
      assert.ok(!JSON.stringify(starts[0]).includes(secretOf(cookie)), 'never the secret');
      const me = await h.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } });
      assert.equal(me.json().sessionCode, code);
    });

    it('names the session, agent, tickets and customers of a leaked photo, each record with its proof', async () => {
      const t = await h.rt.db.selectFrom('tickets').selectAll().where('status', '=', 'open').where('assignee_id', 'is not', null).orderBy('id').executeTakeFirstOrThrow();
      const agentId = t.assignee_id as string;
      const cookie = await h.login(agentId);
      const other = await h.login(agentId); // a second session of the same agent: not in the picture
      const code = sessionCode(secretOf(cookie));
      assert.equal((await h.app.inject({ method: 'GET', url: `/v1/tickets/${t.id}/customer`, headers: { cookie } })).statusCode, 200);
      const t2 = await h.rt.db.selectFrom('tickets').selectAll().where('status', '=', 'open').where('assignee_id', '=', agentId).where('id', '!=', t.id).orderBy('id').executeTakeFirst();
      if (t2) assert.equal((await h.app.inject({ method: 'GET', url: `/v1/tickets/${t2.id}/customer`, headers: { cookie: other } })).statusCode, 200);
      await h.rt.integrator.drain();

      const photo = await sharp(await renderPage(code, h.clock.now())).resize({ width: 900 }).jpeg({ quality: 40 }).toBuffer();
      const security = await h.login(h.staff.find((s) => s.role === 'security')!.id);
      const r = await h.app.inject({ method: 'POST', url: '/v1/security/watermark/identify', headers: { cookie: security }, payload: { image: photo.toString('base64') } });
      assert.equal(r.statusCode, 200, r.body);
      const body = r.json();
      assert.deepEqual(body.marks, [{ sessionCode: code, slot: slotOf(h.clock.now()) }]);
      assert.equal(body.identifications.length, 1);
      const id = body.identifications[0];
      assert.equal(id.agent.id, agentId);
      assert.deepEqual(id.tickets, [t.id], 'only what this session showed, not the other session');
      assert.deepEqual(id.customers, [t.customer_id]);
      assert.ok(id.records.length >= 1 && id.records.every((x: { proof: string | null }) => x.proof !== null && x.proof.startsWith('c2sp.org/tlog-proof@v1')), 'proofs');
      assert.ok(id.session.start.proof);

      const agentTries = await h.app.inject({ method: 'POST', url: '/v1/security/watermark/identify', headers: { cookie }, payload: { image: photo.toString('base64') } });
      assert.equal(agentTries.statusCode, 403);
      const junk = await h.app.inject({ method: 'POST', url: '/v1/security/watermark/identify', headers: { cookie: security }, payload: { image: Buffer.from('no image').toString('base64') } });
      assert.equal(junk.statusCode, 400);
      assert.equal(junk.json().error.code, 'IMAGE_UNREADABLE');
      const blank = await h.app.inject({ method: 'POST', url: '/v1/security/watermark/identify', headers: { cookie: security }, payload: { image: (await renderPage(undefined, h.clock.now())).toString('base64') } });
      assert.deepEqual(blank.json(), { marks: [], identifications: [] });
    });

    it('puts a tamper report on the log with the session, and refuses unknown kinds', async () => {
      const agentId = h.staff.find((s) => s.role === 'agent')!.id;
      const cookie = await h.login(agentId);
      const r = await h.app.inject({ method: 'POST', url: '/v1/watermark/tamper', headers: { cookie }, payload: { kind: 'removed' } });
      assert.equal(r.statusCode, 204, r.body);
      const bad = await h.app.inject({ method: 'POST', url: '/v1/watermark/tamper', headers: { cookie }, payload: { kind: 'other' } });
      assert.equal(bad.statusCode, 400);
      const anon = await h.app.inject({ method: 'POST', url: '/v1/watermark/tamper', payload: { kind: 'removed' } });
      assert.equal(anon.statusCode, 401);
      const logged = (await records('watermark_tamper')).filter((x) => x.agentId === agentId);
      assert.equal(logged.length, 1);
      assert.equal(logged[0]!.details.kind, 'removed');
      assert.equal(logged[0]!.details.sess, sessionCode(secretOf(cookie)));
    });
  });
}

describe('keyhole watermark identify', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(tmpdir(), 'keyhole-wm-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, DATABASE_URL: '', KEYHOLE_MASTER_KEY: '' };
  const keyhole = (...args: string[]) => spawnSync(process.execPath, [path.resolve('bin/keyhole.js'), ...args], { env, encoding: 'utf8', timeout: 180_000 });

  it('prints the session and agent of a picture, and says so when there is no mark', async () => {
    assert.equal(keyhole('seed', '--data-dir', dir, '--customers', '10', '--agents', '4', '--tickets', '4', '--seed', '5').status, 0);
    // A session started through the library on the same data directory, then the CLI reads it.
    const { createRuntime } = await import('../../src/server/runtime.js');
    const { runtimeConfig } = await import('../../src/cli/options.js');
    const { createSession } = await import('../../src/identity/sessions.js');
    const rt = await createRuntime(runtimeConfig({ dataDir: dir }, { integrate: false }));
    let code: string;
    let when: Date;
    try {
      const agent = await rt.db.selectFrom('agents').select('id').where('role', '=', 'agent').orderBy('id').executeTakeFirstOrThrow();
      code = sessionCode(await createSession(rt.db, rt.clock, agent.id));
      when = rt.clock.now();
      await rt.integrator.drain();
    } finally {
      await rt.close();
    }
    const marked = path.join(dir, 'leak.jpg');
    writeFileSync(marked, await sharp(await renderPage(code, when)).jpeg({ quality: 50 }).toBuffer());
    const plain = path.join(dir, 'plain.png');
    writeFileSync(plain, await renderPage(undefined, when));
    const ok = keyhole('watermark', 'identify', '--data-dir', dir, marked);
    assert.equal(ok.status, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, new RegExp(`session ${code} of `));
    assert.match(ok.stdout, /session started .* \(log entry \d+\)/);
    const none = keyhole('watermark', 'identify', '--data-dir', dir, plain);
    assert.equal(none.status, 4);
    assert.match(none.stdout, /no Keyhole mark found/);
  });
});
