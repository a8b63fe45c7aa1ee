// Proof verification and generation at the edges mutation testing found unguarded (issue 20):
// a consistency check from a LARGER tree to a smaller one (what a truncated log presents), the
// proof-length bound, the empty-tree consistency proof, and isValid* never swallowing a
// programming error as "invalid".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeyholeError } from '../../src/shared/errors.js';
import type { HashReader } from '../../src/shared/tlog/hash-reader.js';
import { isValidConsistency, isValidInclusion, verifyConsistency, verifyInclusion } from '../../src/shared/tlog/proof-verify.js';
import { proveConsistency } from '../../src/shared/tlog/proofs.js';
import { isPowerOfTwo, trailingZeros } from '../../src/shared/tlog/tree-math.js';
import { makeLeaves, naiveConsistency, naivePath, naiveRoot } from './support/naive-tree.js';

const invalidBecause = (reason: RegExp) => (e: unknown) => isKeyholeError(e, 'PROOF_INVALID') && reason.test((e as Error).message);

describe('consistency from a larger tree to a smaller one (a truncated log)', () => {
  const leaves = makeLeaves(0, 13);
  for (const [big, small] of [[13, 8], [13, 7], [8, 4], [5, 1], [2, 1]] as const) {
    it(`refuses ${big} → ${small} as "larger", whatever proof comes with it`, () => {
      const rootBig = naiveRoot(leaves.slice(0, big));
      const rootSmall = naiveRoot(leaves.slice(0, small));
      for (const proof of [naiveConsistency(small, leaves.slice(0, big)), [], [rootBig], [rootSmall, rootBig]]) {
        assert.throws(() => verifyConsistency(big, small, proof, rootBig, rootSmall), invalidBecause(/larger than/));
        assert.equal(isValidConsistency(big, small, proof, rootBig, rootSmall), false);
      }
    });
  }
});

describe('the proof-length bound', () => {
  const leaves = makeLeaves(0, 9);
  it('refuses a consistency proof of more than 64 hashes before any hashing', () => {
    const long = Array.from({ length: 65 }, () => new Uint8Array(32));
    assert.throws(() => verifyConsistency(3, 9, long, naiveRoot(leaves.slice(0, 3)), naiveRoot(leaves)), invalidBecause(/not a list of 32-byte hashes/));
  });
  it('refuses an inclusion proof of more than 64 hashes before any hashing', () => {
    const long = Array.from({ length: 65 }, () => new Uint8Array(32));
    assert.throws(() => verifyInclusion(leaves[2]!, 2, 9, long, naiveRoot(leaves)), invalidBecause(/not a list of 32-byte hashes/));
  });
  it('a proof of exactly 64 hashes is refused only as too long for the tree', () => {
    const p = Array.from({ length: 64 }, () => new Uint8Array(32));
    assert.throws(() => verifyConsistency(3, 9, p, naiveRoot(leaves.slice(0, 3)), naiveRoot(leaves)), invalidBecause(/too long/));
    assert.throws(() => verifyInclusion(leaves[2]!, 2, 9, p, naiveRoot(leaves)), invalidBecause(/too long/));
  });
  it('refuses a consistency proof one hash short or one hash long', () => {
    const p = naiveConsistency(3, leaves);
    const r1 = naiveRoot(leaves.slice(0, 3));
    const r2 = naiveRoot(leaves);
    verifyConsistency(3, 9, p, r1, r2);
    assert.throws(() => verifyConsistency(3, 9, p.slice(0, -1), r1, r2), invalidBecause(/too short/));
    assert.throws(() => verifyConsistency(3, 9, [...p, r2], r1, r2), invalidBecause(/too long/));
    assert.throws(() => verifyConsistency(3, 9, [], r1, r2), invalidBecause(/empty/));
  });
});

describe('proveConsistency at the edges', () => {
  /** A reader that must not be asked: the answer follows from the sizes alone. */
  const untouchable: HashReader = { readHashes: async () => { throw new Error('the reader must not be read'); } };
  it('from the empty tree is the empty proof, and verifies against SHA-256("")', async () => {
    const leaves = makeLeaves(0, 6);
    const p = await proveConsistency(0, 6, untouchable);
    assert.deepEqual(p, []);
    verifyConsistency(0, 6, p, naiveRoot([]), naiveRoot(leaves));
    assert.throws(() => verifyConsistency(0, 6, [naiveRoot(leaves)], naiveRoot([]), naiveRoot(leaves)), invalidBecause(/must be empty/));
    assert.throws(() => verifyConsistency(0, 6, [], naiveRoot(leaves), naiveRoot(leaves)), invalidBecause(/empty tree/));
  });
  it('between equal sizes is the empty proof', async () => {
    assert.deepEqual(await proveConsistency(6, 6, untouchable), []);
  });
  it('from a larger size is INDEX_OUT_OF_RANGE', async () => {
    await assert.rejects(proveConsistency(7, 6, untouchable), (e) => isKeyholeError(e, 'INDEX_OUT_OF_RANGE'));
  });
});

describe('isValid* report only PROOF_INVALID as false', () => {
  const leaves = makeLeaves(0, 5);
  /** A proof array whose reading throws a programming error, not a verification failure. */
  const exploding = new Proxy([] as Uint8Array[], { get(target, prop) {
    if (prop === 'length' || prop === Symbol.iterator) throw new RangeError('programming error');
    return Reflect.get(target, prop);
  } });
  it('isValidInclusion rethrows anything else', () => {
    assert.equal(isValidInclusion(leaves[1]!, 1, 5, naivePath(1, leaves), naiveRoot(leaves)), true);
    assert.equal(isValidInclusion(leaves[1]!, 1, 5, [], naiveRoot(leaves)), false);
    assert.throws(() => isValidInclusion(leaves[1]!, 1, 5, exploding, naiveRoot(leaves)), RangeError);
  });
  it('isValidConsistency rethrows anything else', () => {
    assert.equal(isValidConsistency(2, 5, naiveConsistency(2, leaves), naiveRoot(leaves.slice(0, 2)), naiveRoot(leaves)), true);
    assert.equal(isValidConsistency(2, 5, [], naiveRoot(leaves.slice(0, 2)), naiveRoot(leaves)), false);
    assert.throws(() => isValidConsistency(2, 5, exploding, naiveRoot(leaves.slice(0, 2)), naiveRoot(leaves)), RangeError);
  });
});

// Each input check refuses for its own reason (a later step would refuse too, with another one).
describe('verify* input checks name what is wrong', () => {
  const leaves = makeLeaves(0, 5);
  const root = naiveRoot(leaves);
  const short = new Uint8Array(31);
  it('a leaf hash that is not 32 bytes', () => {
    assert.throws(() => verifyInclusion(short, 1, 5, naivePath(1, leaves), root), invalidBecause(/leaf hash is not 32 bytes/));
  });
  it('a tree size that is not a safe integer, on either side', () => {
    const proof = naiveConsistency(2, leaves);
    const r2 = naiveRoot(leaves.slice(0, 2));
    assert.throws(() => verifyConsistency(1.5, 5, proof, r2, root), invalidBecause(/not a safe integer/));
    assert.throws(() => verifyConsistency(2, -5, proof, r2, root), invalidBecause(/not a safe integer/));
    assert.throws(() => verifyConsistency(2, 2 ** 53, proof, r2, root), invalidBecause(/not a safe integer/));
  });
  it('a root that is not 32 bytes, on either side', () => {
    const proof = naiveConsistency(2, leaves);
    const r2 = naiveRoot(leaves.slice(0, 2));
    assert.throws(() => verifyConsistency(2, 5, proof, short, root), invalidBecause(/root is not 32 bytes/));
    assert.throws(() => verifyConsistency(2, 5, proof, r2, short), invalidBecause(/root is not 32 bytes/));
  });
});

describe('tree math at zero and below', () => {
  it('zero and negative numbers are no powers of two; zero has no trailing zero bits to count', () => {
    for (const x of [0, -1, -2, -4]) assert.equal(isPowerOfTwo(x), false, String(x));
    for (const x of [1, 2, 4, 2 ** 40]) assert.equal(isPowerOfTwo(x), true, String(x));
    assert.equal(trailingZeros(0), 0);
    assert.equal(trailingZeros(12), 2);
  });
});
