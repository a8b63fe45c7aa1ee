// Audit out to the SIEM over syslog (issue 12 item 3) against a real rsyslog (Debian's
// rsyslogd, started here on a loopback port, writing what it receives to a file): RFC 5424
// messages with octet-counting framing over TCP, a `keyhole siem run` process SIGKILLed
// mid-stream and restarted, and every log entry present afterwards — duplicates only of
// entries identified by their log index; then the same over TLS (RFC 5425).
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { appendAudit } from '../../src/audit/append.js';
import { siemConfigFromEnv, sinksOf } from '../../src/integrations/siem/config.js';
import { SiemShipper } from '../../src/integrations/siem/shipper.js';
import type { IntegrationDb } from '../../src/integrations/tables.js';
import { createRuntime, type Runtime } from '../../src/server/runtime.js';
import type { AuditRecord } from '../../src/shared/audit-entry.js';
import { createPostgresDatabase } from '../support/databases.js';

const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => existsSync(p));
const PG = process.env.KEYHOLE_TEST_DATABASE_URL;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const N = 3000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Starts rsyslogd in the foreground with a config of its own on 127.0.0.1:`port`. */
async function startRsyslog(dir: string, port: number, tlsFiles?: { ca: string; cert: string; key: string }): Promise<{ out: string; stop: () => Promise<void> }> {
  const out = path.join(dir, 'received.log');
  const conf = path.join(dir, 'rsyslog.conf');
  writeFileSync(conf, [
    `global(workDirectory="${dir}" maxMessageSize="64k"${tlsFiles ? ` defaultNetstreamDriver="gtls" defaultNetstreamDriverCAFile="${tlsFiles.ca}" defaultNetstreamDriverCertFile="${tlsFiles.cert}" defaultNetstreamDriverKeyFile="${tlsFiles.key}"` : ''})`,
    tlsFiles ? 'module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")' : 'module(load="imtcp")',
    `input(type="imtcp" address="127.0.0.1" port="${port}")`,
    'template(name="line" type="string" string="%structured-data% %msg%\\n")',
    `action(type="omfile" file="${out}" template="line")`,
  ].join('\n'));
  const child: ChildProcess = spawn(RSYSLOGD as string, ['-n', '-f', conf, '-i', path.join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
  await until(`rsyslogd on ${port} (${stderr})`, () => new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  }), 30_000);
  return {
    out,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** The (seq | null) of each line rsyslog wrote, and the JSON of each. */
function received(file: string): Array<{ seq: number | null; json: Record<string, any> }> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => {
    const m = /^\[keyhole@32473 seq="([0-9]+)" leaf="([0-9a-f]+)"\] (.*)$/.exec(l);
    if (m) {
      const json = JSON.parse(m[3]!);
      assert.equal(json.metadata.sequence, Number(m[1]), 'STRUCTURED-DATA and OCSF agree on the log index');
      assert.equal(json.unmapped.keyhole.leaf_hash, m[2]);
      return { seq: Number(m[1]), json };
    }
    const a = /^- (.*)$/.exec(l);
    if (!a) throw new Error(`unexpected line: ${l.slice(0, 200)}`);
    return { seq: null, json: JSON.parse(a[1]!) };
  });
}

const skip = !RSYSLOGD ? 'rsyslogd is not installed (Debian package rsyslog)' : !PG ? 'needs KEYHOLE_TEST_DATABASE_URL (two processes share the database)' : false;

describe('SIEM over syslog to a real rsyslog', { skip }, () => {
  let rt: Runtime;
  let db: IntegrationDb;
  let dropDb: () => Promise<void>;
  let url: string;
  const masterKey = randomBytes(32).toString('base64');
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-siem-'));
  let end = 0;

  before(async () => {
    const created = await createPostgresDatabase(PG as string);
    url = created.url;
    dropDb = created.drop;
    rt = await createRuntime({ databaseUrl: url, dataDir: ':memory:', integrate: false, detect: false, env: { KEYHOLE_MASTER_KEY: masterKey } });
    db = rt.db as unknown as IntegrationDb;
    for (let i = 0; i < N; i += 250) {
      await rt.db.transaction().execute(async (trx) => {
        for (let k = i; k < Math.min(N, i + 250); k++) {
          const rec: AuditRecord = {
            v: 1, time: new Date(Date.UTC(2026, 0, 5, 9, 0, 0) + k).toISOString(), requestId: `req_${k}`, action: k % 7 === 0 ? 'verify' : 'view', agentId: `agt_${k % 9}`,
            customerId: `cus_${k % 50}`, ticketId: `tkt_${k % 20}`, decision: k % 11 === 0 ? 'deny' : 'allow', fields: { email: 'masked' }, policyIds: ['p1'], reason: null, details: {},
          };
          await appendAudit(trx as never, rec);
        }
      });
    }
    await rt.integrator.drain();
    end = Number((await db.selectFrom('audit_log').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirstOrThrow()).m) + 1;
    await rt.db.insertInto('detect_alerts' as never).values([0, 1, 2].map((k) => ({
      id: `alr_${k}`, agent_id: 'agt_1', kind: 'alert', risk: 50 + k, at: new Date(Date.UTC(2026, 0, 5, 9)), seq: k, summary: `unusual volume ${k}`, explanation: '{}', created_at: new Date(Date.UTC(2026, 0, 5, 9, k)),
    })) as never).execute();
  });
  after(async () => {
    await rt?.close();
    await dropDb?.();
  });

  it('TCP, octet-counted: every entry arrives after a SIGKILL mid-stream; duplicates only by log index', async () => {
    const port = await freePort();
    const sys = await startRsyslog(mkdtempSync(path.join(dir, 'tcp-')), port);
    const cfg = path.join(dir, 'siem-tcp.yaml');
    writeFileSync(cfg, `batchSize: 5\npollMs: 50\nsinks:\n  - { name: soc, type: syslog, url: "tcp://127.0.0.1:${port}" }\n`);
    const env = { ...process.env, DATABASE_URL: url, KEYHOLE_MASTER_KEY: masterKey, KEYHOLE_SIEM_CONFIG: cfg };
    const run = (args: string[]) => spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'siem', 'run', '--data-dir', path.join(dir, 'data'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const first = run([]);
      let err = '';
      first.stderr?.on('data', (c: Buffer) => { err += c.toString(); });
      await until(`some events at rsyslog (${err})`, () => received(sys.out).length >= 100);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      const cursor = await db.selectFrom('siem_cursors').select('next_seq').where('sink', '=', 'soc').executeTakeFirstOrThrow();
      assert.ok(Number(cursor.next_seq) > 0 && Number(cursor.next_seq) < end, `killed mid-stream (cursor ${cursor.next_seq} of ${end})`);

      const second = run(['--until-caught-up']);
      let err2 = '';
      second.stderr?.on('data', (c: Buffer) => { err2 += c.toString(); });
      const code = await new Promise((r) => second.once('exit', r));
      assert.equal(code, 0, err2);
      await until('every entry at rsyslog', () => new Set(received(sys.out).filter((l) => l.seq !== null).map((l) => l.seq)).size === end);
      await until('the alerts at rsyslog', () => received(sys.out).filter((l) => l.seq === null).length >= 3);

      const lines = received(sys.out);
      const seqs = lines.flatMap((l) => (l.seq === null ? [] : [l.seq]));
      assert.deepEqual([...new Set(seqs)].sort((a, b) => a - b), Array.from({ length: end }, (_, i) => i), 'every log index once at least');
      const dupes = seqs.length - new Set(seqs).size;
      assert.ok(dupes <= 5, `at most the batch in flight at the kill (5) is re-sent (${dupes})`);
      let rewinds = 0;
      for (let i = 1; i < seqs.length; i++) if (seqs[i]! <= seqs[i - 1]!) rewinds++;
      assert.ok(rewinds <= 1, 'in order, except one rewind to the durable cursor after the restart');
      const alerts = lines.filter((l) => l.seq === null).map((l) => l.json);
      assert.deepEqual(alerts.map((a) => a.finding_info.uid), ['alr_0', 'alr_1', 'alr_2']);
      assert.ok(alerts.every((a) => a.class_uid === 2004));
      const sample = lines.find((l) => l.seq === 42)!.json;
      const row = await db.selectFrom('audit_log').select(['leaf_hash']).where('seq', '=', 42).executeTakeFirstOrThrow();
      assert.equal(sample.unmapped.keyhole.leaf_hash, Buffer.from(row.leaf_hash).toString('hex'), 'the SIEM copy carries the leaf hash of the log');
      assert.equal(sample.class_uid, 6005);
    } finally {
      await sys.stop();
    }
  });

  it('TLS (RFC 5425): every entry delivered once by an in-process shipper', async () => {
    const tdir = mkdtempSync(path.join(dir, 'tls-'));
    const f = (n: string) => path.join(tdir, n);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=keyhole-test-ca'], { stdio: 'ignore' });
    execFileSync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('srv.key'), '-out', f('srv.csr'), '-subj', '/CN=localhost'], { stdio: 'ignore' });
    writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    execFileSync('openssl', ['x509', '-req', '-in', f('srv.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('srv.pem'), '-days', '1', '-extfile', f('ext.cnf')], { stdio: 'ignore' });
    const port = await freePort();
    const sys = await startRsyslog(tdir, port, { ca: f('ca.pem'), cert: f('srv.pem'), key: f('srv.key') });
    try {
      writeFileSync(f('siem.yaml'), `batchSize: 500\nsinks:\n  - { name: soc-tls, type: syslog, url: "tls://127.0.0.1:${port}", caFile: "${f('ca.pem')}", servername: localhost }\n`);
      const env = { KEYHOLE_SIEM_CONFIG: f('siem.yaml') };
      const [sink] = sinksOf(siemConfigFromEnv(env), env);
      const shipper = new SiemShipper(db, sink!, rt.clock, { batchSize: 500 });
      while ((await shipper.shipOnce()) > 0);
      await sink!.close();
      await until('every entry over TLS', () => received(sys.out).filter((l) => l.seq !== null).length >= end);
      const seqs = received(sys.out).flatMap((l) => (l.seq === null ? [] : [l.seq]));
      assert.deepEqual(seqs, Array.from({ length: end }, (_, i) => i), 'exactly once, in order');
    } finally {
      await sys.stop();
    }
  });
});
