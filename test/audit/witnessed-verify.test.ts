// `keyhole verify` against the witnesses (issue 10 item 2), as a child process on an embedded
// data directory: a log of 100 entries cosigned by a real witness on 127.0.0.1 verifies; a
// policy of 2 witnesses with one cosigning is refused (WITNESS_QUORUM_NOT_MET); then a DBA with
// superuser rights truncates the log back to its checkpoint of 40 — entries, checkpoints,
// cosignatures and tiles, an internally consistent log — which the published-checkpoint file
// and, with that file gone too, the witness's latest cosigned checkpoint expose; and a forked
// log longer than the witnessed one is refused by the witness (it holds 100) and fails `keyhole
// verify` as inconsistent. A server started on the truncated database fails its log health
// (customer data withheld) from the same comparison. On PGlite (a data directory) and on PostgreSQL (DATABASE_URL, the
// truncation with the superuser's session_replication_role).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { LogReader } from '../../src/audit/log-reader.js';
import { openLogIdentity, type LogIdentity } from '../../src/audit/log-identity.js';
import { PublishedHead } from '../../src/audit/published-head.js';
import type { AuditTables } from '../../src/audit/tables.js';
import { originHash } from '../../src/audit/witness-store.js';
import { Witnessing } from '../../src/audit/witnessing.js';
import { FixedClock } from '../../src/shared/clock.js';
import { parseCosignatureVerifierKey } from '../../src/shared/tlog/cosignature.js';
import { openWitnessedCheckpoint, witnessPolicy } from '../../src/shared/tlog/witness-policy.js';
import { createRuntime } from '../../src/server/runtime.js';
import { ERROR_CATALOG } from '../../src/shared/errors.js';
import { cosignatureVerifierKeyFor, cosignerFromSeed } from '../../src/shared/tlog/cosignature.js';
import { openStore } from '../../src/store/store.js';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import { createPostgresDatabase, DATABASES } from '../support/databases.js';
import { appendRecordsBulk, testIntegrator } from './support/log-fixture.js';
import { saveTiles, startWitness, truncateTo, type RunningWitness } from './support/witness-fixture.js';

const BIN = path.resolve('bin/keyhole.js');
const ORIGIN = 'keyhole.example/log';

/** Runs the CLI without blocking this process (the witness answers from here). */
function run(env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: '', KEYHOLE_WITNESS_POLICY: '', ...env }, timeout: 120_000 }, (e, out, err) => {
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out: String(out), err: String(err) });
    });
  });
}

for (const backend of DATABASES) describe(`keyhole verify against the witnesses (child process, ${backend.name})`, { timeout: 300_000 }, () => {
  const masterKey = randomBytes(32);
  let pg: { url: string; drop: () => Promise<void> } | undefined;
  const keyhole = (env: Record<string, string>, ...args: string[]) => run({ ...env, DATABASE_URL: pg?.url ?? '' }, ...args);
  let dir: string;
  let data: string;
  let id: LogIdentity;
  let w: RunningWitness;
  let env: Record<string, string>;
  let tiles40: Awaited<ReturnType<typeof saveTiles>>;
  const FAILED = ERROR_CATALOG.LOG_VERIFY_FAILED.exit;

  async function withDb<T>(fn: (db: Kysely<AuditTables>) => Promise<T>): Promise<T> {
    const store = await openStore(pg ? { databaseUrl: pg.url } : { dataDir: data });
    try {
      return await fn(store.db as unknown as Kysely<AuditTables>);
    } finally {
      await store.close();
    }
  }

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kh-witnessed-'));
    data = path.join(dir, 'data');
    if (backend.name === 'postgres') pg = await createPostgresDatabase(process.env.KEYHOLE_TEST_DATABASE_URL as string);
    id = await openLogIdentity(new MasterKeyProvider(masterKey), ORIGIN);
    w = await startWitness(new Map([[ORIGIN, [id.verifier]]]));
    env = { KEYHOLE_MASTER_KEY: masterKey.toString('base64'), KEYHOLE_LOG_ORIGIN: ORIGIN, KEYHOLE_WITNESSES: `${w.url} ${w.vkey}`, KEYHOLE_WITNESS_QUORUM: '1' };
    // What `keyhole serve` leaves: 100 entries, each checkpoint submitted to the witness.
    const rt = await createRuntime({ databaseUrl: pg?.url, dataDir: data, integrate: false, detect: false, env });
    try {
      const db = rt.db as unknown as Kysely<AuditTables>;
      await appendRecordsBulk(db, 0, 40);
      await rt.integrator.drain();
      await rt.witnessing!.idle();
      tiles40 = await saveTiles(db);
      await appendRecordsBulk(db, 40, 60);
      await rt.integrator.drain();
      await rt.witnessing!.idle();
    } finally {
      await rt.close();
    }
  });
  after(async () => {
    await w?.close();
    rmSync(w.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    await pg?.drop();
  });

  it('passes when the database extends the witnessed checkpoint, and applies the quorum', async () => {
    const ok = await keyhole(env, 'verify', '--data-dir', data);
    assert.equal(ok.code, 0, ok.err + ok.out);
    assert.match(ok.out, /audit log OK: 100 entries/);
    assert.match(ok.out, /witnessed: the checkpoint of 100 entries is cosigned by witness\.test\/w1; the database extends it/);

    const other = cosignatureVerifierKeyFor('witness.test/w2', cosignerFromSeed('witness.test/w2', randomBytes(32)).publicKey);
    const two = await keyhole(env, 'verify', '--data-dir', data, '--witness', w.vkey, '--witness', other, '--quorum', '2');
    assert.equal(two.code, ERROR_CATALOG.WITNESS_QUORUM_NOT_MET.exit, two.err + two.out);
    assert.match(two.err, /only 1 of the 2 witnesses the policy requires cosigned this log/);

    const policy = path.join(dir, 'policy');
    writeFileSync(policy, `# ours and the exchange's auditor\nwitness ${w.vkey} ${w.url}\nwitness ${other}\nquorum 1\n`);
    const one = await keyhole({ ...env, KEYHOLE_WITNESSES: '', KEYHOLE_WITNESS_QUORUM: '' }, 'verify', '--data-dir', data, '--witness-policy', policy);
    assert.equal(one.code, 0, one.err + one.out);
    assert.match(one.out, /confirmed by witness\.test\/w1 \(policy: 1 of 2 witnesses/);
  });

  it('fails a database truncated back to an older checkpoint (published file, then the witness)', async () => {
    await withDb((db) => truncateTo(db, 40, tiles40));
    // The log is consistent in itself: without any outside memory it would verify.
    const byFile = await keyhole({ ...env, KEYHOLE_WITNESSES: '', KEYHOLE_WITNESS_QUORUM: '' }, 'verify', '--data-dir', data, '--no-integrate');
    assert.equal(byFile.code, FAILED, byFile.err + byFile.out);
    assert.match(byFile.err, /audit log FAILED at index 40: the database ends at 40 entries but the published-checkpoint file holds a checkpoint of 100: 60 entries are missing/);

    rmSync(path.join(data, 'published-checkpoint')); // the DBA restored the server's disk too
    const blind = await keyhole({ ...env, KEYHOLE_WITNESSES: '', KEYHOLE_WITNESS_QUORUM: '' }, 'verify', '--data-dir', data, '--no-integrate');
    assert.equal(blind.code, 0, blind.err + blind.out);
    assert.match(blind.out, /no witness policy configured/);

    const byWitness = await keyhole(env, 'verify', '--data-dir', data, '--no-integrate');
    assert.equal(byWitness.code, FAILED, byWitness.err + byWitness.out);
    assert.match(byWitness.err, /audit log FAILED at index 40: the database ends at 40 entries but witness witness\.test\/w1 \(http:\/\/127\.0\.0\.1:\d+\) holds a checkpoint of 100: 60 entries are missing — the log was truncated or restored from an older copy/);

    // A server started on the truncated database finds it too, and withholds customer data.
    const rt = await createRuntime({ databaseUrl: pg?.url, dataDir: data, integrate: false, detect: false, logHealth: true, env });
    try {
      for (let i = 0; i < 300 && rt.logHealth.status().status !== 'failed'; i++) await new Promise((r) => setTimeout(r, 100));
      const health = rt.logHealth.status();
      assert.equal(health.status, 'failed');
      assert.equal(health.serving, false);
      assert.match(String(health.reason), /start-up witness check: the database ends at 40 entries but witness witness\.test\/w1/);
    } finally {
      await rt.close();
    }
  });

  it('a forked log that grew past the witnessed size: the witness refuses it, keyhole verify fails it', async () => {
    await withDb(async (db) => {
      await appendRecordsBulk(db, 5000, 70, 'fork');
      const store = { db } as never;
      await testIntegrator(store, id).drain(); // a restored server with no published file signs it
      const fork = await new LogReader(db).latest();
      assert.equal(fork.size, 110);
      const errors: unknown[] = [];
      const floor = new PublishedHead({ file: undefined, identity: id, clock: new FixedClock() });
      const witnessing = new Witnessing({ db, identity: id, witnesses: [{ url: w.url, verifier: parseCosignatureVerifierKey(w.vkey) }], clock: new FixedClock(), published: floor, onError: (e) => errors.push(e), retryMs: [60_000, 60_000] });
      witnessing.notify(fork);
      await witnessing.idle();
      await witnessing.stop();
      assert.equal((errors[0] as { code?: string }).code, 'WITNESS_INCONSISTENT', String(errors[0]));
      assert.equal(floor.floor, undefined, 'the witness is not ahead: it refused the fork as inconsistent');
      const held = await fetch(`${w.url}/${originHash(ORIGIN)}/checkpoint`).then((r) => r.text());
      assert.equal(openWitnessedCheckpoint(held, id.verifier, ORIGIN, witnessPolicy([w.vkey], 1)).checkpoint.size, 100);
    });
    const r = await keyhole(env, 'verify', '--data-dir', data, '--no-integrate');
    assert.equal(r.code, FAILED, r.err + r.out);
    assert.match(r.err, /the database's tree of 110 entries is not consistent with the checkpoint of 100 held by witness witness\.test\/w1/);
  });
});
