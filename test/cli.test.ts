// The keyhole command as a user runs it: seed, tokens, key rotation, erasure, verify, and the
// data-directory lock across processes.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const BIN = path.resolve('bin/keyhole.js');
const env = { ...process.env, DATABASE_URL: '', KEYHOLE_MASTER_KEY: '' };

function keyhole(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('keyhole CLI on an embedded data directory', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'keyhole-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('seeds deterministically and creates the key file with mode 0600', () => {
    const r = keyhole('seed', '--data-dir', dir, '--customers', '30', '--agents', '6', '--tickets', '20', '--seed', '3');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /seeded 30 customers, \d+ staff, 20 tickets/);
    assert.equal(statSync(path.join(dir, 'keys.json')).mode & 0o777, 0o600);
    const again = keyhole('seed', '--data-dir', dir, '--customers', '30');
    assert.notEqual(again.code, 0);
  });

  it('creates an API token, rotates the key-encryption key, erases a customer and verifies', () => {
    const token = keyhole('tokens', 'create', '--data-dir', dir, '--agent', 'agt_001');
    assert.equal(token.code, 0, token.err);
    assert.match(token.out.trim(), /^kh_[A-Za-z0-9_-]{40,}$/);
    assert.equal(keyhole('tokens', 'create', '--data-dir', dir, '--agent', 'nobody').code, 4);
    const rot = keyhole('keys', 'rotate', '--data-dir', dir);
    assert.equal(rot.code, 0, rot.err);
    assert.match(rot.out, /re-wrapped 30 data keys/);
    const noReason = keyhole('erase-customer', '--data-dir', dir, '--by', 'sec_01', 'cus_000001');
    assert.equal(noReason.code, 2, noReason.err);
    assert.match(noReason.err, /REASON_REQUIRED/);
    const erase = keyhole('erase-customer', '--data-dir', dir, '--by', 'sec_01', '--reason', 'GDPR Art. 17 request #1', 'cus_000001');
    assert.equal(erase.code, 0, erase.err);
    assert.match(erase.out, /recorded on the log as customer_erase/);
    const verify = keyhole('verify', '--data-dir', dir);
    assert.equal(verify.code, 0, verify.err + verify.out);
  });

  it('refuses a second process on the same data directory (STORE_LOCKED, exit 7)', async () => {
    const server = spawn(process.execPath, [BIN, 'serve', '--data-dir', dir, '--port', '0'], { env });
    try {
      await new Promise<void>((resolve, reject) => {
        server.stdout.on('data', (d: Buffer) => d.toString().includes('serving') && resolve());
        server.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      const r = keyhole('verify', '--data-dir', dir);
      assert.equal(r.code, 7, r.err);
      assert.match(r.err, /STORE_LOCKED/);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  });
});
