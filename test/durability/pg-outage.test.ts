// Durability under a PostgreSQL outage (issue 10 item 1): a real `keyhole serve` process on a
// throwaway PostgreSQL 15 cluster of its own, a load of customer views, pg_terminate_backend of
// every Keyhole connection, then a full stop and start of PostgreSQL mid-load. The server MUST
// stay up, answer during the outage with 503 + Retry-After in the error envelope and no data,
// serve again within 5 s of PostgreSQL being back, and every 200 MUST have its audit record.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createRuntime } from '../../src/server/runtime.js';
import { ERROR_CATALOG } from '../../src/shared/errors.js';
import { seedDemo } from '../../src/sim/seed.js';
import { freePort, postgresBinDir, startPgCluster, type PgCluster } from '../support/pg-cluster.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

interface Outcome {
  readonly start: number;
  readonly end: number;
  readonly status: number;
  readonly requestId: string | null;
  readonly retryAfter: string | null;
  readonly body: string;
}

async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

function startServer(env: NodeJS.ProcessEnv, port: number): Promise<{ proc: ChildProcess; stderr: () => string }> {
  const proc = spawn(process.execPath, [...CLI, 'serve', '--port', String(port), '--host', '127.0.0.1'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${err}`)), 60_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Keyhole is serving')) {
        clearTimeout(timer);
        resolve({ proc, stderr: () => err });
      }
    });
    proc.once('exit', (code) => reject(new Error(`server exited (${code}) before serving: ${err}`)));
  });
}

describe('PostgreSQL outage under load', { skip: postgresBinDir() === undefined && 'no PostgreSQL >= 15 installed' }, () => {
  let cluster: PgCluster;
  let server: { proc: ChildProcess; stderr: () => string } | undefined;
  let dbUrl: string;
  let base: string;
  let dataDir: string | undefined;

  before(async () => {
    // Its own data directory: the published checkpoint it writes belongs to this throwaway log,
    // not to ./.keyhole/data, which `npm start` (and the next run of this test) would refuse.
    dataDir = mkdtempSync(path.join(tmpdir(), 'keyhole-outage-'));
    cluster = await startPgCluster();
    await sql(cluster.url, 'create database keyhole');
    dbUrl = cluster.url.replace(/\/postgres$/, '/keyhole');
    const env = { ...process.env, DATABASE_URL: dbUrl, KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64'), KEYHOLE_DEMO: '1', LOG_LEVEL: 'error', KEYHOLE_DATA_DIR: dataDir };
    // Seeded in this process (one tsx start-up less than `keyhole seed`).
    const rt = await createRuntime({ databaseUrl: dbUrl, integrate: false, detect: false, env });
    try {
      await seedDemo(rt.db, rt.vault, { customers: 60, agents: 9, tickets: 80, seed: 7, now: new Date() });
    } finally {
      await rt.close();
    }
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startServer(env, port);
  });

  after(async () => {
    if (server && server.proc.exitCode === null) {
      server.proc.kill('SIGTERM');
      await new Promise((r) => server!.proc.once('exit', r));
    }
    await cluster?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('stays up, answers 503 + Retry-After during the outage, recovers within 5 s, loses no acknowledged record', { timeout: 180_000 }, async (t) => {
    // Agents with open tickets, each signed in through the demo picker.
    const staff = (await (await fetch(`${base}/v1/demo/agents`)).json()) as { agents: { id: string; role: string }[] };
    const pairs: { cookie: string; ticketId: string }[] = [];
    for (const a of staff.agents.filter((x) => x.role === 'agent')) {
      const login = await fetch(`${base}/v1/demo/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agentId: a.id }) });
      const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '); // session and device
      const tickets = (await (await fetch(`${base}/v1/tickets`, { headers: { cookie } })).json()) as { tickets: { id: string }[] };
      for (const t of tickets.tickets.slice(0, 3)) pairs.push({ cookie, ticketId: t.id });
    }
    assert.ok(pairs.length >= 6, `need tickets to view, got ${pairs.length}`);

    const t0 = performance.now();
    const now = () => performance.now() - t0;
    const outcomes: Outcome[] = [];
    let running = true;
    const worker = async (w: number) => {
      for (let i = w; running; i += 7) {
        const p = pairs[i % pairs.length]!;
        const start = now();
        try {
          const r = await fetch(`${base}/v1/tickets/${p.ticketId}/customer`, { headers: { cookie: p.cookie }, signal: AbortSignal.timeout(15_000) });
          outcomes.push({ start, end: now(), status: r.status, requestId: r.headers.get('x-request-id'), retryAfter: r.headers.get('retry-after'), body: await r.text() });
        } catch (e) {
          outcomes.push({ start, end: now(), status: 0, requestId: null, retryAfter: null, body: String(e) });
          await sleep(50);
        }
        if (outcomes.at(-1)!.status !== 200) await sleep(20);
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));

    // Phase 1: kill every Keyhole connection, several times, mid-load.
    await sleep(1500);
    let terminated = 0;
    for (let k = 0; k < 6; k++) {
      const r = await sql(cluster.url, `select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity
        where datname = 'keyhole' and pid <> pg_backend_pid()) t`);
      terminated += (r.rows[0] as { n: number }).n;
      await sleep(250);
    }
    assert.ok(terminated > 0, 'no Keyhole connection was terminated');
    await sleep(1500);

    // Phase 2: a full restart of PostgreSQL with two seconds down.
    await cluster.stop();
    const down = now();
    await sleep(2000);
    await cluster.start();
    const back = now();
    await sleep(7000);
    running = false;
    await Promise.all(workers);

    assert.equal(server!.proc.exitCode, null, `the server exited: ${server!.stderr().slice(-2000)}`);
    assert.doesNotMatch(server!.stderr(), /Unhandled|uncaught/i);

    const ok = outcomes.filter((o) => o.status === 200);
    const failed = outcomes.filter((o) => o.status !== 200);
    const codes: Record<string, number> = {};
    for (const o of failed) {
      const code = /"code":"(\w+)"/.exec(o.body)?.[1] ?? String(o.status);
      codes[code] = (codes[code] ?? 0) + 1;
    }
    t.diagnostic(`${ok.length} views answered, ${terminated} connections terminated, failures ${JSON.stringify(codes)}`);
    assert.ok(ok.length > 50, `too few successful views: ${ok.length}`);
    for (const o of failed) {
      assert.equal(o.status, 503, `unexpected ${o.status}: ${o.body.slice(0, 300)}`);
      assert.ok(o.retryAfter !== null && Number(o.retryAfter) > 0, 'a 503 carries Retry-After');
      const body = JSON.parse(o.body) as { error: { code: keyof typeof ERROR_CATALOG; message: string } };
      assert.deepEqual(Object.keys(body), ['error']);
      assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message']);
      assert.equal(ERROR_CATALOG[body.error.code]?.status, 503, body.error.code);
    }
    const duringOutage = outcomes.filter((o) => o.start > down + 200 && o.end < back);
    assert.ok(duringOutage.length > 0 && duringOutage.every((o) => o.status === 503), 'requests while PostgreSQL is down get 503');
    const recovered = ok.find((o) => o.start >= back);
    assert.ok(recovered && recovered.end - back <= 5000, `serving again ${recovered ? Math.round(recovered.end - back) : 'never'} ms after PostgreSQL was back`);
    const late = outcomes.filter((o) => o.start > back + 5000);
    assert.ok(late.length > 0 && late.every((o) => o.status === 200), 'everything is served 5 s after PostgreSQL is back');

    // Nothing acknowledged is lost: every 200 has its view record, and all get integrated.
    let pending = -1;
    for (let k = 0; k < 60 && pending !== 0; k++) {
      pending = ((await sql(dbUrl, 'select count(*)::int as n from audit_pending')).rows[0] as { n: number }).n;
      if (pending !== 0) await sleep(250);
    }
    assert.equal(pending, 0, `the integrator drains audit_pending after the outage; server stderr: ${server!.stderr().slice(-2000)}`);
    const logged = new Set((await sql(dbUrl, `select entry::json->>'requestId' as id from audit_log where action = 'view'`)).rows.map((r) => (r as { id: string }).id));
    const missing = ok.filter((o) => o.requestId === null || !logged.has(o.requestId));
    assert.deepEqual(missing.map((o) => o.requestId), [], `${missing.length} of ${ok.length} answered views have no audit record`);
  });
});
