// Offline inclusion proofs (src/shared/tlog/tlog-proof.ts, C2SP tlog-proof v1): exact format,
// round trip, strict rejection of malformed input, and verification over the RFC 6962 reference
// tree of ../shared/vectors/rfc6962/roots.json, built here by an independent naive oracle.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { VECTORS_DIR } from './support/tree-vectors.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { isKeyholeError } from '../../src/shared/errors.js';
import { encodeBase64 } from '../../src/shared/tlog/base64.js';
import { signCheckpoint } from '../../src/shared/tlog/checkpoint.js';
import { formatTlogProof, MAX_TLOG_PROOF_HASHES, parseTlogProof, verifyTlogProof } from '../../src/shared/tlog/tlog-proof.js';
import { signerFromSeed, verifierFor } from '../../src/shared/tlog/vkey.js';

const roots = JSON.parse(readFileSync(path.join(VECTORS_DIR, 'rfc6962', 'roots.json'), 'utf8')) as {
  leafInputsHex: string[];
  rootsBySizeHex: string[];
};

// --- naive RFC 6962 §2.1 oracle (MTH and PATH by definition) ---
const fromHex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const leafHash = (d: Uint8Array): Uint8Array => sha256(cat(Uint8Array.of(0), d));
const split = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);
function mth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha256(new Uint8Array(0));
  if (d.length === 1) return leafHash(d[0]!);
  const k = split(d.length);
  return sha256(cat(Uint8Array.of(1), mth(d.slice(0, k)), mth(d.slice(k))));
}
function auditPath(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = split(d.length);
  return m < k ? [...auditPath(m, d.slice(0, k)), mth(d.slice(k))] : [...auditPath(m - k, d.slice(k)), mth(d.slice(0, k))];
}
const leaves = roots.leafInputsHex.map(fromHex);

const isProofInvalid = (e: unknown): boolean => isKeyholeError(e, 'PROOF_INVALID');
const isCheckpointInvalid = (e: unknown): boolean => isKeyholeError(e, 'CHECKPOINT_INVALID');
const ORIGIN = 'keyhole.example/log';
const signer = signerFromSeed(ORIGIN, new Uint8Array(32).fill(5));
const verifier = verifierFor(ORIGIN, signer.publicKey);
const checkpointFor = (size: number): string => signCheckpoint({ origin: ORIGIN, size, rootHash: mth(leaves.slice(0, size)) }, [signer]);
const proofFor = (index: number, size: number, extraData?: Uint8Array): string =>
  formatTlogProof({ index, extraData, proof: auditPath(index, leaves.slice(0, size)), checkpointNote: checkpointFor(size) });
const check = (index: number) => ({ leafHash: leafHash(leaves[index]!), verifier, expectedOrigin: ORIGIN });

describe('the naive oracle', () => {
  it('reproduces every RFC 6962 reference root', () => {
    roots.rootsBySizeHex.forEach((root, size) => assert.equal(toHex(mth(leaves.slice(0, size))), root));
  });
});

describe('tlog-proof format (C2SP tlog-proof v1)', () => {
  const note = checkpointFor(8);
  const h = (n: number): Uint8Array => new Uint8Array(32).fill(n);

  it('writes header, extra, index, hashes, a blank line and the checkpoint verbatim', () => {
    const text = formatTlogProof({ index: 3, extraData: new TextEncoder().encode('hi'), proof: [h(1), h(2)], checkpointNote: note });
    assert.equal(text, `c2sp.org/tlog-proof@v1\nextra aGk=\nindex 3\n${encodeBase64(h(1))}\n${encodeBase64(h(2))}\n\n${note}`);
  });

  it('omits the extra line when there is no extra data, and allows an empty path', () => {
    assert.equal(formatTlogProof({ index: 0, proof: [], checkpointNote: note }), `c2sp.org/tlog-proof@v1\nindex 0\n\n${note}`);
  });

  it('property: parse(format(p)) returns p', () => {
    const notes = [note, checkpointFor(1), checkpointFor(5)];
    const input = fc.record({
      index: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      extraData: fc.option(fc.uint8Array({ minLength: 1, maxLength: 80 }), { nil: undefined }),
      proof: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: MAX_TLOG_PROOF_HASHES }),
      checkpointNote: fc.constantFrom(...notes),
    });
    fc.assert(fc.property(input, (p) => {
      const parsed = parseTlogProof(formatTlogProof(p));
      assert.deepEqual({ ...parsed, proof: [...parsed.proof] }, { ...p });
      assert.deepEqual(parseTlogProof(new TextEncoder().encode(formatTlogProof(p))).index, p.index);
    }));
  });

  it('rejects malformed proofs with PROOF_INVALID', () => {
    const b = encodeBase64(h(1));
    const bad = [
      `c2sp.org/tlog-proof@v2\nindex 0\n\n${note}`, `c2sp.org/tlog-proof@v1\nindex 0\n${note}`,
      `c2sp.org/tlog-proof@v1\nindex 00\n\n${note}`, `c2sp.org/tlog-proof@v1\nindex -1\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nindex 1 \n\n${note}`, `c2sp.org/tlog-proof@v1\nindex\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nindex 9007199254740992\n\n${note}`, `c2sp.org/tlog-proof@v1\n${b}\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nextra \nindex 0\n\n${note}`, `c2sp.org/tlog-proof@v1\nextra aGk\nindex 0\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nindex 0\nextra aGk=\n\n${note}`, `c2sp.org/tlog-proof@v1\nindex 0\n${b.slice(4)}\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nindex 0\n${b.replace(/E=$/, 'F=')}\n\n${note}`, `c2sp.org/tlog-proof@v1\r\nindex 0\n\n${note}`,
      `c2sp.org/tlog-proof@v1\nindex 0\n${`${b}\n`.repeat(MAX_TLOG_PROOF_HASHES + 1)}\n${note}`, 'c2sp.org/tlog-proof@v1\nindex 0',
    ];
    for (const text of bad) assert.throws(() => parseTlogProof(text), isProofInvalid, JSON.stringify(text.slice(0, 60)));
    assert.throws(() => parseTlogProof(Uint8Array.of(0xff, 0x0a)), isProofInvalid);
  });

  it('rejects a malformed checkpoint part with CHECKPOINT_INVALID', () => {
    for (const tail of [note.slice(0, -1), note.replace('\n\n', '\n'), '', 'x\n\n']) {
      assert.throws(() => parseTlogProof(`c2sp.org/tlog-proof@v1\nindex 0\n\n${tail}`), isCheckpointInvalid);
    }
  });

  it('refuses to format an invalid proof', () => {
    assert.throws(() => formatTlogProof({ index: -1, proof: [], checkpointNote: note }), isProofInvalid);
    assert.throws(() => formatTlogProof({ index: 0, extraData: new Uint8Array(0), proof: [], checkpointNote: note }), isProofInvalid);
    assert.throws(() => formatTlogProof({ index: 0, proof: [h(1).subarray(1)], checkpointNote: note }), isProofInvalid);
    assert.throws(() => formatTlogProof({ index: 0, proof: [], checkpointNote: 'not a note' }), isCheckpointInvalid);
  });
});

describe('verifyTlogProof', () => {
  it('verifies every entry of every reference tree size 1..8', () => {
    for (let size = 1; size <= 8; size++) {
      for (let index = 0; index < size; index++) {
        const verified = verifyTlogProof(proofFor(index, size), check(index));
        assert.equal(verified.index, index);
        assert.equal(verified.checkpoint.checkpoint.size, size);
      }
    }
  });

  it('rejects another leaf, a tampered path and an index outside the tree with PROOF_INVALID', () => {
    assert.throws(() => verifyTlogProof(proofFor(3, 8), check(4)), isProofInvalid);
    const path = auditPath(3, leaves);
    path[1] = sha256(path[1]!);
    assert.throws(() => verifyTlogProof(formatTlogProof({ index: 3, proof: path, checkpointNote: checkpointFor(8) }), check(3)), isProofInvalid);
    const outside = formatTlogProof({ index: 8, proof: auditPath(7, leaves), checkpointNote: checkpointFor(8) });
    assert.throws(() => verifyTlogProof(outside, check(7)), isProofInvalid);
  });

  it('rejects a checkpoint of another origin or key with CHECKPOINT_INVALID', () => {
    assert.throws(() => verifyTlogProof(proofFor(2, 5), { ...check(2), expectedOrigin: 'other.example/log' }), isCheckpointInvalid);
    const stranger = verifierFor(ORIGIN, signerFromSeed(ORIGIN, new Uint8Array(32).fill(6)).publicKey);
    assert.throws(() => verifyTlogProof(proofFor(2, 5), { ...check(2), verifier: stranger }), isCheckpointInvalid);
  });

  it('returns the extra data, which no signature covers (changing it still verifies)', () => {
    const a = verifyTlogProof(proofFor(1, 4, Uint8Array.of(1, 2, 3)), check(1));
    const b = verifyTlogProof(proofFor(1, 4, Uint8Array.of(9)), check(1));
    assert.deepEqual([a.extraData, b.extraData], [Uint8Array.of(1, 2, 3), Uint8Array.of(9)]);
  });

  it('property: any single-byte change of a proof without extra data fails to verify', () => {
    const change = fc.record({ size: fc.integer({ min: 1, max: 8 }), at: fc.nat(), delta: fc.integer({ min: 1, max: 255 }), i: fc.nat() });
    fc.assert(fc.property(change, ({ size, at, delta, i }) => {
      const index = i % size;
      const bytes = new TextEncoder().encode(proofFor(index, size));
      const pos = at % bytes.length;
      bytes[pos] = (bytes[pos]! + delta) & 0xff;
      assert.throws(() => verifyTlogProof(bytes, check(index)), (e) => isProofInvalid(e) || isCheckpointInvalid(e));
    }), { numRuns: 300 });
  });
});
