import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { dataKeyAad } from '../../src/vault/envelope.js';
import { FileKeyProvider, KEY_FILE_NAME } from '../../src/vault/file-key-provider.js';
import { keyProviderFromEnv, type KeyProvider } from '../../src/vault/key-provider.js';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import { code, tempDir } from './helpers.js';
import { providerSuite } from './support/provider-suite.js';

const aad = dataKeyAad('c1', 1);

async function roundTrip(p: KeyProvider): Promise<void> {
  const dk = randomBytes(32);
  const w = await p.wrap(p.initialKekId, dk, aad);
  assert.deepEqual(Buffer.from(await p.unwrap(p.initialKekId, w, aad)), dk);
  await assert.rejects(p.unwrap(p.initialKekId, w, dataKeyAad('c2', 1)), code('DECRYPT_FAILED'));
}

const msg = Buffer.from('email\u0000a@b.example');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('the provider suite on the MasterKeyProvider', () => {
  const master = randomBytes(32);
  providerSuite({ kind: 'master', open: async () => new MasterKeyProvider(master) });
});

describe('the provider suite on the FileKeyProvider', () => {
  const t = tempDir();
  after(() => t.rm());
  providerSuite({ kind: 'file', open: () => FileKeyProvider.open(t.dir) });
});

describe('FileKeyProvider', () => {
  it('creates keys.json with mode 0600 (directory 0700) on first use and reloads the same keys', async () => {
    const t = tempDir();
    try {
      const dir = path.join(t.dir, 'data');
      const a = await FileKeyProvider.open(dir);
      const file = path.join(dir, KEY_FILE_NAME);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.deepEqual(readdirSync(dir), [KEY_FILE_NAME]); // no temporary file left behind
      assert.equal(a.initialKekId, 'file:1');
      await roundTrip(a);
      const b = await FileKeyProvider.open(dir);
      assert.equal(hex(await b.blindIndex(msg)), hex(await a.blindIndex(msg)));
      assert.equal(hex((await b.signer('checkpoint')).publicKey), hex((await a.signer('checkpoint')).publicKey));
      const w = await a.wrap('file:1', randomBytes(32), aad);
      await b.unwrap('file:1', w, aad);
    } finally {
      t.rm();
    }
  });

  it('refuses a key file readable by group or other (0644, 0640, 0604, 0620)', async () => {
    const t = tempDir();
    try {
      await FileKeyProvider.open(t.dir);
      const file = path.join(t.dir, KEY_FILE_NAME);
      for (const mode of [0o644, 0o640, 0o604, 0o620]) {
        chmodSync(file, mode);
        await assert.rejects(FileKeyProvider.open(t.dir), code('KEY_UNAVAILABLE'));
      }
      chmodSync(file, 0o600);
      await FileKeyProvider.open(t.dir);
    } finally {
      t.rm();
    }
  });

  it('refuses a malformed key file without quoting it', async () => {
    const t = tempDir();
    try {
      const file = path.join(t.dir, KEY_FILE_NAME);
      writeFileSync(file, JSON.stringify({ format: 'keyhole-keys/1', current: 'file:2', keks: { 'file:1': randomBytes(32).toString('base64') },
        blindIndexKey: randomBytes(32).toString('base64'), logSigningSeed: randomBytes(32).toString('base64') }), { mode: 0o600 });
      await assert.rejects(FileKeyProvider.open(t.dir), code('KEY_UNAVAILABLE'));
      writeFileSync(file, '{"secret-ish": ', { mode: 0o600 });
      await assert.rejects(FileKeyProvider.open(t.dir), (e: unknown) => code('KEY_UNAVAILABLE')(e) && !(e as Error).message.includes('secret-ish'));
    } finally {
      t.rm();
    }
  });

  it('createKek() appends a KEK and persists it; another process sees it without a restart; the only KEK cannot be destroyed', async () => {
    const t = tempDir();
    try {
      const p = await FileKeyProvider.open(t.dir);
      const server = await FileKeyProvider.open(t.dir); // a running server that read the file before the rotation
      const index = hex(await p.blindIndex(msg));
      const old = await p.wrap('file:1', randomBytes(32), aad);
      assert.equal(await p.createKek(2), 'file:2');
      await assert.rejects(p.createKek(2), code('CONFLICT'));
      assert.equal(statSync(p.path).mode & 0o777, 0o600);
      const w2 = await p.wrap('file:2', randomBytes(32), aad);
      await server.unwrap('file:2', w2, aad); // re-reads the file once for a KEK it does not know
      const reloaded = await FileKeyProvider.open(t.dir);
      assert.deepEqual(await reloaded.kekIds(), ['file:1', 'file:2']);
      assert.equal(hex(await reloaded.blindIndex(msg)), index);
      await reloaded.unwrap('file:1', old, aad);
      assert.equal(await reloaded.destroyKek('file:1'), true);
      assert.equal(await reloaded.destroyKek('file:1'), false);
      await assert.rejects(reloaded.destroyKek('file:2'), code('CONFLICT'));
      const afterDrop = await FileKeyProvider.open(t.dir);
      await assert.rejects(afterDrop.unwrap('file:1', old, aad), code('KEY_UNAVAILABLE'));
      assert.equal(await afterDrop.createKek(3), 'file:3');
    } finally {
      t.rm();
    }
  });

  it('does not create a key file when told not to (a database already indexed under other keys)', async () => {
    const t = tempDir();
    try {
      const dir = path.join(t.dir, 'data');
      await assert.rejects(FileKeyProvider.open(dir, { create: false }), code('KEY_UNAVAILABLE'));
      assert.equal(existsSync(dir), false);
    } finally {
      t.rm();
    }
  });
});

describe('MasterKeyProvider', () => {
  it('derives distinct KEKs, index key and signing keys, deterministically from the master key', async () => {
    const master = randomBytes(32);
    const a = new MasterKeyProvider(master);
    const b = MasterKeyProvider.fromBase64(master.toString('base64'));
    await roundTrip(a);
    const w = await a.wrap('master:1', randomBytes(32), aad);
    await b.unwrap('master:1', w, aad);
    assert.equal(hex(await a.blindIndex(msg)), hex(await b.blindIndex(msg)));
    assert.equal(hex((await a.signer('checkpoint')).publicKey), hex((await b.signer('checkpoint')).publicKey));
    const other = new MasterKeyProvider(randomBytes(32));
    await assert.rejects(other.unwrap('master:1', w, aad), code('DECRYPT_FAILED'));
    assert.notEqual(hex(await other.blindIndex(msg)), hex(await a.blindIndex(msg)));
  });

  it('every version is derivable until destroyed in this process; the index key is stable', async () => {
    const master = randomBytes(32);
    const p = new MasterKeyProvider(master);
    const w1 = await p.wrap('master:1', randomBytes(32), aad);
    const index = hex(await p.blindIndex(msg));
    assert.equal(await p.createKek(2), 'master:2');
    const w2 = await p.wrap('master:2', randomBytes(32), aad);
    await p.unwrap('master:1', w1, aad);
    await p.unwrap('master:2', w2, aad);
    assert.equal(hex(await p.blindIndex(msg)), index);
    await assert.rejects(p.unwrap('master:2', w1, aad), code('DECRYPT_FAILED'));
    await assert.rejects(p.unwrap('file:1', w1, aad), code('KEY_UNAVAILABLE'));
    assert.equal(new MasterKeyProvider(master, { currentVersion: 2 }).initialKekId, 'master:2');
  });

  it('rejects a malformed master key without echoing it', () => {
    for (const bad of ['', 'not base64!!', randomBytes(16).toString('base64'), randomBytes(33).toString('base64'), randomBytes(32).toString('base64url') + 'x']) {
      assert.throws(() => MasterKeyProvider.fromBase64(bad), (e: unknown) => code('KEY_UNAVAILABLE')(e) && (bad === '' || !(e as Error).message.includes(bad)));
    }
  });
});

describe('keyProviderFromEnv', () => {
  it('uses the key file in the data directory by default', async () => {
    const t = tempDir();
    try {
      const p = await keyProviderFromEnv({ dataDir: t.dir, env: {} });
      assert.ok(p instanceof FileKeyProvider);
      assert.ok(existsSync(path.join(t.dir, KEY_FILE_NAME)));
    } finally {
      t.rm();
    }
  });

  it('lets KEYHOLE_MASTER_KEY override an existing key file, and creates no file', async () => {
    const t = tempDir();
    try {
      const file = await keyProviderFromEnv({ dataDir: t.dir, env: {} });
      const before = readFileSync(path.join(t.dir, KEY_FILE_NAME), 'utf8');
      const master = randomBytes(32).toString('base64');
      const p = await keyProviderFromEnv({ dataDir: t.dir, env: { KEYHOLE_MASTER_KEY: master, KEYHOLE_MASTER_KEK_VERSION: '3' } });
      assert.ok(p instanceof MasterKeyProvider);
      assert.equal(p.initialKekId, 'master:3');
      assert.notEqual(hex(await p.blindIndex(msg)), hex(await file.blindIndex(msg)));
      assert.equal(readFileSync(path.join(t.dir, KEY_FILE_NAME), 'utf8'), before);
      const empty = tempDir();
      try {
        await keyProviderFromEnv({ dataDir: empty.dir, env: { KEYHOLE_MASTER_KEY: master } });
        assert.deepEqual(readdirSync(empty.dir), []);
      } finally {
        empty.rm();
      }
    } finally {
      t.rm();
    }
  });

  it('fails with KEY_UNAVAILABLE on a bad master key or version, or with nowhere to keep a key file', async () => {
    await assert.rejects(keyProviderFromEnv({ dataDir: undefined, env: {} }), code('KEY_UNAVAILABLE'));
    await assert.rejects(keyProviderFromEnv({ dataDir: undefined, env: { KEYHOLE_MASTER_KEY: 'abc' } }), code('KEY_UNAVAILABLE'));
    const master = randomBytes(32).toString('base64');
    await assert.rejects(keyProviderFromEnv({ dataDir: undefined, env: { KEYHOLE_MASTER_KEY: master, KEYHOLE_MASTER_KEK_VERSION: '0' } }), code('KEY_UNAVAILABLE'));
    const p = await keyProviderFromEnv({ dataDir: undefined, env: { KEYHOLE_MASTER_KEY: master } });
    assert.equal(p.initialKekId, 'master:1');
    await assert.rejects(keyProviderFromEnv({ dataDir: undefined, env: { KEYHOLE_KEYS: 'vault' } }), code('KEY_UNAVAILABLE'));
    await assert.rejects(keyProviderFromEnv({ dataDir: undefined, env: { KEYHOLE_KEYS: 'master' } }), code('KEY_UNAVAILABLE'));
    await assert.rejects(keyProviderFromEnv({ dataDir: undefined, env: { KEYHOLE_KEYS: 'pkcs11' } }), code('KEY_UNAVAILABLE'));
  });
});
