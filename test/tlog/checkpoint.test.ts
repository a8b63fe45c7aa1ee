// Checkpoints (src/shared/tlog/checkpoint.ts): C2SP tlog-checkpoint text, strict parsing, and the
// signed form — a round-trip property and "any single-byte change fails to open".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isKeyholeError } from '../../src/shared/errors.js';
import { decodeBase64 } from '../../src/shared/tlog/base64.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from '../../src/shared/tlog/checkpoint.js';
import { signNote } from '../../src/shared/tlog/note.js';
import { signerFromSeed, verifierFor } from '../../src/shared/tlog/vkey.js';

const isInvalid = (e: unknown): boolean => isKeyholeError(e, 'CHECKPOINT_INVALID');
const ORIGIN = 'keyhole.example/log';
const signer = signerFromSeed(ORIGIN, new Uint8Array(32).fill(9));
const verifier = verifierFor(ORIGIN, signer.publicKey);
const ROOT = Uint8Array.from({ length: 32 }, (_, i) => i);
const SPEC_EXAMPLE = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

/** Origins: non-empty, any Unicode but control characters (spaces and '+' are allowed). */
const origin = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((s) => !/[\u0000-\u001f]/.test(s));
const checkpointInput = fc.record({
  origin,
  size: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  rootHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  extensions: fc.array(origin, { maxLength: 2 }),
});

describe('checkpoint text (C2SP tlog-checkpoint)', () => {
  it('parses the spec example', () => {
    const c = parseCheckpoint(SPEC_EXAMPLE);
    assert.equal(c.origin, 'example.com/behind-the-sofa');
    assert.equal(c.size, 20852163);
    assert.deepEqual(c.rootHash, decodeBase64('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I='));
    assert.deepEqual(c.extensions, []);
    assert.equal(formatCheckpoint(c), SPEC_EXAMPLE);
  });

  it('formats origin, decimal size, base64 root and extension lines', () => {
    const text = formatCheckpoint({ origin: ORIGIN, size: 0, rootHash: ROOT, extensions: ['ext one'] });
    assert.equal(text, `${ORIGIN}\n0\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\next one\n`);
  });

  it('property: parse(format(c)) returns c', () => {
    fc.assert(fc.property(checkpointInput, (c) => {
      assert.deepEqual({ ...parseCheckpoint(formatCheckpoint(c)) }, { ...c });
    }));
  });

  it('rejects malformed checkpoint text', () => {
    const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
    const bad = [
      `o\n1\n${root}`, `o\n1\n`, `\n1\n${root}\n`, `o\n01\n${root}\n`, `o\n-1\n${root}\n`, `o\n+1\n${root}\n`,
      `o\n 1\n${root}\n`, `o\n1.0\n${root}\n`, `o\n\n${root}\n`, `o\n9007199254740992\n${root}\n`,
      `o\n1\n${root.slice(4)}\n`, `o\n1\n${root}AAAA\n`, `o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n`,
      `o\n1\n${root}\n\n`, `o\n1\n${root}\next\n\n`, `o\n1\n${root}\r\n`, `o\n1\n${root.replace('=', '')}\n`,
    ];
    for (const text of bad) assert.throws(() => parseCheckpoint(text), isInvalid, JSON.stringify(text));
  });

  it('refuses a missing final newline and control characters for their own reason', () => {
    const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
    const because = (text: string, words: string) => assert.throws(() => parseCheckpoint(text), (e) => isInvalid(e) && (e as Error).message.includes(words), JSON.stringify(text));
    because(`o\n1\n${root}`, 'must end with a newline');
    because(`o\n1\n${root}\next`, 'must end with a newline');
    // A control character would otherwise pass in the origin or an extension line (no other check reads them).
    because(`log\u0007.example\n1\n${root}\n`, 'control character');
    because(`o\n1\n${root}\nfine\nbell\u0007\n`, 'control character');
    because(`o\u001b[31m\n1\n${root}\n`, 'control character');
  });

  it('refuses to format an invalid checkpoint', () => {
    const bad = [
      { origin: '', size: 1, rootHash: ROOT }, { origin: 'a\nb', size: 1, rootHash: ROOT },
      { origin: 'o', size: -1, rootHash: ROOT }, { origin: 'o', size: 1.5, rootHash: ROOT },
      { origin: 'o', size: 2 ** 53, rootHash: ROOT }, { origin: 'o', size: 1, rootHash: ROOT.subarray(1) },
      { origin: 'o', size: 1, rootHash: ROOT, extensions: [''] },
    ];
    for (const c of bad) assert.throws(() => formatCheckpoint(c), isInvalid, JSON.stringify(c.origin));
  });
});

describe('signed checkpoints', () => {
  const note = signCheckpoint({ origin: ORIGIN, size: 42, rootHash: ROOT }, [signer]);

  it('opens with the log key and origin', () => {
    const opened = openCheckpoint(note, verifier, ORIGIN);
    assert.equal(opened.checkpoint.size, 42);
    assert.deepEqual(opened.checkpoint.rootHash, ROOT);
    assert.equal(opened.text, `${ORIGIN}\n42\n${formatCheckpoint({ origin: ORIGIN, size: 42, rootHash: ROOT }).split('\n')[2]}\n`);
    assert.equal(opened.verifiedSignatures.length, 1);
  });

  it('rejects another origin, with both origins as evidence', () => {
    assert.throws(() => openCheckpoint(note, verifier, 'other.example/log'), (e) => {
      return isInvalid(e) && (e as { details?: Record<string, unknown> }).details?.['origin'] === ORIGIN;
    });
  });

  it('rejects a checkpoint signed by another key, or whose text is not a checkpoint', () => {
    const other = signerFromSeed(ORIGIN, new Uint8Array(32).fill(8));
    assert.throws(() => openCheckpoint(signCheckpoint({ origin: ORIGIN, size: 1, rootHash: ROOT }, [other]), verifier, ORIGIN), isInvalid);
    assert.throws(() => openCheckpoint(signNote(`${ORIGIN}\n1\n`, [signer]), verifier, ORIGIN), isInvalid);
  });

  it('opens with any key of a list (a signing-key rotation), and with none outside it', () => {
    const next = signerFromSeed(ORIGIN, new Uint8Array(32).fill(6));
    const keys = [verifier, verifierFor(ORIGIN, next.publicKey)];
    const byNext = signCheckpoint({ origin: ORIGIN, size: 7, rootHash: ROOT }, [next]);
    assert.equal(openCheckpoint(byNext, keys, ORIGIN).checkpoint.size, 7);
    assert.equal(openCheckpoint(note, keys, ORIGIN).checkpoint.size, 42);
    assert.throws(() => openCheckpoint(byNext, [verifier], ORIGIN), isInvalid);
    assert.throws(() => openCheckpoint(byNext, [], ORIGIN), isInvalid);
  });

  it('ignores witness cosignatures from unknown keys', () => {
    const witness = signerFromSeed('witness.example', new Uint8Array(32).fill(7));
    const cosigned = signCheckpoint({ origin: ORIGIN, size: 42, rootHash: ROOT }, [signer, witness]);
    const opened = openCheckpoint(cosigned, verifier, ORIGIN);
    assert.deepEqual(opened.unverifiedSignatures.map((s) => s.name), ['witness.example']);
  });

  it('property: signCheckpoint then openCheckpoint returns the checkpoint', () => {
    fc.assert(fc.property(checkpointInput, (c) => {
      const opened = openCheckpoint(signCheckpoint(c, [signer]), verifier, c.origin);
      assert.deepEqual({ ...opened.checkpoint }, { ...c });
    }), { numRuns: 200 });
  });

  it('property: any single-byte change of a signed checkpoint fails to open', () => {
    const change = fc.record({ c: checkpointInput, at: fc.nat(), delta: fc.integer({ min: 1, max: 255 }) });
    fc.assert(fc.property(change, ({ c, at, delta }) => {
      const bytes = new TextEncoder().encode(signCheckpoint(c, [signer]));
      const i = at % bytes.length;
      bytes[i] = (bytes[i]! + delta) & 0xff;
      assert.throws(() => openCheckpoint(bytes, verifier, c.origin), isInvalid);
    }), { numRuns: 500 });
  });
});
