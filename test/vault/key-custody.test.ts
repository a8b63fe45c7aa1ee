// Key custody at start-up (issue 19): the loud warning on software keys outside demo mode, the
// readiness check `keysUsable()` (false once the provider cannot answer), and a runtime that
// refuses keys of another provider kind than the database's current KEK, closing what it opened.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createRuntime } from '../../src/server/runtime.js';
import { keysUsable, softwareKeysWarning } from '../../src/vault/key-custody.js';
import type { KeyProvider } from '../../src/vault/key-provider.js';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import { FileKeyProvider } from '../../src/vault/file-key-provider.js';
import { code, tempDir } from './helpers.js';

describe('key custody', () => {
  it('warns loudly on software keys outside demo mode only', async () => {
    const master = new MasterKeyProvider(randomBytes(32));
    assert.match(softwareKeysWarning(master, false) ?? '', /WARNING: running on SOFTWARE keys \(master provider\).*KEYHOLE_KEYS=pkcs11/);
    assert.equal(softwareKeysWarning(master, true), undefined);
    const hardware = { ...master, software: false, kind: 'pkcs11' } as unknown as KeyProvider;
    assert.equal(softwareKeysWarning(hardware, false), undefined);
  });

  it('keysUsable is true while the provider answers and false when it does not (never throws)', async () => {
    assert.equal(await keysUsable(new MasterKeyProvider(randomBytes(32))), true);
    const down = { check: async () => { throw new Error('token gone'); } } as unknown as KeyProvider;
    assert.equal(await keysUsable(down), false);
  });

  it('a runtime exposes keysUsable(), and refuses keys of another kind than the database’s current KEK', async () => {
    const t = tempDir();
    try {
      const env = { KEYHOLE_MASTER_KEY: randomBytes(32).toString('base64') };
      const rt = await createRuntime({ dataDir: t.dir, env, integrate: false });
      assert.equal(await rt.keysUsable(), true);
      await rt.close();
      // same database without the master key: refused before any key file is written, nothing left open
      await assert.rejects(createRuntime({ dataDir: t.dir, env: {}, integrate: false }), code('KEY_UNAVAILABLE'));
      assert.equal(existsSync(path.join(t.dir, 'keys.json')), false);
      // a key file that exists (another provider kind than the database's current KEK): refused too
      await FileKeyProvider.open(t.dir);
      await assert.rejects(createRuntime({ dataDir: t.dir, env: {}, integrate: false }), code('KEY_UNAVAILABLE'));
      const again = await createRuntime({ dataDir: t.dir, env, integrate: false }); // the store was closed: no STORE_LOCKED
      await again.close();
    } finally {
      t.rm();
    }
  });
});
