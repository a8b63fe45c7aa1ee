// The PKCS#11 key provider on a throwaway SoftHSM2 token (issue 19): the shared provider suite,
// every private and secret key sensitive and non-extractable, `keys init` idempotent, bad input
// refused with stable codes (wrong PIN, missing module, unknown token, token without keys,
// extractable key, PIN file too open), a lost session re-opened without a restart, and the vault
// (write, read, rotate, re-wrap, retire) on the token.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { acquireModule, findSlot, listTokenObjects, Pkcs11KeyProvider, pkcs11ConfigFromEnv, releaseModule } from '../../src/vault/pkcs11-key-provider.js';
import { Vault } from '../../src/vault/vault.js';
import { keysUsable } from '../../src/vault/key-custody.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { currentKekId, kekStatus, retireKek, rotateCurrentKek } from '../../src/vault/kek-state.js';
import { DATABASES } from '../support/databases.js';
import { SOFTHSM_MODULE, softhsmTokens, TEST_PIN, type SoftHsmTokens } from '../support/softhsm.js';
import { code, insertCustomer } from './helpers.js';
import { providerSuite } from './support/provider-suite.js';
import pkcs11default from 'pkcs11js';

const skip = SOFTHSM_MODULE ? false : 'SoftHSM2 is not installed (apt-get install softhsm2)';
const LABELS = ['kh-suite', 'kh-empty', 'kh-pin', 'kh-extract', 'kh-vault', 'kh-lost'];
let hsm: SoftHsmTokens;
if (!skip) hsm = softhsmTokens(LABELS);
after(() => hsm?.rm());

/** Runs `fn` on a session of our own on `label` (logged in), through the shared module. */
function withOwnSession<T>(label: string, fn: (lib: ReturnType<typeof acquireModule>, session: Buffer, slot: Buffer) => T): T {
  const lib = acquireModule(SOFTHSM_MODULE as string);
  try {
    const slot = findSlot(lib, label);
    const session = lib.C_OpenSession(slot, pkcs11default.CKF_SERIAL_SESSION | pkcs11default.CKF_RW_SESSION);
    try {
      try {
        lib.C_Login(session, pkcs11default.CKU_USER, TEST_PIN);
      } catch (e) {
        if ((e as { code?: number }).code !== pkcs11default.CKR_USER_ALREADY_LOGGED_IN) throw e;
      }
      return fn(lib, session, slot);
    } finally {
      try {
        lib.C_CloseSession(session);
      } catch {
        // closed by the test
      }
    }
  } finally {
    releaseModule(SOFTHSM_MODULE as string);
  }
}

describe('the provider suite on the PKCS#11 provider (SoftHSM2)', { skip }, () => {
  before(async () => {
    const r = await Pkcs11KeyProvider.init(hsm.config('kh-suite'));
    assert.deepEqual([...r.created].sort(), ['keyhole-blind-index', 'keyhole-checkpoint', 'keyhole-evidence', 'keyhole-kek-1']);
  });
  providerSuite({ kind: 'pkcs11', open: () => Pkcs11KeyProvider.open(hsm.config('kh-suite')) });

  it('keeps every private and secret key on the token sensitive and not extractable; init is idempotent', async () => {
    assert.deepEqual((await Pkcs11KeyProvider.init(hsm.config('kh-suite'))).created, []);
    const objects = withOwnSession('kh-suite', (lib, session) => listTokenObjects(lib, session));
    const secrets = objects.filter((o) => o.class === 'secret' || o.class === 'private');
    assert.ok(secrets.length >= 4, JSON.stringify(objects));
    for (const o of secrets) {
      assert.equal(o.sensitive, true, `${o.label} CKA_SENSITIVE`);
      assert.equal(o.extractable, false, `${o.label} CKA_EXTRACTABLE`);
    }
    const labels = objects.map((o) => `${o.class}:${o.label}`);
    for (const want of ['secret:keyhole-kek-1', 'secret:keyhole-blind-index', 'private:keyhole-checkpoint', 'public:keyhole-checkpoint', 'private:keyhole-evidence', 'public:keyhole-evidence']) {
      assert.ok(labels.includes(want), want);
    }
    // the token refuses to hand out a secret value
    withOwnSession('kh-suite', (lib, session) => {
      const h = lib.C_FindObjectsInit(session, [{ type: pkcs11default.CKA_LABEL, value: 'keyhole-blind-index' }]);
      void h;
      const [key] = lib.C_FindObjects(session, 1);
      lib.C_FindObjectsFinal(session);
      assert.throws(() => lib.C_GetAttributeValue(session, key as Buffer, [{ type: pkcs11default.CKA_VALUE }]), /CKR_ATTRIBUTE_SENSITIVE/);
    });
  });
});

describe('the PKCS#11 provider refuses bad input with stable codes', { skip }, () => {
  it('a wrong PIN: HSM_LOGIN_FAILED (the PIN is not in the message)', async () => {
    await assert.rejects(Pkcs11KeyProvider.open(hsm.config('kh-pin', '999999')), (e: unknown) => code('HSM_LOGIN_FAILED')(e) && !(e as Error).message.includes('999999'));
  });

  it('a missing module: HSM_MODULE_MISSING; an unknown token: HSM_TOKEN_NOT_FOUND', async () => {
    await assert.rejects(Pkcs11KeyProvider.open({ ...hsm.config('kh-suite'), module: path.join(hsm.dir, 'no-such-module.so') }), code('HSM_MODULE_MISSING'));
    await assert.rejects(Pkcs11KeyProvider.open(hsm.config('kh-nowhere')), code('HSM_TOKEN_NOT_FOUND'));
  });

  it('a token without the keys: HSM_KEYS_MISSING, and nothing is created on it', async () => {
    await assert.rejects(Pkcs11KeyProvider.open(hsm.config('kh-empty')), code('HSM_KEYS_MISSING'));
    assert.deepEqual(withOwnSession('kh-empty', (lib, session) => listTokenObjects(lib, session)), []);
  });

  it('an extractable or non-sensitive key on the token: HSM_KEY_EXTRACTABLE', async () => {
    await Pkcs11KeyProvider.init(hsm.config('kh-extract'));
    await Pkcs11KeyProvider.open(hsm.config('kh-extract')).then((p) => p.close());
    withOwnSession('kh-extract', (lib, session) => {
      lib.C_GenerateKey(session, { mechanism: pkcs11default.CKM_AES_KEY_GEN }, [
        { type: pkcs11default.CKA_CLASS, value: pkcs11default.CKO_SECRET_KEY }, { type: pkcs11default.CKA_KEY_TYPE, value: pkcs11default.CKK_AES },
        { type: pkcs11default.CKA_VALUE_LEN, value: 32 }, { type: pkcs11default.CKA_TOKEN, value: true }, { type: pkcs11default.CKA_LABEL, value: 'keyhole-kek-2' },
        { type: pkcs11default.CKA_SENSITIVE, value: false }, { type: pkcs11default.CKA_EXTRACTABLE, value: true },
        { type: pkcs11default.CKA_ENCRYPT, value: true }, { type: pkcs11default.CKA_DECRYPT, value: true },
      ]);
    });
    await assert.rejects(Pkcs11KeyProvider.open(hsm.config('kh-extract')), code('HSM_KEY_EXTRACTABLE'));
  });

  it('reads the PIN from KEYHOLE_PKCS11_PIN_FILE (0600 only); refuses missing settings and both PIN sources', async () => {
    const file = path.join(hsm.dir, 'pin');
    writeFileSync(file, `${TEST_PIN}\n`, { mode: 0o600 });
    const base = { KEYHOLE_PKCS11_MODULE: SOFTHSM_MODULE, KEYHOLE_PKCS11_TOKEN_LABEL: 'kh-suite' };
    assert.equal((await pkcs11ConfigFromEnv({ ...base, KEYHOLE_PKCS11_PIN_FILE: file })).pin, TEST_PIN);
    chmodSync(file, 0o644);
    await assert.rejects(pkcs11ConfigFromEnv({ ...base, KEYHOLE_PKCS11_PIN_FILE: file }), code('KEY_UNAVAILABLE'));
    await assert.rejects(pkcs11ConfigFromEnv({ ...base, KEYHOLE_PKCS11_PIN_FILE: path.join(hsm.dir, 'none') }), code('KEY_UNAVAILABLE'));
    await assert.rejects(pkcs11ConfigFromEnv({ ...base, KEYHOLE_PKCS11_PIN: TEST_PIN, KEYHOLE_PKCS11_PIN_FILE: file }), code('KEY_UNAVAILABLE'));
    await assert.rejects(pkcs11ConfigFromEnv({ ...base }), code('KEY_UNAVAILABLE'));
    await assert.rejects(pkcs11ConfigFromEnv({ KEYHOLE_PKCS11_TOKEN_LABEL: 'x', KEYHOLE_PKCS11_PIN: '1' }), code('KEY_UNAVAILABLE'));
    await assert.rejects(pkcs11ConfigFromEnv({ KEYHOLE_PKCS11_MODULE: 'x', KEYHOLE_PKCS11_PIN: '1' }), code('KEY_UNAVAILABLE'));
  });
});

describe('a lost PKCS#11 session', { skip }, () => {
  it('is re-opened and logged in again on the next operation, without a restart', async () => {
    await Pkcs11KeyProvider.init(hsm.config('kh-lost'));
    const p = await Pkcs11KeyProvider.open(hsm.config('kh-lost'));
    try {
      const msg = Buffer.from('email\u0000a@b.example');
      const before = Buffer.from(await p.blindIndex(msg)).toString('hex');
      const signer = await p.signer('checkpoint');
      withOwnSession('kh-lost', (lib, _session, slot) => lib.C_CloseAllSessions(slot)); // every session of this process, logged out
      assert.equal(Buffer.from(await p.blindIndex(msg)).toString('hex'), before);
      withOwnSession('kh-lost', (lib, _session, slot) => lib.C_CloseAllSessions(slot));
      assert.equal(signer.sign(msg).length, 64);
      withOwnSession('kh-lost', (lib, _session, slot) => lib.C_CloseAllSessions(slot));
      await p.check();
    } finally {
      await p.close();
    }
    await assert.rejects(p.check(), code('HSM_UNAVAILABLE')); // closed
  });
});

describe('an unreachable HSM', { skip }, () => {
  it('makes keysUsable() false and operations fail with HSM codes; once it is back, the same provider recovers', async () => {
    await Pkcs11KeyProvider.init(hsm.config('kh-lost'));
    const p = await Pkcs11KeyProvider.open(hsm.config('kh-lost'));
    const tokens = path.join(hsm.dir, 'tokens');
    const away = path.join(hsm.dir, 'tokens.away');
    const restart = () => { // the module forgets everything, as after an HSM or library restart
      const lib = acquireModule(SOFTHSM_MODULE as string);
      try {
        lib.C_Finalize();
      } catch {
        // not initialized: the provider's last re-initialization found no token directory
      } finally {
        releaseModule(SOFTHSM_MODULE as string);
      }
    };
    try {
      assert.equal(await keysUsable(p), true);
      renameSync(tokens, away);
      restart();
      assert.equal(await keysUsable(p), false);
      await assert.rejects(p.blindIndex(Buffer.from('x')), (e: unknown) => isKeyholeError(e) && e.code.startsWith('HSM_'));
      renameSync(away, tokens);
      restart();
      assert.equal(await keysUsable(p), true); // re-initialized, new session, logged in: no restart of Keyhole
      assert.equal((await p.blindIndex(Buffer.from('x'))).length, 32);
    } finally {
      if (existsSync(away)) renameSync(away, tokens);
      await p.close();
    }
  });
});

for (const backend of DATABASES) {
  describe(`the vault on the PKCS#11 provider, ${backend.name}`, { skip }, () => {
    let db: Kysely<any>;
    let cleanup: () => Promise<void>;
    let keys: Pkcs11KeyProvider;
    before(async () => {
      await Pkcs11KeyProvider.init(hsm.config('kh-vault'));
      keys = await Pkcs11KeyProvider.open(hsm.config('kh-vault'));
      const o = await backend.open();
      db = o.store.db;
      cleanup = o.cleanup;
    });
    after(async () => {
      await cleanup?.();
      await keys?.close();
    });

    it('writes, reads, finds by blind index, rotates, re-wraps and retires the old KEK', async () => {
      const vault = new Vault(keys);
      await vault.checkKeys(db);
      const start = await currentKekId(db as never, keys);
      for (const id of ['h-1', 'h-2', 'h-3']) {
        await insertCustomer(db, id);
        await vault.writeFields(db, id, { email: `${id}@hsm.example` });
        await vault.writeBlindIndex(db, id, 'email', `${id}@hsm.example`);
      }
      assert.deepEqual(await vault.findByBlindIndex(db, 'email', 'h-2@hsm.example'), ['h-2']);
      const { from, to } = await db.transaction().execute((trx) => rotateCurrentKek(trx as never, keys, new Date()));
      assert.equal(from, start);
      assert.notEqual(to, from);
      // between rotation and re-wrap everything stays readable
      assert.equal((await new Vault(keys).readFields(db, 'h-1', ['email'])).get('email'), 'h-1@hsm.example');
      await assert.rejects(db.transaction().execute((trx) => retireKek(trx as never, keys, from, new Date())), code('KEK_IN_USE'));
      assert.equal((await vault.rotateKek(db, { batchSize: 2 })).rewrapped, 3);
      const status = await kekStatus(db as never, keys);
      assert.deepEqual(status.map((s) => [s.kekId, s.state, s.dataKeys]), [[from, 'previous', 0], [to, 'current', 3]]);
      await assert.rejects(db.transaction().execute((trx) => retireKek(trx as never, keys, to, new Date())), code('KEK_IN_USE'));
      assert.deepEqual(await db.transaction().execute((trx) => retireKek(trx as never, keys, from, new Date())), { destroyed: true });
      assert.ok(!(await keys.kekIds()).includes(from));
      const fresh = new Vault(keys);
      for (const id of ['h-1', 'h-2', 'h-3']) assert.equal((await fresh.readFields(db, id, ['email'])).get('email'), `${id}@hsm.example`);
      const rows = await sql<{ state: string }>`select state from kek_versions where kek_id = ${from}`.execute(db);
      assert.equal(rows.rows[0]?.state, 'retired');
      // the next rotation on the same token makes yet another version (never re-targets one)
      const again = await db.transaction().execute((trx) => rotateCurrentKek(trx as never, keys, new Date()));
      assert.notEqual(again.to, to);
      await vault.rotateKek(db);
      await db.transaction().execute((trx) => retireKek(trx as never, keys, to, new Date()));
    });
  });
}
