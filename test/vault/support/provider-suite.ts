// The provider test suite every KeyProvider passes (issue 19): wrap/unwrap with the customer id
// bound as AAD, the blind index equal across restarts, signatures that verify with the public
// vkey, new KEK versions and retirement, and no method that hands out key bytes. Run against the
// local providers (key-providers.test.ts) and the PKCS#11 one on SoftHSM2 (pkcs11.test.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { openLogIdentity } from '../../../src/audit/log-identity.js';
import { evidenceKey } from '../../../src/incident/evidence-key.js';
import { signCheckpoint, openCheckpoint } from '../../../src/shared/tlog/checkpoint.js';
import { parseVerifierKey } from '../../../src/shared/tlog/vkey.js';
import { dataKeyAad } from '../../../src/vault/envelope.js';
import type { KeyProvider } from '../../../src/vault/key-provider.js';
import { code } from '../helpers.js';

/** How the suite gets a provider: `open()` opens one on the same keys each time (a restart);
 *  `cleanup()` runs after the suite. */
export interface ProviderFixture {
  readonly kind: 'master' | 'file' | 'pkcs11';
  open(): Promise<KeyProvider>;
}

/** Registers the shared provider tests (call inside a describe). */
export function providerSuite(fx: ProviderFixture): void {
  const aad = dataKeyAad('c1', 1);

  it('wraps and unwraps a data key under the initial KEK; another customer id as AAD is refused', async () => {
    const p = await fx.open();
    try {
      const kek = p.initialKekId;
      assert.match(kek, new RegExp(`^${fx.kind}:[1-9][0-9]*$`));
      const dk = randomBytes(32);
      const w = await p.wrap(kek, dk, aad);
      assert.notDeepEqual(Buffer.from(w).subarray(13, 45), dk);
      assert.deepEqual(Buffer.from(await p.unwrap(kek, w, aad)), dk);
      await assert.rejects(p.unwrap(kek, w, dataKeyAad('c2', 1)), code('DECRYPT_FAILED'));
      await assert.rejects(p.unwrap(kek, w, dataKeyAad('c1', 2)), code('DECRYPT_FAILED'));
      const flipped = Buffer.from(w);
      flipped[flipped.length - 1]! ^= 1;
      await assert.rejects(p.unwrap(kek, flipped, aad), code('DECRYPT_FAILED'));
      await assert.rejects(p.unwrap(kek, w.subarray(0, 10), aad), code('DECRYPT_FAILED'));
      // a KEK the provider never had (a master key derives every version: it just does not open)
      await assert.rejects(p.unwrap(`${fx.kind}:999999`, w, aad), code(fx.kind === 'master' ? 'DECRYPT_FAILED' : 'KEY_UNAVAILABLE'));
      await assert.rejects(p.unwrap('other:1', w, aad), code('KEY_UNAVAILABLE'));
      // two wraps of one key differ (fresh nonce)
      assert.notDeepEqual(Buffer.from(await p.wrap(kek, dk, aad)), Buffer.from(w));
      const q = await fx.open(); // a restart still unwraps
      try {
        assert.deepEqual(Buffer.from(await q.unwrap(kek, w, aad)), dk);
      } finally {
        await q.close();
      }
    } finally {
      await p.close();
    }
  });

  it('computes the blind index as a 32-byte HMAC, equal across restarts, distinct per message', async () => {
    const p = await fx.open();
    const q = await fx.open();
    try {
      const a = await p.blindIndex(Buffer.from('email\u0000a@b.example'));
      assert.equal(a.length, 32);
      assert.deepEqual(Buffer.from(await q.blindIndex(Buffer.from('email\u0000a@b.example'))), Buffer.from(a));
      assert.notDeepEqual(Buffer.from(await p.blindIndex(Buffer.from('email\u0000b@b.example'))), Buffer.from(a));
    } finally {
      await p.close();
      await q.close();
    }
  });

  it('signs checkpoints and evidence with two distinct Ed25519 keys whose signatures verify with the public vkey', async () => {
    const p = await fx.open();
    try {
      const cp = await p.signer('checkpoint');
      const ev = await p.signer('evidence');
      assert.equal(cp.publicKey.length, 32);
      assert.notDeepEqual(Buffer.from(cp.publicKey), Buffer.from(ev.publicKey));
      const msg = randomBytes(100);
      assert.ok(ed25519.verify(cp.sign(msg), msg, cp.publicKey));
      assert.ok(ed25519.verify(ev.sign(msg), msg, ev.publicKey));
      assert.ok(!ed25519.verify(ev.sign(msg), msg, cp.publicKey));
      const id = await openLogIdentity(p, 'keyhole.test/log');
      const note = signCheckpoint({ origin: id.origin, size: 3, rootHash: randomBytes(32) }, [id.signer]);
      assert.equal(openCheckpoint(note, parseVerifierKey(id.verifierKey), id.origin).checkpoint.size, 3);
      const q = await fx.open();
      try {
        assert.equal((await openLogIdentity(q, 'keyhole.test/log')).verifierKey, id.verifierKey); // same key after a restart
        assert.equal((await evidenceKey(q, 'keyhole.test/log')).verifierKey, (await evidenceKey(p, 'keyhole.test/log')).verifierKey);
      } finally {
        await q.close();
      }
    } finally {
      await p.close();
    }
  });

  it('creates a new KEK version that wraps separately; the old one unwraps until retired', async () => {
    const p = await fx.open();
    try {
      const old = p.initialKekId;
      const dk = randomBytes(32);
      const w1 = await p.wrap(old, dk, aad);
      const known = (await p.kekIds()).map((id) => Number(id.split(':')[1]));
      const next = Math.max(...known) + 1;
      const id = await p.createKek(next);
      assert.equal(id, `${fx.kind}:${next}`);
      assert.ok((await p.kekIds()).includes(id));
      const w2 = await p.wrap(id, dk, aad);
      assert.deepEqual(Buffer.from(await p.unwrap(id, w2, aad)), dk);
      await assert.rejects(p.unwrap(id, w1, aad), code('DECRYPT_FAILED')); // different keys
      assert.deepEqual(Buffer.from(await p.unwrap(old, w1, aad)), dk);
      assert.equal(await p.destroyKek(id), true);
      await assert.rejects(p.unwrap(id, w2, aad), code('KEY_UNAVAILABLE'));
      assert.ok(!(await p.kekIds()).includes(id));
      assert.deepEqual(Buffer.from(await p.unwrap(old, w1, aad)), dk);
    } finally {
      await p.close();
    }
  });

  it('creates blind-index and signing key versions that differ from version 1, equal across restarts, and refuses them once destroyed', async () => {
    const p = await fx.open();
    const msg = Buffer.from('email\u0000a@b.example');
    try {
      const v1 = Buffer.from(await p.blindIndex(msg, 1));
      assert.deepEqual(Buffer.from(await p.blindIndex(msg)), v1); // the default is version 1
      await p.createBlindIndexKey(7);
      const v7 = Buffer.from(await p.blindIndex(msg, 7));
      assert.equal(v7.length, 32);
      assert.notDeepEqual(v7, v1);
      const s1 = await p.signer('checkpoint', 1);
      const s7 = await p.createSigningKey(7);
      assert.notDeepEqual(Buffer.from(s7.publicKey), Buffer.from(s1.publicKey));
      const m = randomBytes(64);
      assert.ok(ed25519.verify(s7.sign(m), m, s7.publicKey));
      assert.deepEqual(Buffer.from((await p.signer('evidence')).publicKey), Buffer.from((await p.signer('evidence', 7)).publicKey)); // evidence has one version
      const q = await fx.open(); // a restart (another instance) sees the same versions
      try {
        assert.deepEqual(Buffer.from(await q.blindIndex(msg, 7)), v7);
        assert.deepEqual(Buffer.from((await q.signer('checkpoint', 7)).publicKey), Buffer.from(s7.publicKey));
      } finally {
        await q.close();
      }
      if (fx.kind !== 'master') await assert.rejects(p.createBlindIndexKey(7), code('CONFLICT'));
      assert.equal(await p.destroyBlindIndexKey(7), true);
      await assert.rejects(p.blindIndex(msg, 7), code('KEY_UNAVAILABLE'));
      assert.equal(await p.destroySigningKey(7), true);
      await assert.rejects(p.signer('checkpoint', 7), code('KEY_UNAVAILABLE'));
      if (fx.kind !== 'master') await assert.rejects(p.blindIndex(msg, 8), code('KEY_UNAVAILABLE')); // never made
      assert.deepEqual(Buffer.from(await p.blindIndex(msg, 1)), v1); // version 1 untouched
    } finally {
      await p.close();
    }
  });

  it('hands out no key bytes: no method returns a key, and check() resolves', async () => {
    const p = await fx.open();
    try {
      const surface = p as unknown as Record<string, unknown>;
      for (const name of ['blindIndexKey', 'logSigningSeed', 'kek', 'keys', 'seed', 'rotate']) assert.equal(surface[name], undefined, name);
      const signer = await p.signer('checkpoint');
      assert.deepEqual(Object.keys(signer).sort(), ['publicKey', 'sign']);
      await p.check();
      assert.equal(typeof p.software, 'boolean');
      assert.equal(p.software, fx.kind !== 'pkcs11');
    } finally {
      await p.close();
    }
  });
}
