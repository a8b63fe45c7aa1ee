// `keyhole verify` as a child process: on an embedded data directory where a DBA edited one
// entry it exits with LOG_VERIFY_FAILED's exit code naming that index; with --proof it checks an
// offline tlog-proof with no database and fails on a wrong entry.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { Integrator } from '../../src/audit/integrator.js';
import { LogReader } from '../../src/audit/log-reader.js';
import type { AuditTables } from '../../src/audit/tables.js';
import { ERROR_CATALOG } from '../../src/shared/errors.js';
import { openStore } from '../../src/store/store.js';
import { FileKeyProvider } from '../../src/vault/file-key-provider.js';
import { appendRecordsBulk } from './support/log-fixture.js';

const BIN = path.resolve('bin/keyhole.js');
const env = { ...process.env, DATABASE_URL: '', KEYHOLE_MASTER_KEY: '', KEYHOLE_LOG_ORIGIN: '' };
const FAILED = ERROR_CATALOG.LOG_VERIFY_FAILED.exit;

function keyhole(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('keyhole verify (child process)', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  let files: { proof: string; checkpoint: string; entry: string; wrongEntry: string; vkey: string };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'keyhole-verify-'));
    // What `keyhole serve` would leave: the data directory's key file and a log of 90 entries.
    const keys = await FileKeyProvider.open(path.join(dir, 'data'));
    const store = await openStore({ dataDir: path.join(dir, 'data') });
    try {
      const db = store.db as Kysely<AuditTables>;
      const integrator = await Integrator.open(store, keys, { env: {} });
      await appendRecordsBulk(db, 0, 90, 'cli');
      await integrator.drain();
      const log = new LogReader(db);
      const { entries } = await log.entries(42, 2);
      files = {
        proof: file('42.proof', await log.entryProof(42)),
        checkpoint: file('checkpoint', (await log.latest()).note),
        entry: file('42.json', entries[0]!.entry),
        wrongEntry: file('43.json', entries[1]!.entry),
        vkey: integrator.identity.verifierKey,
      };
    } finally {
      await store.close();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('checks an offline proof with no database, and names a wrong entry as PROOF_INVALID', () => {
    const ok = keyhole('verify', '--proof', files.proof, '--checkpoint', files.checkpoint, '--vkey', files.vkey, '--entry', files.entry);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /proof OK: entry 42 is in the tree of 90 entries signed by keyhole\.example\/log/);
    const vkeyFile = file('vkey', `${files.vkey}\n`);
    const bad = keyhole('verify', '--proof', files.proof, '--checkpoint', files.checkpoint, '--vkey', vkeyFile, '--entry', files.wrongEntry);
    assert.equal(bad.code, ERROR_CATALOG.PROOF_INVALID.exit, bad.err);
    assert.match(bad.err, /PROOF_INVALID/);
  });

  it('exits LOG_VERIFY_FAILED naming the entry a DBA changed (test/cli.test.ts runs it on a good log)', async () => {
    const store = await openStore({ dataDir: path.join(dir, 'data') });
    try {
      await sql`alter table audit_log disable trigger user`.execute(store.db);
      await sql`update audit_log set entry = replace(entry, '"allow"', '"deny"') where seq = 61`.execute(store.db);
    } finally {
      await store.close();
    }
    const bad = keyhole('verify', '--data-dir', path.join(dir, 'data'));
    assert.equal(bad.code, FAILED, bad.err + bad.out);
    assert.match(bad.err, /audit log FAILED at index 61: entry 61 does not hash to its stored leaf hash/);
  });
});
