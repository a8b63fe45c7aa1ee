// The outbox under a crash: `keyhole incident send` runs as a child process against a real SMTP
// server, is killed with SIGKILL half-way through a batch (while the server holds a message
// without answering), and is started again. Every notification arrives exactly once; the
// database says each was sent; each send is on the audit log once.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadAgent } from '../../src/access/agents.js';
import type { IncidentDb } from '../../src/incident/model.js';
import { incidentConfigFromEnv } from '../../src/incident/config.js';
import { incidentService } from '../../src/server/routes/incident.js';
import { createRuntime, type Runtime } from '../../src/server/runtime.js';
import { demoCustomer } from '../../src/sim/demo-data.js';
import { seedDemo } from '../../src/sim/seed.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { createPostgresDatabase, DATABASES } from '../support/databases.js';
import { startSmtp, type TestSmtp } from './support/smtp.js';

const SPEC = { customers: 30, agents: 6, tickets: 20, seed: 5, now: new Date(Date.UTC(2026, 0, 5, 9, 0, 0)) };
const KILL_AT = 6;

for (const backend of DATABASES) {
  describe(`the sender killed mid-batch on ${backend.name}`, () => {
    let smtp: TestSmtp;
    let child: ChildProcess | undefined;
    let dir: string;
    let pg: { url: string; drop: () => Promise<void> } | undefined;
    let env: NodeJS.ProcessEnv;
    let queued = 0;

    const open = () => createRuntime({ databaseUrl: pg?.url, dataDir: pg ? ':memory:' : dir, integrate: false, detect: false, env });

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'keyhole-crash-'));
      pg = backend.name === 'postgres' ? await createPostgresDatabase(process.env.KEYHOLE_TEST_DATABASE_URL as string) : undefined;
      smtp = await startSmtp((_mail, n) => {
        if (n !== KILL_AT) return 'accept';
        child?.kill('SIGKILL'); // the sender dies while it waits for the 250 to message 6
        return 'hold';
      });
      env = {
        ...process.env, KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64'), DATABASE_URL: pg?.url ?? '', KEYHOLE_OUTBOX_SENDER: '0',
        KEYHOLE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, KEYHOLE_NOTIFY_FROM: 'Security <security@exchange.example>',
        KEYHOLE_PROTECTION_WEBHOOK: '', KEYHOLE_NOTIFY_WEBHOOK: '',
      };
      const rt = await open();
      try {
        await seedDemo(rt.db, rt.vault, SPEC);
        queued = await queueForInsider(rt, env);
      } finally {
        await rt.close();
      }
    });
    after(async () => {
      child?.kill('SIGKILL');
      await smtp.close();
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    const send = () => new Promise<number | null>((resolve) => {
      child = spawn(process.execPath, ['bin/keyhole.js', 'incident', 'send', '--data-dir', dir, '--lease', '2', '--batch', '4', '--max-wait', '30'], { env, stdio: 'ignore' });
      child.on('exit', (code) => resolve(code));
    });

    it('delivers every notification exactly once across a SIGKILL and a restart', async () => {
      assert.ok(queued >= KILL_AT + 3, `only ${queued} queued`);
      const first = await send();
      assert.equal(first, null, 'the first sender was killed');
      assert.equal(smtp.received.length, KILL_AT - 1);
      if (!pg) {
        const stale = new Date(Date.now() - 60_000); // the dead process's lock, aged past its 15 s staleness
        utimesSync(path.join(dir, 'keyhole.lock'), stale, stale);
      }
      assert.equal(await send(), 0);
      const keys = smtp.received.map((m) => m.idempotencyKey);
      assert.equal(keys.length, queued);
      assert.equal(new Set(keys).size, queued, 'no notification twice');
      assert.equal(new Set(smtp.received.map((m) => m.messageId)).size, queued);
      // The message held when the sender died is resent (once) marked as a possible redelivery;
      // the restarted sender may deliver it after others whose claims were free sooner.
      const redelivered = smtp.received.slice(KILL_AT - 1).filter((m) => m.redelivery);
      assert.ok(redelivered.length >= 1, 'the held message is resent marked as a possible redelivery');
      assert.ok(smtp.received.slice(0, KILL_AT - 1).every((m) => !m.redelivery), 'messages delivered before the crash were first deliveries');

      const rt = await open();
      try {
        const db = rt.store.db as IncidentDb;
        const rows = await db.selectFrom('incident_outbox').select(['status', 'idempotency_key']).where('channel', '=', 'email').execute();
        assert.deepEqual(new Set(rows.map((r) => r.status)), new Set(['sent']));
        assert.deepEqual(new Set(rows.map((r) => r.idempotency_key)), new Set(keys));
        await rt.integrator.drain();
        const sends = await db.selectFrom('audit_log').select('entry').where('action', '=', 'notification_send').execute();
        assert.equal(sends.length, queued, 'each send recorded once');
      } finally {
        await rt.close();
      }
    });
  });
}

/** Drives an insider through the broker (lookups and views in their regions), opens an incident
 *  for them and queues e-mail notifications; returns how many were queued. */
async function queueForInsider(rt: Runtime, env: NodeJS.ProcessEnv): Promise<number> {
  const agent = (await loadAgent(rt.db, 'agt_001'))!;
  let n = 0;
  for (let i = 0; i < SPEC.customers; i++) {
    const c = demoCustomer(SPEC.seed, i, SPEC.now);
    try {
      const t = await rt.broker.lookup({ agent, requestId: `req_c_${n++}` }, { email: String(c.fields.email) }, { purpose: 'account_access', channel: 'phone', subject: 'x' });
      await rt.broker.view({ agent, requestId: `req_c_${n++}` }, t.id);
    } catch (e) {
      if (!isKeyholeError(e, 'LOOKUP_NO_MATCH')) throw e;
    }
  }
  const svc = incidentService(rt, incidentConfigFromEnv(env));
  try {
    const { incident } = await svc.open({ kind: 'system', name: 'cli', requestId: 'req_open' }, { agentIds: [agent.id], reason: 'test', source: 'cli' });
    const preview = await svc.preview(incident.id, { limit: 1 });
    return (await svc.notify({ kind: 'system', name: 'cli', requestId: 'req_notify' }, incident.id, { channel: 'email', templateVersion: preview.template.version })).queued;
  } finally {
    await svc.dispose();
  }
}
