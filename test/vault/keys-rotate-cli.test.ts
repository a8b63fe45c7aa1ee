// `keyhole keys rotate --blind-index | --signing`, `keys reindex` and `keys retire
// checkpoint:<n>` as an operator runs them (issue 19), on the key file and on a throwaway
// SoftHSM2 token: the new version is printed and current for every server, a second blind-index
// rotation before the first finished is refused, the re-index resumes and retires the old
// version, the signing rotation lists both keys until the overlap ends and the old key cannot be
// retired before, `keys status` shows it all, `keyhole verify` passes, every step is on the log,
// and every new key on the token is sensitive and non-extractable.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openStore } from '../../src/store/store.js';
import { Pkcs11KeyProvider } from '../../src/vault/pkcs11-key-provider.js';
import { SOFTHSM_MODULE, softhsmTokens, type SoftHsmTokens } from '../support/softhsm.js';

const BIN = path.resolve('bin/keyhole.js');
const baseEnv = { ...process.env, DATABASE_URL: '', KEYHOLE_MASTER_KEY: '', KEYHOLE_KEYS: '', KEYHOLE_DEMO: '' };

function keyhole(env: Record<string, string | undefined>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...baseEnv, ...env }, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

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

interface Status {
  blindIndexKey: { version: number; toReindex: number; versions: { version: number; state: string; references: number }[] };
  checkpointKey: { verifierKeys: string[]; versions: { version: number; state: string; overlapUntil: string | null }[] };
}

function status(env: Record<string, string | undefined>, dir: string): Status {
  const r = keyhole(env, 'keys', 'status', '--json', '--data-dir', dir);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

/** The whole operator flow on `env`; returns the number of blind indexes re-indexed. */
async function rotateBoth(env: Record<string, string | undefined>, dir: string): Promise<void> {
  const s0 = status(env, dir);
  assert.equal(s0.blindIndexKey.version, 1);
  const total = s0.blindIndexKey.versions[0]!.references;
  assert.ok(total > 0);
  const rot = keyhole(env, 'keys', 'rotate', '--blind-index', '--no-rewrap', '--by', 'sec_007', '--data-dir', dir);
  assert.equal(rot.code, 0, rot.err);
  assert.match(rot.out, new RegExp(`blind-index key version 2 is now current for every server \\(was 1\\); ${total} blind indexes to re-index`));
  const s1 = status(env, dir);
  assert.equal(s1.blindIndexKey.toReindex, total);
  assert.deepEqual(s1.blindIndexKey.versions.map((v) => [v.version, v.state]), [[1, 'previous'], [2, 'current']]);
  const again = keyhole(env, 'keys', 'rotate', '--blind-index', '--data-dir', dir);
  assert.equal(again.code, 5, again.err);
  assert.match(again.err, /ROTATION_IN_PROGRESS/);
  const inUse = keyhole(env, 'keys', 'retire', 'blind-index:1', '--data-dir', dir);
  assert.equal(inUse.code, 5, inUse.err);
  assert.match(inUse.err, /KEY_IN_USE/);
  const re = keyhole(env, 'keys', 'reindex', '--batch-size', '7', '--by', 'sec_007', '--data-dir', dir);
  assert.equal(re.code, 0, re.err);
  assert.match(re.out, new RegExp(`re-indexed ${total} blind indexes under version 2`));
  assert.match(re.out, /blind-index key version 1 retired and destroyed/);
  assert.match(keyhole(env, 'keys', 'reindex', '--data-dir', dir).out, /re-indexed 0 blind indexes/);
  assert.deepEqual(status(env, dir).blindIndexKey.versions.map((v) => [v.version, v.state, v.references]), [[1, 'retired', 0], [2, 'current', total]]);

  const sig = keyhole(env, 'keys', 'rotate', '--signing', '--overlap', '2', '--by', 'sec_007', '--data-dir', dir);
  assert.equal(sig.code, 0, sig.err);
  assert.match(sig.out, /checkpoint signing key version 2 is now current for every server \(was 1\)/);
  assert.match(sig.out, /new verifier key: \S+\+[0-9a-f]{8}\+\S+/);
  const s2 = status(env, dir);
  assert.equal(s2.checkpointKey.verifierKeys.length, 2);
  assert.deepEqual(s2.checkpointKey.versions.map((v) => [v.version, v.state]), [[1, 'previous'], [2, 'current']]);
  const early = keyhole(env, 'keys', 'retire', 'checkpoint:1', '--data-dir', dir);
  assert.equal(early.code, 5, early.err);
  assert.match(early.err, /KEY_IN_USE: checkpoint key version 1 signs until/);
  const verify = keyhole(env, 'verify', '--data-dir', dir);
  assert.equal(verify.code, 0, verify.err + verify.out);

  const records = (await keyRecords(dir)).filter((r) => r.details.keyId === 'blind-index' || r.details.keyId === 'checkpoint');
  assert.deepEqual(records.map((r) => [r.action, r.details.keyId, r.details.fromVersion ?? r.details.version ?? r.details.toVersion, r.agentId]), [
    ['key_rotate', 'blind-index', 1, 'sec_007'], ['key_rewrap', 'blind-index', 2, 'sec_007'], ['key_retire', 'blind-index', 1, 'sec_007'], ['key_rotate', 'checkpoint', 1, 'sec_007'],
  ]);
  assert.equal(records[1]!.details.reindexed, total);
  for (const r of records) assert.ok(!JSON.stringify(r).match(/[A-Za-z0-9+/]{43}=/), 'no key material on the log');
}

describe('keyhole keys rotate --blind-index / --signing on the key file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'keyhole-keys-bi-'));
    const seed = keyhole({}, 'seed', '--data-dir', dir, '--customers', '12', '--agents', '4', '--tickets', '4');
    assert.equal(seed.code, 0, seed.err);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('rotates the blind-index key by re-indexing and the signing key with an overlap, all on the record', async () => {
    await rotateBoth({}, dir);
  });
});

const skip = SOFTHSM_MODULE ? false : 'SoftHSM2 is not installed (apt-get install softhsm2)';

describe('keyhole keys rotate --blind-index / --signing on a SoftHSM2 token', { skip }, () => {
  let hsm: SoftHsmTokens;
  let dir: string;
  before(() => {
    hsm = softhsmTokens(['kh-cli-rot']);
    dir = mkdtempSync(path.join(tmpdir(), 'keyhole-keys-bi-hsm-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    hsm?.rm();
  });

  it('rotates both keys on the token; the new keys are sensitive and non-extractable, the old ones destroyed', async () => {
    const env = hsm.env('kh-cli-rot');
    assert.equal(keyhole(env, 'keys', 'init', '--data-dir', dir).code, 0);
    const seed = keyhole(env, 'seed', '--data-dir', dir, '--customers', '6', '--agents', '2', '--tickets', '2');
    assert.equal(seed.code, 0, seed.err);
    await rotateBoth(env, dir);
    const p = await Pkcs11KeyProvider.open(hsm.config('kh-cli-rot'));
    try {
      const objects = await p.objects();
      const labels = objects.map((o) => `${o.class}:${o.label}`).sort();
      assert.ok(labels.includes('secret:keyhole-blind-index-v2'));
      assert.ok(!labels.includes('secret:keyhole-blind-index'), 'version 1 destroyed');
      assert.ok(labels.includes('private:keyhole-checkpoint-v2') && labels.includes('public:keyhole-checkpoint-v2'));
      assert.ok(labels.includes('private:keyhole-checkpoint'), 'the old signing key signs until the overlap ends');
      for (const o of objects) {
        if (o.class === 'secret' || o.class === 'private') assert.deepEqual([o.label, o.sensitive, o.extractable], [o.label, true, false]);
      }
    } finally {
      await p.close();
    }
    // a restart on the token after the rotation (version 1 of the blind-index key gone) still starts
    const after = keyhole(env, 'keys', 'status', '--data-dir', dir);
    assert.equal(after.code, 0, after.err);
  });
});
