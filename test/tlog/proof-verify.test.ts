// Proof verification on hostile input and on trees far beyond 2^32 leaves, where 32-bit
// bitwise arithmetic would go wrong: a tree of 2^k + m leaves is a perfect left subtree
// (any 32-byte hash stands for it) and a small right tree from the oracle.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeyholeError } from '../../src/shared/errors.js';
import { emptyRoot } from '../../src/shared/tlog/hash.js';
import {
  isValidConsistency, isValidInclusion, rootFromInclusionProof, verifyConsistency, verifyInclusion,
} from '../../src/shared/tlog/proof-verify.js';
import { makeLeaves, naiveNodeHash, naivePath, naiveRoot, subproof } from './support/naive-tree.js';

const invalid = (e: unknown) => isKeyholeError(e, 'PROOF_INVALID');

describe('proof verification', () => {
  const leaves = makeLeaves(0, 7);
  const root = naiveRoot(leaves);
  const proof = naivePath(3, leaves);

  it('accepts a valid proof and returns the implied root', () => {
    verifyInclusion(leaves[3]!, 3, 7, proof, root);
    assert.deepEqual(rootFromInclusionProof(leaves[3]!, 3, 7, proof), root);
  });

  it('refuses malformed inclusion inputs with PROOF_INVALID', () => {
    const cases: Array<[Uint8Array, number, number, unknown, Uint8Array]> = [
      [leaves[3]!, 3, 7, proof.map((h) => h.subarray(1)), root],
      [leaves[3]!, 3, 7, [...proof, new Uint8Array(33)], root],
      [leaves[3]!, 3, 7, 'proof', root],
      [leaves[3]!, 3, 7, [...proof, ...Array.from({ length: 64 }, () => new Uint8Array(32))], root],
      [leaves[3]!, 3, 7, [...proof.slice(0, 2), 'x'], root],
      [leaves[3]!.subarray(1), 3, 7, proof, root],
      [leaves[3]!, 3, 7, proof, root.subarray(1)],
      [leaves[3]!, 7, 7, proof, root],
      [leaves[3]!, -1, 7, proof, root],
      [leaves[3]!, 3.5, 7, proof, root],
      [leaves[3]!, Number.NaN, 7, proof, root],
      [leaves[3]!, 3, 2 ** 53, proof, root],
      [leaves[3]!, 3, 18446744073709551615, proof, root],
      [leaves[3]!, '3' as unknown as number, 7, proof, root],
    ];
    for (const [leaf, i, size, p, r] of cases) {
      assert.throws(() => verifyInclusion(leaf, i, size, p as Uint8Array[], r), invalid);
      assert.equal(isValidInclusion(leaf, i, size, p as Uint8Array[], r), false);
    }
  });

  it('handles the consistency edge cases of equal and empty trees', () => {
    verifyConsistency(7, 7, [], root, root);
    verifyConsistency(0, 7, [], emptyRoot(), root);
    verifyConsistency(0, 0, [], emptyRoot(), emptyRoot());
    assert.equal(isValidConsistency(7, 7, [], root, naiveRoot(leaves.slice(0, 6))), false);
    assert.equal(isValidConsistency(7, 7, [root], root, root), false);
    assert.equal(isValidConsistency(0, 7, [], root, root), false);
    assert.equal(isValidConsistency(0, 0, [], emptyRoot(), root), false);
    assert.equal(isValidConsistency(0, 7, [root], emptyRoot(), root), false);
    assert.equal(isValidConsistency(8, 7, [], root, root), false);
    assert.equal(isValidConsistency(3, 7, [], naiveRoot(leaves.slice(0, 3)), root), false);
    assert.equal(isValidConsistency(3, Number.POSITIVE_INFINITY, [], root, root), false);
    assert.throws(() => verifyConsistency(3, 7, 'x' as unknown as Uint8Array[], root, root), invalid);
  });

  for (const k of [32, 45, 52]) {
    it(`verifies proofs in a tree of 2^${k} + 5 leaves`, () => {
      const left = naiveRoot(makeLeaves(0, 2, 'left')); // stands for the perfect left subtree
      const right = makeLeaves(0, 5, 'right');
      const size = 2 ** k + 5;
      const big = naiveNodeHash(left, naiveRoot(right));
      for (let j = 0; j < 5; j++) {
        const p = [...naivePath(j, right), left];
        verifyInclusion(right[j]!, 2 ** k + j, size, p, big);
        assert.equal(isValidInclusion(right[j]!, 2 ** k + j - 2 ** 31, size, p, big), false);
      }
      for (let m = 1; m < 5; m++) {
        const root1 = naiveNodeHash(left, naiveRoot(right.slice(0, m)));
        verifyConsistency(2 ** k + m, size, [...subproof(m, right, false), left], root1, big);
      }
      verifyConsistency(2 ** k, size, [naiveRoot(right)], left, big);
    });
  }
});
