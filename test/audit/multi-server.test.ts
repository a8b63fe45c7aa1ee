// Several Keyhole servers on one PostgreSQL database (DESIGN.md "Audit log sequencing across
// servers"): three processes append concurrently while one leads the integration; the leader is
// killed (SIGKILL) in the middle of a batch; another takes over; in the end there is one
// consistent, verified tree holding every acknowledged record exactly once.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { latestCheckpoint } from '../../src/audit/checkpoint-store.js';
import { DEFAULT_LOG_ORIGIN, openLogIdentity } from '../../src/audit/log-identity.js';
import type { AuditTables } from '../../src/audit/tables.js';
import { verifyLog } from '../../src/audit/verify-log.js';
import { openStore } from '../../src/store/store.js';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import { createPostgresDatabase } from '../support/databases.js';

const adminUrl = process.env.KEYHOLE_TEST_DATABASE_URL;
const PER_SERVER = 400;

/** A child server and everything it printed, line by line. */
class Server {
  readonly lines: string[] = [];
  readonly proc: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  #waiters: (() => void)[] = [];

  constructor(readonly tag: string, env: NodeJS.ProcessEnv) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', 'test/audit/support/appender.ts'], { env: { ...process.env, ...env, APPEND_TAG: tag } });
    let rest = '';
    this.proc.stdout.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop()!;
      this.lines.push(...parts);
      for (const w of this.#waiters.splice(0)) w();
    });
    this.proc.stderr.on('data', (d: Buffer) => process.stderr.write(`[${tag}] ${d}`));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => { for (const w of this.#waiters.splice(0)) w(); resolve(code); }));
  }

  get acks(): string[] {
    return this.lines.filter((l) => l.startsWith('ack ')).map((l) => l.slice(4));
  }

  get leading(): boolean {
    return this.lines.filter((l) => l.startsWith('leader ')).at(-1) === 'leader true';
  }

  /** Resolves when `pred` holds after some output (rejects after `ms`). */
  async until(pred: () => boolean, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`[${this.tag}] timed out; last lines: ${this.lines.slice(-5).join(' | ')}`);
      await new Promise<void>((r) => { this.#waiters.push(r); setTimeout(r, 200); });
    }
  }
}

describe('several servers on one PostgreSQL', { skip: adminUrl === undefined && 'KEYHOLE_TEST_DATABASE_URL is unset' }, () => {
  it('integrates every acknowledged record exactly once across a leader killed mid-batch', { timeout: 180_000 }, async () => {
    const pg = await createPostgresDatabase(adminUrl!);
    const masterKey = randomBytes(32);
    const store = await openStore({ databaseUrl: pg.url });
    const servers: Server[] = [];
    try {
      const db = store.db as Kysely<AuditTables>;
      const env = { KEYHOLE_TEST_DB: pg.url, KEYHOLE_MASTER_KEY: masterKey.toString('base64'), APPEND_COUNT: String(PER_SERVER), BATCH_PAUSE_MS: '150' };
      servers.push(...['a', 'b', 'c'].map((tag) => new Server(tag, env)));
      const acked = () => servers.reduce((n, s) => n + s.acks.length, 0);
      await Promise.all(servers.map((s) => s.until(() => s.lines.includes('ready'))));

      // Kill the leader while it is inside a batch transaction, with appends under way.
      await servers[0]!.until(() => acked() >= PER_SERVER / 2 && servers.some((s) => s.leading));
      const leader = servers.find((s) => s.leading)!;
      const batches = () => leader.lines.filter((l) => l.startsWith('batch ')).length;
      const seen = batches();
      await leader.until(() => batches() > seen);
      leader.proc.kill('SIGKILL');
      await leader.exited;
      const killedAcks = leader.acks.length;

      const survivors = servers.filter((s) => s !== leader);
      await Promise.all(survivors.map((s) => s.until(() => s.lines.includes('done'))));
      await survivors[0]!.until(() => survivors.some((s) => s.leading), 30_000);
      await waitFor(async () => {
        const pending = await sql<{ n: number }>`select count(*)::int as n from audit_pending`.execute(db);
        const cp = await latestCheckpoint(db);
        const logged = await sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(db);
        return pending.rows[0]!.n === 0 && cp?.size === logged.rows[0]!.n;
      });

      const rows = await sql<{ rid: string; n: number }>`select entry::json->>'requestId' as rid, count(*)::int as n from audit_log group by 1`.execute(db);
      const inLog = new Map(rows.rows.map((r) => [r.rid, r.n]));
      const allAcks = servers.flatMap((s) => s.acks);
      assert.ok(killedAcks > 0 && killedAcks < PER_SERVER, `the leader was killed mid-run (${killedAcks} acks)`);
      assert.equal(allAcks.length, killedAcks + 2 * PER_SERVER);
      for (const rid of allAcks) assert.equal(inLog.get(rid), 1, `acknowledged ${rid} is in the log exactly once`);
      assert.ok([...inLog.values()].every((n) => n === 1), 'no record is in the log twice');
      const identity = await openLogIdentity(new MasterKeyProvider(masterKey), DEFAULT_LOG_ORIGIN);
      const verified = await verifyLog(db, { verifier: identity.verifier, origin: identity.origin });
      assert.ok(verified.ok, JSON.stringify(verified));
      assert.equal(verified.size, inLog.size);
    } finally {
      for (const s of servers) s.proc.stdin.end();
      await Promise.all(servers.map((s) => s.exited));
      await store.close();
      await pg.drop();
    }
  });
});

async function waitFor(pred: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('timed out waiting for the log to catch up');
    await new Promise((r) => setTimeout(r, 200));
  }
}
