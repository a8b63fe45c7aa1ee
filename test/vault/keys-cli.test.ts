// `keyhole keys …` as an operator runs it (issue 19): rotating twice makes two new versions and
// says which is current, a rotation can be resumed, an old version is retired only once nothing
// references it, every key operation is a record on the log, and a server refusing to start
// leaves no stray key file. Then the same on a throwaway SoftHSM2 token (KEYHOLE_KEYS=pkcs11).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openStore } from '../../src/store/store.js';
import { SOFTHSM_MODULE, softhsmTokens, type SoftHsmTokens } from '../support/softhsm.js';

const BIN = path.resolve('bin/keyhole.js');
const baseEnv = { ...process.env, DATABASE_URL: '', KEYHOLE_MASTER_KEY: '', KEYHOLE_KEYS: '', KEYHOLE_DEMO: '' };

function keyhole(env: Record<string, string | undefined>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...baseEnv, ...env }, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The key records on the log of the data directory `dir` (pending or integrated). */
async function keyRecords(dir: string): Promise<{ action: string; agentId: string | null; details: Record<string, unknown> }[]> {
  const store = await openStore({ dataDir: dir });
  try {
    const r = await sql<{ entry: string }>`select entry::text as entry from audit_pending union all select entry::text from audit_log`.execute(store.db);
    return r.rows.map((x) => JSON.parse(x.entry)).filter((e) => String(e.action).startsWith('key_'))
      .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  } finally {
    await store.close();
  }
}

function status(env: Record<string, string | undefined>, dir: string): { provider: string; software: boolean; keks: { kekId: string; state: string; dataKeys: number }[] } {
  const r = keyhole(env, 'keys', 'status', '--json', '--data-dir', dir);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

describe('keyhole keys on the key file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'keyhole-keys-'));
    const seed = keyhole({}, 'seed', '--data-dir', dir, '--customers', '12', '--agents', '4', '--tickets', '4');
    assert.equal(seed.code, 0, seed.err);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('rotates to a new version each time, prints it, resumes, retires only unreferenced versions, all on the record', async () => {
    assert.deepEqual(status({}, dir).keks.map((k) => [k.kekId, k.state, k.dataKeys]), [['file:1', 'current', 12]]);
    const first = keyhole({}, 'keys', 'rotate', '--by', 'sec_007', '--data-dir', dir);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /KEK file:2 is now current for every server \(was file:1\); 12 data keys to re-wrap/);
    assert.match(first.out, /re-wrapped 12 data keys under file:2/);
    assert.match(first.out, /unreferenced now: file:1/);
    // the second rotation with the same environment is a new version, never the same KEK again
    const second = keyhole({}, 'keys', 'rotate', '--no-rewrap', '--data-dir', dir);
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /KEK file:3 is now current for every server \(was file:2\); 12 data keys to re-wrap/);
    assert.deepEqual(status({}, dir).keks.map((k) => [k.kekId, k.state, k.dataKeys]), [['file:1', 'previous', 0], ['file:2', 'previous', 12], ['file:3', 'current', 0]]);
    const inUse = keyhole({}, 'keys', 'retire', 'file:2', '--data-dir', dir);
    assert.equal(inUse.code, 5, inUse.err);
    assert.match(inUse.err, /KEK_IN_USE: 12 data keys are still wrapped under KEK file:2/);
    const resumed = keyhole({}, 'keys', 'rewrap', '--batch-size', '5', '--data-dir', dir);
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(resumed.out, /re-wrapped 12 data keys under file:3/);
    assert.match(keyhole({}, 'keys', 'rewrap', '--data-dir', dir).out, /re-wrapped 0 data keys/);
    for (const id of ['file:1', 'file:2']) {
      const r = keyhole({}, 'keys', 'retire', id, '--by', 'sec_007', '--data-dir', dir);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`KEK ${id} retired and destroyed`));
    }
    assert.equal(keyhole({}, 'keys', 'retire', 'file:3', '--data-dir', dir).code, 5);
    assert.equal(keyhole({}, 'keys', 'retire', 'file:1', '--data-dir', dir).code, 5); // CONFLICT: already retired
    assert.equal(keyhole({}, 'keys', 'retire', 'file:9', '--data-dir', dir).code, 4);
    assert.deepEqual(status({}, dir).keks.map((k) => [k.kekId, k.state, k.dataKeys]), [['file:1', 'retired', 0], ['file:2', 'retired', 0], ['file:3', 'current', 12]]);
    // still readable: verify walks the log, erase and seed-level reads work
    const verify = keyhole({}, 'verify', '--data-dir', dir);
    assert.equal(verify.code, 0, verify.err + verify.out);

    const records = await keyRecords(dir);
    const summary = records.map((r) => [r.action, r.details.fromVersion ?? r.details.version ?? r.details.toVersion, r.agentId]);
    assert.deepEqual(summary, [
      ['key_rotate', 'file:1', 'sec_007'], ['key_rewrap', 'file:2', 'sec_007'], ['key_rotate', 'file:2', null], ['key_rewrap', 'file:3', null],
      ['key_retire', 'file:1', 'sec_007'], ['key_retire', 'file:2', 'sec_007'],
    ]);
    assert.equal(records[0]!.details.toVersion, 'file:2');
    assert.equal(records[0]!.details.dataKeysToRewrap, 12);
    assert.equal(records[1]!.details.rewrapped, 12);
    assert.match(String(records[2]!.details.actor), /^os:/);
    for (const r of records) assert.ok(!JSON.stringify(r).match(/[A-Za-z0-9+/]{43}=/), 'no key material on the log');
  });

  it('a server that refuses to start on a database set up with other keys leaves no key file behind', () => {
    const other = mkdtempSync(path.join(tmpdir(), 'keyhole-keys-'));
    try {
      const master = Buffer.alloc(32, 7).toString('base64');
      const seeded = keyhole({ KEYHOLE_MASTER_KEY: master }, 'seed', '--data-dir', other, '--customers', '3', '--agents', '2', '--tickets', '1');
      assert.equal(seeded.code, 0, seeded.err);
      assert.ok(!existsSync(path.join(other, 'keys.json')));
      const r = keyhole({}, 'keys', 'status', '--data-dir', other);
      assert.equal(r.code, 8, r.err);
      assert.match(r.err, /KEY_UNAVAILABLE/);
      assert.ok(!readdirSync(other).includes('keys.json'), 'no stray key file');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

const skip = SOFTHSM_MODULE ? false : 'SoftHSM2 is not installed (apt-get install softhsm2)';

describe('keyhole keys on a SoftHSM2 token (KEYHOLE_KEYS=pkcs11)', { skip }, () => {
  let hsm: SoftHsmTokens;
  let dir: string;
  before(() => {
    hsm = softhsmTokens(['kh-cli']);
    dir = mkdtempSync(path.join(tmpdir(), 'keyhole-keys-hsm-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    hsm?.rm();
  });

  it('refuses to start before keys init (HSM_KEYS_MISSING), then inits on the token, seeds, rotates and retires', async () => {
    const env = hsm.env('kh-cli');
    const before = keyhole(env, 'seed', '--data-dir', dir, '--customers', '5', '--agents', '2', '--tickets', '2');
    assert.equal(before.code, 8, before.err);
    assert.match(before.err, /HSM_KEYS_MISSING/);
    assert.ok(!existsSync(path.join(dir, 'keys.json')));
    assert.equal(keyhole({ ...env, KEYHOLE_PKCS11_PIN: '000000' }, 'keys', 'init', '--data-dir', dir).code, 8);
    const init = keyhole(env, 'keys', 'init', '--by', 'sec_001', '--data-dir', dir);
    assert.equal(init.code, 0, init.err);
    assert.match(init.out, /generated on the token: keyhole-kek-1, keyhole-blind-index, keyhole-checkpoint, keyhole-evidence/);
    assert.match(init.out, /current KEK: pkcs11:1/);
    assert.match(keyhole(env, 'keys', 'init', '--data-dir', dir).out, /holds every key already/);
    const seed = keyhole(env, 'seed', '--data-dir', dir, '--customers', '5', '--agents', '2', '--tickets', '2');
    assert.equal(seed.code, 0, seed.err);
    const s = status(env, dir);
    assert.equal(s.provider, 'pkcs11');
    assert.equal(s.software, false);
    assert.deepEqual(s.keks.map((k) => [k.kekId, k.state, k.dataKeys]), [['pkcs11:1', 'current', 5]]);
    const rot = keyhole(env, 'keys', 'rotate', '--data-dir', dir);
    assert.equal(rot.code, 0, rot.err);
    assert.match(rot.out, /KEK pkcs11:2 is now current/);
    assert.match(rot.out, /re-wrapped 5 data keys under pkcs11:2/);
    assert.equal(keyhole(env, 'keys', 'retire', 'pkcs11:1', '--data-dir', dir).code, 0);
    const verify = keyhole(env, 'verify', '--data-dir', dir);
    assert.equal(verify.code, 0, verify.err + verify.out);
    assert.deepEqual((await keyRecords(dir)).map((r) => r.action), ['key_init', 'key_init', 'key_rotate', 'key_rewrap', 'key_retire']);
  });
});
