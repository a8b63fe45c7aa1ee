// Verification of inclusion and consistency proofs, exactly the algorithms of RFC 9162
// §2.1.3.2 and §2.1.4.2, with no I/O. Every input is attacker-controlled (it arrives in
// receipts, API answers and exported bundles): types, sizes and lengths are checked before
// any hashing, and every failure is one KeyholeError PROOF_INVALID.
import { KeyholeError } from '../errors.js';
import { emptyRoot, hashesEqual, isHash, nodeHash } from './hash.js';
import { isPowerOfTwo, isSafeIndex } from './tree-math.js';

/** A proof longer than this cannot belong to a tree of fewer than 2^64 leaves. */
const MAX_PROOF_LENGTH = 64;

/** Verifies that `leafHash` is leaf `index` (0-based) of the tree of `treeSize` leaves
 *  whose root is `root` (32 bytes each; proof in leaf-to-root order). RFC 9162 §2.1.3.2.
 *  @throws KeyholeError PROOF_INVALID on a malformed input (a hash that is not 32 bytes, an
 *  index or size that is not a safe non-negative integer), index >= treeSize, a proof of
 *  the wrong length, or a root mismatch. */
export function verifyInclusion(
  leafHash: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array,
): void {
  const computed = rootFromInclusionProof(leafHash, index, treeSize, proof);
  if (!isHash(root) || !hashesEqual(computed, root)) throw invalid('inclusion proof does not lead to the root');
}

/** verifyInclusion as a boolean: true when it would return, false when it would throw. */
export function isValidInclusion(
  leafHash: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array,
): boolean {
  return succeeds(() => verifyInclusion(leafHash, index, treeSize, proof, root));
}

/** The root that `proof` implies for leaf `index` of a tree of `treeSize` leaves with hash
 *  `leafHash` (RFC 9162 §2.1.3.2 steps 1–5, without the final comparison). A caller MUST
 *  compare it with a trusted root.
 *  @throws KeyholeError PROOF_INVALID as verifyInclusion, except for the root mismatch. */
export function rootFromInclusionProof(
  leafHash: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[],
): Uint8Array {
  if (!isSafeIndex(index) || !isSafeIndex(treeSize)) throw invalid('index or tree size is not a safe integer');
  if (index >= treeSize) throw invalid(`index ${index} is not below tree size ${treeSize}`);
  if (!isHash(leafHash)) throw invalid('leaf hash is not 32 bytes');
  checkProofShape(proof);
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw invalid('inclusion proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn / 2, Math.floor(sn / 2)];
    } else {
      r = nodeHash(r, p);
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  if (sn !== 0) throw invalid('inclusion proof is too short');
  return r;
}

/** Verifies that the tree of `size1` leaves with root `root1` is a prefix of the tree of
 *  `size2` leaves with root `root2` (32 bytes each). RFC 9162 §2.1.4.2, plus its edge cases:
 *  size1 = size2 needs an empty proof and equal roots; size1 = 0 needs an empty proof and
 *  root1 = SHA-256("").
 *  @throws KeyholeError PROOF_INVALID on a malformed input, size1 > size2, a proof of the
 *  wrong length, or a root mismatch. */
export function verifyConsistency(
  size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array,
): void {
  if (!isSafeIndex(size1) || !isSafeIndex(size2)) throw invalid('tree size is not a safe integer');
  if (size1 > size2) throw invalid(`tree size ${size1} is larger than ${size2}`);
  if (!isHash(root1) || !isHash(root2)) throw invalid('root is not 32 bytes');
  checkProofShape(proof);
  if (size1 === size2 || size1 === 0) {
    if (proof.length !== 0) throw invalid('consistency proof must be empty');
    if (size1 === size2 && !hashesEqual(root1, root2)) throw invalid('roots of equal sizes differ');
    if (size1 === 0 && !hashesEqual(root1, emptyRoot())) throw invalid('root of the empty tree is not SHA-256("")');
    return;
  }
  const [fr, sr] = runConsistencyProof(size1, size2, proof, root1);
  if (!hashesEqual(fr, root1) || !hashesEqual(sr, root2)) throw invalid('consistency proof does not lead to the roots');
}

/** verifyConsistency as a boolean: true when it would return, false when it would throw. */
export function isValidConsistency(
  size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array,
): boolean {
  return succeeds(() => verifyConsistency(size1, size2, proof, root1, root2));
}

/** RFC 9162 §2.1.4.2 steps 1–6 for 0 < size1 < size2: the [first root, second root] the
 *  proof implies. */
function runConsistencyProof(
  size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array,
): readonly [Uint8Array, Uint8Array] {
  if (proof.length === 0) throw invalid('consistency proof is empty');
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) throw invalid('consistency proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn / 2, Math.floor(sn / 2)];
    } else {
      sr = nodeHash(sr, c);
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  if (sn !== 0) throw invalid('consistency proof is too short');
  return [fr, sr];
}

/** Throws PROOF_INVALID unless `proof` is an array of at most 64 hashes of 32 bytes. */
function checkProofShape(proof: readonly Uint8Array[]): void {
  if (!Array.isArray(proof) || proof.length > MAX_PROOF_LENGTH || !proof.every(isHash)) {
    throw invalid('proof is not a list of 32-byte hashes');
  }
}

function succeeds(f: () => void): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof KeyholeError && e.code === 'PROOF_INVALID') return false;
    throw e;
  }
}

function invalid(message: string): KeyholeError {
  return new KeyholeError('PROOF_INVALID', message);
}
