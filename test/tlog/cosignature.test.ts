// C2SP tlog-cosignature (cosignature/v1, Ed25519): published vectors (the spec's example and
// transparency-dev/formats' key and timestamp vectors), node:crypto as an independent Ed25519
// oracle over the message built by hand from the spec, and property tests: a cosignature
// verifies exactly for its key, text and timestamp, and any changed bit fails.
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBase64 } from '../../src/shared/tlog/base64.js';
import { signCheckpoint } from '../../src/shared/tlog/checkpoint.js';
import {
  cosignatureKeyHash, cosignatureTimestamp, cosignatureVerifierFor, cosignatureVerifierKeyFor, cosignedMessage, cosignerFromSeed,
  cosignerKeyFor, parseCosignatureVerifierKey, parseCosignerKey,
} from '../../src/shared/tlog/cosignature.js';
import { openNote, signNote } from '../../src/shared/tlog/note.js';
import { parseVerifierKey, signerFromSeed } from '../../src/shared/tlog/vkey.js';

const enc = (s: string) => new TextEncoder().encode(s);
const seedOf = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (n * 31 + i) & 0xff);

/** A node:crypto Ed25519 key pair from a 32-byte seed (PKCS#8 prefix of RFC 8410). */
function nodeKey(seed: Uint8Array) {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const priv = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const raw = createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(12);
  return { priv, pub: createPublicKey(priv), raw: new Uint8Array(raw) };
}

describe('cosignature/v1 vectors', () => {
  it('reads the timestamp of the cosignature in the spec\'s example (its "time 1679315147")', () => {
    assert.equal(cosignatureTimestamp('jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=='), 1679315147);
  });

  it('reads transparency-dev/formats\' timestamp vector and refuses a plain Ed25519 signature', () => {
    assert.equal(cosignatureTimestamp('ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=='), 1727964367);
    assert.equal(cosignatureTimestamp('eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY='), undefined);
    assert.equal(cosignatureTimestamp('5%/$!\n 2'), undefined);
  });

  it('parses a real witness\'s type 0x04 vkey (key ID checked) and refuses type 0x01 and a wrong key ID', () => {
    const v = parseCosignatureVerifierKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2');
    assert.equal(v.name, 'remora.n621.de');
    assert.equal(v.keyHash, 0xda77ade7);
    assert.throws(() => parseCosignatureVerifierKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6'), { code: 'CHECKPOINT_INVALID' });
    assert.throws(() => parseCosignatureVerifierKey('remora.n621.de+da77ade8+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2'), { code: 'CHECKPOINT_INVALID' });
    // The same Ed25519 key as a signed-note (0x01) key has another key ID (transparency-dev converts it).
    const plain = parseVerifierKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6');
    assert.notEqual(cosignatureKeyHash('TEST', plain.publicKey), plain.keyHash);
  });

  it('signs exactly the spec\'s message, checked with node:crypto both ways', () => {
    const seed = seedOf(7);
    const { priv, pub, raw } = nodeKey(seed);
    const text = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    const expected = `cosignature/v1\ntime 1679315147\n${text}`;
    assert.equal(new TextDecoder().decode(cosignedMessage(1679315147, enc(text))), expected);
    const signer = cosignerFromSeed('witness.example.com/w1', seed, () => 1679315147);
    assert.deepEqual(signer.publicKey, raw);
    const sig = signer.sign(enc(text));
    assert.equal(Buffer.from(sig.subarray(0, 8)).readBigUInt64BE(), 1679315147n);
    assert.ok(nodeVerify(null, Buffer.from(expected), pub, Buffer.from(sig.subarray(8))));
    const theirs = Buffer.concat([Buffer.alloc(8), nodeSign(null, Buffer.from(`cosignature/v1\ntime 42\n${text}`), priv)]);
    theirs.writeBigUInt64BE(42n);
    assert.ok(cosignatureVerifierFor('witness.example.com/w1', raw).verify(enc(text), theirs));
  });

  it('round-trips signer and verifier keys, and a cosignature opens as a note signature line', () => {
    const skey = cosignerKeyFor('w.example/1', seedOf(3));
    const signer = parseCosignerKey(skey, () => 1_700_000_000);
    const vkey = cosignatureVerifierKeyFor('w.example/1', signer.publicKey);
    assert.match(vkey, /^w\.example\/1\+[0-9a-f]{8}\+B/);
    const note = signNote('a\nb\nc\n', [signer]);
    const opened = openNote(note, [parseCosignatureVerifierKey(vkey)]);
    assert.equal(cosignatureTimestamp(opened.verifiedSignatures[0]!.base64), 1_700_000_000);
    assert.throws(() => parseCosignerKey(skey.replace(/\+[0-9a-f]{8}\+/, '+00000000+')), { code: 'CHECKPOINT_INVALID' });
    // A log's plain Ed25519 key cannot stand in for the cosignature key of the same seed.
    const logSigned = signNote('a\nb\nc\n', [signerFromSeed('w.example/1', seedOf(3))]);
    assert.throws(() => openNote(logSigned, [parseCosignatureVerifierKey(vkey)]), { code: 'CHECKPOINT_INVALID' });
  });
});

describe('cosignature/v1 properties', () => {
  const line = fc.stringMatching(/^[a-zA-Z0-9/+=. -]{1,40}$/);
  const texts = fc.tuple(line, fc.integer({ min: 0, max: 2 ** 40 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(line, { maxLength: 2 }))
    .map(([origin, size, root, ext]) => ({ origin: origin.trim() || 'o', size, rootHash: root, extensions: ext.map((e) => e.trim() || 'x') }));

  it('verifies for its key, text and timestamp only; any flipped bit fails', () => {
    fc.assert(fc.property(texts, fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 0, max: 255 }), fc.nat(), (cp, t, seedByte, pick) => {
      const seed = seedOf(seedByte);
      const signer = cosignerFromSeed('w.example/p', seed, () => t);
      const verifier = cosignatureVerifierFor('w.example/p', signer.publicKey);
      const text = enc(signCheckpoint(cp, [signerFromSeed('o', seedOf(1))]).split('\n\n')[0]! + '\n');
      const sig = signer.sign(text);
      assert.ok(verifier.verify(text, sig));
      const bit = pick % (sig.length * 8);
      const bad = sig.slice();
      bad[Math.floor(bit / 8)]! ^= 1 << bit % 8;
      assert.equal(verifier.verify(text, bad), false);
      const tbit = pick % (text.length * 8);
      const badText = text.slice();
      badText[Math.floor(tbit / 8)]! ^= 1 << tbit % 8;
      assert.equal(verifier.verify(badText, sig), false);
      const other = cosignatureVerifierFor('w.example/p', cosignerFromSeed('w.example/p', seedOf(seedByte + 1)).publicKey);
      assert.equal(other.verify(text, sig), false);
    }), { numRuns: 150 });
  });

  it('a timestamp of 0 is never produced (tlog-witness: MUST NOT omit it)', () => {
    const sig = cosignerFromSeed('w', seedOf(2), () => 0).sign(enc('a\nb\nc\n'));
    assert.ok(Buffer.from(sig.subarray(0, 8)).readBigUInt64BE() > 0n);
  });

  it('refuses malformed keys without quoting them', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => {
      try {
        parseCosignerKey(`PRIVATE+KEY+${s}`);
      } catch (e) {
        assert.equal((e as { code: string }).code, 'CHECKPOINT_INVALID');
        if (s.length > 8) assert.ok(!(e as Error).message.includes(s));
      }
    }), { numRuns: 200 });
    assert.equal(decodeBase64('BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2')!.length, 33);
  });
});
