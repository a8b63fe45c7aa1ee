// The software signer (src/vault/software-keys.ts) signs with node:crypto. Ed25519 is
// deterministic (RFC 8032 §5.1.6), so its public keys and signatures must be exactly those of
// @noble/curves — what the browser and `keyhole verify` check them with — for any seed and
// message, and those of RFC 8032 §7.1's test vectors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { softwareSigner, softwareSignerFor } from '../../src/vault/software-keys.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

describe('software Ed25519 signer', () => {
  it('matches RFC 8032 §7.1 TEST 1 and TEST 2', () => {
    const t1 = softwareSigner(hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
    assert.deepEqual(t1.publicKey, hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'));
    assert.deepEqual(t1.sign(new Uint8Array(0)), hex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'));
    const t2 = softwareSigner(hex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'));
    assert.deepEqual(t2.publicKey, hex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c'));
    assert.deepEqual(t2.sign(hex('72')), hex('92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'));
  });

  it('gives the public key and signatures of @noble/curves for any seed and message', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 600 }), (seed, msg) => {
      const s = softwareSigner(seed);
      assert.deepEqual(s.publicKey, ed25519.getPublicKey(seed));
      const sig = s.sign(msg);
      assert.deepEqual(sig, ed25519.sign(msg, seed));
      assert.ok(ed25519.verify(sig, msg, s.publicKey));
    }), { numRuns: 200 });
  });

  it('keeps its own copy of the seed, and the evidence signer is a different key', () => {
    const seed = new Uint8Array(32).fill(7);
    const s = softwareSigner(seed);
    const before = s.sign(Uint8Array.of(1));
    seed.fill(0);
    assert.deepEqual(s.sign(Uint8Array.of(1)), before);
    const logSeed = new Uint8Array(32).fill(9);
    assert.deepEqual(softwareSignerFor(logSeed, 'checkpoint').publicKey, ed25519.getPublicKey(logSeed));
    assert.notDeepEqual(softwareSignerFor(logSeed, 'evidence').publicKey, ed25519.getPublicKey(logSeed));
  });

  it('refuses a seed that is not 32 bytes', () => {
    assert.throws(() => softwareSigner(new Uint8Array(31)), RangeError);
    assert.throws(() => softwareSigner(new Uint8Array(33)), RangeError);
  });
});
