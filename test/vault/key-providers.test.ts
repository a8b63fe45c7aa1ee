import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dataKeyAad } from '../../src/vault/envelope.js';
import { FileKeyProvider, KEY_FILE_NAME } from '../../src/vault/file-key-provider.js';
import { keyProviderFromEnv, type KeyProvider } from '../../src/vault/key-provider.js';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import { code, tempDir } from './helpers.js';

const aad = dataKeyAad('c1', 1);

async function roundTrip(p: KeyProvider): Promise<void> {
  const dk = randomBytes(32);
  const w = await p.wrap(dk, aad);
  assert.equal(w.kekId, p.currentKekId);
  assert.deepEqual(Buffer.from(await p.unwrap(w.kekId, w.wrapped, aad)), dk);
  await assert.rejects(p.unwrap(w.kekId, w.wrapped, dataKeyAad('c2', 1)), code('DECRYPT_FAILED'));
}

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
      assert.equal(a.currentKekId, 'file:1');
      await roundTrip(a);
      const b = await FileKeyProvider.open(dir);
      assert.deepEqual(Buffer.from(await b.blindIndexKey()), Buffer.from(await a.blindIndexKey()));
      assert.deepEqual(Buffer.from(await b.logSigningSeed()), Buffer.from(await a.logSigningSeed()));
      assert.equal((await a.logSigningSeed()).length, 32);
      assert.notDeepEqual(Buffer.from(await a.logSigningSeed()), Buffer.from(await a.blindIndexKey()));
      const w = await a.wrap(randomBytes(32), aad);
      await b.unwrap(w.kekId, w.wrapped, aad);
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

  it('rotate() appends a KEK, persists it, keeps the old one until dropped; the current one cannot be dropped', async () => {
    const t = tempDir();
    try {
      const p = await FileKeyProvider.open(t.dir);
      const index = Buffer.from(await p.blindIndexKey());
      const old = await p.wrap(randomBytes(32), aad);
      assert.equal(await p.rotate(), 'file:2');
      assert.equal(p.currentKekId, 'file:2');
      assert.equal(statSync(p.path).mode & 0o777, 0o600);
      const reloaded = await FileKeyProvider.open(t.dir);
      assert.equal(reloaded.currentKekId, 'file:2');
      assert.deepEqual(reloaded.kekIds, ['file:1', 'file:2']);
      assert.deepEqual(Buffer.from(await reloaded.blindIndexKey()), index);
      await reloaded.unwrap(old.kekId, old.wrapped, aad);
      await assert.rejects(reloaded.dropKek('file:2'), code('CONFLICT'));
      assert.equal(await reloaded.dropKek('file:1'), true);
      assert.equal(await reloaded.dropKek('file:1'), false);
      const after = await FileKeyProvider.open(t.dir);
      await assert.rejects(after.unwrap(old.kekId, old.wrapped, aad), code('KEY_UNAVAILABLE'));
      assert.equal(await after.rotate(), 'file:3');
    } finally {
      t.rm();
    }
  });
});

describe('MasterKeyProvider', () => {
  it('derives distinct KEKs, index key and signing seed, deterministically from the master key', async () => {
    const master = randomBytes(32);
    const a = new MasterKeyProvider(master);
    const b = MasterKeyProvider.fromBase64(master.toString('base64'));
    await roundTrip(a);
    const w = await a.wrap(randomBytes(32), aad);
    await b.unwrap(w.kekId, w.wrapped, aad);
    assert.deepEqual(Buffer.from(await a.blindIndexKey()), Buffer.from(await b.blindIndexKey()));
    assert.deepEqual(Buffer.from(await a.logSigningSeed()), Buffer.from(await b.logSigningSeed()));
    assert.notDeepEqual(Buffer.from(await a.blindIndexKey()), Buffer.from(await a.logSigningSeed()));
    assert.notDeepEqual(Buffer.from(await a.blindIndexKey()), master);
    const other = new MasterKeyProvider(randomBytes(32));
    await assert.rejects(other.unwrap(w.kekId, w.wrapped, aad), code('DECRYPT_FAILED'));
  });

  it('rotate() moves to the next derived version; every version still unwraps; index key is stable', async () => {
    const master = randomBytes(32);
    const p = new MasterKeyProvider(master);
    const w1 = await p.wrap(randomBytes(32), aad);
    const index = Buffer.from(await p.blindIndexKey());
    assert.equal(await p.rotate(), 'master:2');
    const w2 = await p.wrap(randomBytes(32), aad);
    assert.equal(w2.kekId, 'master:2');
    await p.unwrap(w1.kekId, w1.wrapped, aad);
    assert.deepEqual(Buffer.from(await p.blindIndexKey()), index);
    // the two versions are different keys
    await assert.rejects(p.unwrap('master:2', w1.wrapped, aad), code('DECRYPT_FAILED'));
    await assert.rejects(p.unwrap('file:1', w1.wrapped, aad), code('KEY_UNAVAILABLE'));
    assert.equal(new MasterKeyProvider(master, { currentVersion: 2 }).currentKekId, 'master:2');
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
      assert.equal(p.currentKekId, 'master:3');
      assert.notDeepEqual(Buffer.from(await p.blindIndexKey()), Buffer.from(await file.blindIndexKey()));
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
    assert.equal(p.currentKekId, 'master:1');
  });
});
