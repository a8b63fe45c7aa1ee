// Signed notes and note keys (src/shared/tlog/note.ts, vkey.ts, base64.ts) against the C2SP
// signed-note vectors in ../shared/vectors/rfc6962/roots.json, malformed notes, and properties.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { VECTORS_DIR } from './support/tree-vectors.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { decodeBase64, encodeBase64 } from '../../src/shared/tlog/base64.js';
import { MAX_NOTE_BYTES, MAX_NOTE_SIGNATURES, openNote, signNote } from '../../src/shared/tlog/note.js';
import {
  ed25519KeyHash, parseSignerKey, parseVerifierKey, signerFromSeed, signerKeyFor, verifierFor, verifierKeyFor,
} from '../../src/shared/tlog/vkey.js';

interface SignedNoteVectors {
  specExample: { vkey: string; note: string; mustVerify: boolean };
  deterministicSigning: { skey: string; vkey: string; text: string; expectedSignatureLine: string };
}
const vectors = (JSON.parse(readFileSync(path.join(VECTORS_DIR, 'rfc6962', 'roots.json'), 'utf8')) as { signedNote: SignedNoteVectors }).signedNote;

const isInvalid = (e: unknown): boolean => isKeyholeError(e, 'CHECKPOINT_INVALID');
const seedOf = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const signer = signerFromSeed('log.example/a', seedOf(1));
const verifier = verifierFor(signer.name, signer.publicKey);
const TEXT = 'log.example/a\n7\nhello\n';

describe('signed-note vectors (C2SP signed-note v1.0.0)', () => {
  it('verifies the spec example', () => {
    const v = parseVerifierKey(vectors.specExample.vkey);
    assert.equal(v.keyHash, 0x530d903a);
    const opened = openNote(vectors.specExample.note, [v]);
    assert.equal(vectors.specExample.mustVerify, true);
    assert.equal(opened.text, 'This is an example message.\n');
    assert.deepEqual(opened.verifiedSignatures.map((s) => [s.name, s.keyHash]), [['example.com/foo', 0x530d903a]]);
    assert.deepEqual(opened.unverifiedSignatures, []);
  });

  it('verifies the spec example given as UTF-8 bytes', () => {
    const opened = openNote(new TextEncoder().encode(vectors.specExample.note), [parseVerifierKey(vectors.specExample.vkey)]);
    assert.equal(opened.text, 'This is an example message.\n');
  });

  it('reproduces the deterministic Ed25519 signing vector byte for byte', () => {
    const { skey, vkey, text, expectedSignatureLine } = vectors.deterministicSigning;
    const s = parseSignerKey(skey);
    assert.equal(verifierKeyFor(s.name, s.publicKey), vkey);
    const note = signNote(text, [s]);
    assert.equal(note, `${text}\n${expectedSignatureLine}\n`);
    assert.equal(openNote(note, [parseVerifierKey(vkey)]).text, text);
  });

  it('round-trips the vector signer key through signerKeyFor', () => {
    const { skey } = vectors.deterministicSigning;
    const seed = decodeBase64(skey.split('+').slice(4).join('+'))!.subarray(1); // the key itself holds '+'
    assert.equal(signerKeyFor('PeterNeumann', seed), skey);
  });
});

describe('openNote rejects malformed or unverifiable notes', () => {
  const good = signNote(TEXT, [signer]);
  const sigLine = good.slice(TEXT.length + 1, -1);
  /** Asserts openNote rejects `note` with CHECKPOINT_INVALID for the named `reason` (not just
   *  any reason: a test must fail if the check it names is removed). */
  const reject = (note: string | Uint8Array, reason: RegExp, verifiers = [verifier]): void => {
    assert.throws(() => openNote(note, verifiers), (e) => isInvalid(e) && reason.test((e as Error).message));
  };

  it('accepts the well-formed note', () => {
    assert.equal(openNote(good, [verifier]).text, TEXT);
  });
  it('rejects a note without the blank line', () => reject(`${TEXT}${sigLine}\n`, /no blank line/));
  it('rejects a note without the final newline', () => reject(good.slice(0, -1), /end with a signature line and a newline/));
  it('rejects a note with an empty signature block', () => reject(`${TEXT}\n`, /end with a signature line and a newline/));
  it('rejects bad base64 in a signature', () => {
    reject(good.replace(/ (\S+)\n$/, ' $1!\n'), /malformed signature line/);
    reject(good.replace(/=\n$/, '\n'), /malformed signature line/);
    reject(good.replace(/ (\S+)\n$/, '  $1\n'), /malformed signature line/);
  });
  it('rejects a non-canonical base64 signature (nonzero padding bits)', () => {
    const b64 = sigLine.split(' ')[2]!; // 68 bytes: ends in one '='
    const last = b64.charAt(b64.length - 2);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const twisted = alphabet.charAt(alphabet.indexOf(last) ^ 1);
    reject(good.replace(b64, b64.slice(0, -2) + twisted + '='), /malformed signature line/);
  });
  it('rejects a signature whose key hash is wrong (unknown key, so nothing verified)', () => {
    const raw = decodeBase64(sigLine.split(' ')[2]!)!;
    raw[0]! ^= 0x01;
    reject(`${TEXT}\n\u2014 ${signer.name} ${encodeBase64(raw)}\n`, /no signature from a known key/);
  });
  it('rejects tampered text', () => reject(good.replace('hello', 'hellp'), /does not verify/));
  it('rejects a tampered signature', () => {
    const raw = decodeBase64(sigLine.split(' ')[2]!)!;
    raw[10]! ^= 0x80;
    reject(`${TEXT}\n\u2014 ${signer.name} ${encodeBase64(raw)}\n`, /does not verify/);
  });
  it('rejects a signature line without the em dash prefix', () => reject(good.replace('\u2014 ', '- '), /malformed signature line/));
  it('rejects a signature that is too short', () => reject(`${TEXT}\n\u2014 ${signer.name} AAAAAA==\n`, /malformed signature line/));
  it('rejects a control character other than newline', () => {
    reject(good.replace('hello', 'hel\tlo'), /control character/);
    reject(good.replace('hello', 'hel\rlo'), /control character/);
  });
  it('rejects invalid UTF-8 and lone surrogates', () => {
    const bytes = new TextEncoder().encode(good);
    bytes[TEXT.indexOf('hello')] = 0xff;
    reject(bytes, /not valid UTF-8/);
    reject(good.replace('hello', 'hel\ud800lo'), /not well-formed Unicode/);
  });
  it('rejects a note signed by no known key', () => reject(good, /no signature from a known key/, [verifierFor('other.example', signer.publicKey)]));
  it('rejects when a known key signature fails even if another known key verifies', () => {
    const other = signerFromSeed('witness.example', seedOf(2));
    const bogus = new Uint8Array(68).fill(7); // the witness's key ID, then a signature it never made
    new DataView(bogus.buffer).setUint32(0, other.keyHash);
    const forged = `${TEXT}\n${sigLine}\n\u2014 witness.example ${encodeBase64(bogus)}\n`;
    assert.equal(openNote(forged, [verifier]).verifiedSignatures.length, 1);
    assert.throws(() => openNote(forged, [verifier, verifierFor(other.name, other.publicKey)]), (e) => {
      return isInvalid(e) && (e as { details?: Record<string, unknown> }).details?.['keyName'] === 'witness.example';
    });
  });
  it('rejects two verifiers with the same name and key ID', () => reject(good, /share a name and key ID/, [verifier, verifier]));
  it('rejects more than MAX_NOTE_SIGNATURES signature lines and accepts exactly that many', () => {
    const unknown = (i: number): string => `\u2014 unknown${i}.example ${encodeBase64(new Uint8Array(68).fill(i))}\n`;
    const lines = (n: number): string => Array.from({ length: n }, (_, i) => unknown(i)).join('');
    assert.equal(openNote(`${good}${lines(MAX_NOTE_SIGNATURES - 1)}`, [verifier]).unverifiedSignatures.length, MAX_NOTE_SIGNATURES - 1);
    reject(`${good}${lines(MAX_NOTE_SIGNATURES)}`, /too many signatures/);
  });
});

describe('openNote signature handling', () => {
  it('ignores unknown keys, even with a known name or key ID, and reports them unverified', () => {
    const stranger = signerFromSeed(signer.name, seedOf(3)); // same name, other key ID
    const note = signNote(TEXT, [signer, stranger, signerFromSeed('w.example', seedOf(4))]);
    const opened = openNote(note, [verifier]);
    assert.deepEqual(opened.verifiedSignatures.map((s) => s.keyHash), [signer.keyHash]);
    assert.deepEqual(opened.unverifiedSignatures.map((s) => s.name), [signer.name, 'w.example']);
  });
  it('drops repeated signature lines', () => {
    const note = signNote(TEXT, [signer, signer, signerFromSeed('w.example', seedOf(4)), signerFromSeed('w.example', seedOf(4))]);
    const opened = openNote(note, [verifier]);
    assert.equal(opened.verifiedSignatures.length, 1);
    assert.equal(opened.unverifiedSignatures.length, 1);
  });
  it('keeps empty lines inside the text and splits at the last blank line', () => {
    const text = 'a\n\nb\n\n';
    assert.equal(openNote(signNote(text, [signer]), [verifier]).text, text);
  });
  it('signNote refuses text without a final newline, with control characters, or no signers', () => {
    assert.throws(() => signNote('abc', [signer]), isInvalid);
    assert.throws(() => signNote('a\u0000b\n', [signer]), isInvalid);
    assert.throws(() => signNote('abc\n', []), isInvalid);
  });
  it('property: sign then open returns the text for any valid text', () => {
    const line = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !/[\u0000-\u001f]/.test(s));
    fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), (lines) => {
      const text = lines.join('\n') + '\n';
      assert.equal(openNote(signNote(text, [signer]), [verifier]).text, text);
    }));
  });
});

describe('note keys (vkey)', () => {
  it('computes the key hash as SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]', () => {
    const v = parseVerifierKey(vectors.specExample.vkey);
    assert.equal(ed25519KeyHash(v.name, v.publicKey), 0x530d903a);
  });
  it('rejects malformed verifier keys', () => {
    const vkey = vectors.specExample.vkey;
    const [name, hash, key] = vkey.split('+') as [string, string, string];
    const raw = decodeBase64(key)!;
    const bad = [
      `${name}+${hash}`, `${vkey}+x`, `other.example+${hash}+${key}`, `${name}+530d903b+${key}`,
      `${name}+530d903+${key}`, `${name}+530d903g+${key}`, `${name}+${hash}+${key.slice(1)}`,
      `${name}+${hash}+${encodeBase64(Uint8Array.from([2, ...raw.subarray(1)]))}`,
      `${name}+${hash}+${encodeBase64(raw.subarray(0, 32))}`, `exa mple+${hash}+${key}`, `+${hash}+${key}`,
    ];
    for (const k of bad) assert.throws(() => parseVerifierKey(k), isInvalid, k);
  });
  it('rejects a signer key whose hash does not match its seed, or without the PRIVATE+KEY prefix', () => {
    const skey = vectors.deterministicSigning.skey;
    assert.throws(() => parseSignerKey(skey.replace('c74f20a3', 'c74f20a4')), isInvalid);
    assert.throws(() => parseSignerKey(skey.replace('PRIVATE+KEY+', '')), isInvalid);
  });
  it('rejects invalid key names and key lengths', () => {
    for (const name of ['', 'a b', 'a+b', 'a\u00a0b', 'a\u2003b', 'a\u0001b']) {
      assert.throws(() => signerFromSeed(name, seedOf(1)), isInvalid, JSON.stringify(name));
    }
    assert.throws(() => signerFromSeed('ok', new Uint8Array(31)), isInvalid);
    assert.throws(() => verifierKeyFor('ok', new Uint8Array(33)), isInvalid);
  });
  it('verify returns false (never throws) on garbage signatures', () => {
    assert.equal(verifier.verify(new Uint8Array(1), new Uint8Array(64).fill(0xff)), false);
    assert.equal(verifier.verify(new Uint8Array(1), new Uint8Array(3)), false);
  });
});

describe('strict base64', () => {
  it('property: encodes like Node Buffer (an independent oracle) and round-trips', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      const b64 = encodeBase64(bytes);
      assert.equal(b64, Buffer.from(bytes).toString('base64'));
      assert.deepEqual(decodeBase64(b64), bytes);
    }));
  });
  it('property: any string it accepts is the canonical encoding of what it decodes to', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'AQgw+/=ab \n-_'), maxLength: 12 }), (s) => {
      const bytes = decodeBase64(s);
      if (bytes !== undefined) assert.equal(encodeBase64(bytes), s);
    }));
  });
  it('rejects missing padding, whitespace, URL-safe characters and nonzero padding bits', () => {
    for (const s of ['QQ', 'QQ=', 'QR==', 'QUI=QUI=', 'Q Q=', 'QQ==\n', '-_8=', '====', 'QUJ=']) {
      assert.equal(decodeBase64(s), undefined, s);
    }
  });
});

// Limits and syntax at their exact edges, each refused for its own reason (mutation run, issue 20).
describe('notes at their edges', () => {
  const good = signNote(TEXT, [signer]);
  const reject = (note: string | Uint8Array, reason: RegExp): void => {
    assert.throws(() => openNote(note, [verifier]), (e) => isInvalid(e) && reason.test((e as Error).message), String(reason));
  };
  it('a byte-order mark is part of the signed bytes, not skipped', () => {
    const bytes = new TextEncoder().encode(good);
    const withBom = new Uint8Array(bytes.length + 3);
    withBom.set([0xef, 0xbb, 0xbf]);
    withBom.set(bytes, 3);
    assert.equal(openNote(bytes, [verifier]).text, TEXT);
    assert.throws(() => openNote(withBom, [verifier]), isInvalid);
  });
  it('signs with 1 to MAX_NOTE_SIGNATURES signers, each with a valid key name', () => {
    const many = [signer, ...Array.from({ length: MAX_NOTE_SIGNATURES }, (_, i) => signerFromSeed(`w${i}.example`, seedOf(i + 2)))];
    assert.equal(openNote(signNote(TEXT, many.slice(0, MAX_NOTE_SIGNATURES)), [verifier]).unverifiedSignatures.length, MAX_NOTE_SIGNATURES - 1);
    assert.throws(() => signNote(TEXT, many), (e) => isInvalid(e) && /1 to 100 signers/.test((e as Error).message));
    assert.throws(() => signNote(TEXT, []), (e) => isInvalid(e) && /1 to 100 signers/.test((e as Error).message));
    assert.throws(() => signNote(TEXT, [{ ...signer, name: 'bad name' }]), (e) => isInvalid(e) && /invalid signer key name/.test((e as Error).message));
    assert.throws(() => signNote(TEXT, [{ ...signer, name: 'a+b' }]), (e) => isInvalid(e) && /invalid signer key name/.test((e as Error).message));
  });
  it('a signature line with an invalid key name is malformed, whatever its signature', () => {
    const b64 = good.slice(TEXT.length + 1, -1).split(' ')[2]!;
    reject(`${TEXT}\n\u2014 bad+name ${b64}\n`, /malformed signature line/);
  });
  it('five signature bytes (a key ID and one byte) are the shortest line parsed', () => {
    const five = encodeBase64(Uint8Array.from([1, 2, 3, 4, 5]));
    assert.equal(openNote(`${good}\u2014 other.example ${five}\n`, [verifier]).unverifiedSignatures.length, 1);
    reject(`${good}\u2014 other.example ${encodeBase64(Uint8Array.from([1, 2, 3, 4]))}\n`, /malformed signature line/);
  });
  it('a note of exactly MAX_NOTE_BYTES opens, as text or bytes; one byte more is too large', () => {
    const textOf = (n: number) => `log.example/a\n7\n${'x'.repeat(n)}\n`;
    const bytesOf = (note: string) => new TextEncoder().encode(note).length; // the em dash is 3 bytes
    const pad = MAX_NOTE_BYTES - bytesOf(signNote(textOf(0), [signer]));
    const exact = signNote(textOf(pad), [signer]);
    assert.equal(bytesOf(exact), MAX_NOTE_BYTES);
    assert.equal(openNote(exact, [verifier]).text, textOf(pad));
    assert.equal(openNote(new TextEncoder().encode(exact), [verifier]).text, textOf(pad));
    const over = signNote(textOf(pad + 1), [signer]);
    reject(over, /too large/);
    reject(new TextEncoder().encode(over), /too large/);
  });
});
