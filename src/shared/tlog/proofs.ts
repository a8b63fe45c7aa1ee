// Inclusion and consistency proofs built from stored hashes, each in one read of O(log n)
// hashes. RFC 9162 §2.1.3.1 (PATH) and §2.1.4.1 (PROOF); port of golang.org/x/mod/sumdb/tlog
// ProveRecord and ProveTree. Verification is proof-verify.ts.
import { KeyholeError } from '../errors.js';
import { readHashesChecked, type HashReader } from './hash-reader.js';
import { checkSize, subtreeHash, subtreeIndexes } from './tree-hash.js';
import { isSafeIndex, maxPow2Below } from './tree-math.js';

type Hashes = readonly Uint8Array[];

/** The inclusion proof (audit path, leaf to root order, 32-byte hashes) that leaf `index`
 *  (0-based) is in the tree of the first `treeSize` leaves. Empty for a one-leaf tree.
 *  RFC 9162 §2.1.3.1.
 *  @throws KeyholeError INDEX_OUT_OF_RANGE unless 0 <= index < treeSize <= MAX_TREE_SIZE;
 *  LOG_VERIFY_FAILED on a malformed reader answer; whatever the reader throws. */
export async function proveInclusion(index: number, treeSize: number, reader: HashReader): Promise<Hashes> {
  checkSize(treeSize);
  if (!isSafeIndex(index) || index >= treeSize) {
    throw new KeyholeError('INDEX_OUT_OF_RANGE', `leaf ${index} is not in a tree of ${treeSize}`);
  }
  const indexes = leafProofIndexes(0, treeSize, index, []);
  const hashes = await readHashesChecked(reader, indexes);
  const [proof, rest] = leafProof(0, treeSize, index, hashes);
  if (rest.length !== 0) throw new KeyholeError('INTERNAL', 'tlog: bad index math in proveInclusion');
  return proof;
}

/** The consistency proof (32-byte hashes) that the tree of `size1` leaves is a prefix of
 *  the tree of `size2` leaves. Empty when size1 is 0 or equals size2. RFC 9162 §2.1.4.1.
 *  @throws KeyholeError INDEX_OUT_OF_RANGE unless 0 <= size1 <= size2 <= MAX_TREE_SIZE;
 *  LOG_VERIFY_FAILED on a malformed reader answer; whatever the reader throws. */
export async function proveConsistency(size1: number, size2: number, reader: HashReader): Promise<Hashes> {
  checkSize(size2);
  if (!isSafeIndex(size1) || size1 > size2) {
    throw new KeyholeError('INDEX_OUT_OF_RANGE', `tree size ${size1} is not a prefix of ${size2}`);
  }
  if (size1 === 0 || size1 === size2) return [];
  const indexes = treeProofIndexes(0, size2, size1, []);
  const hashes = await readHashesChecked(reader, indexes);
  const [proof, rest] = treeProof(0, size2, size1, hashes);
  if (rest.length !== 0) throw new KeyholeError('INTERNAL', 'tlog: bad index math in proveConsistency');
  return proof;
}

/** The stored-hash indexes leafProof needs for leaf n in leaves [lo, hi). */
function leafProofIndexes(lo: number, hi: number, n: number, need: number[]): number[] {
  if (lo + 1 === hi) return need;
  const [k] = maxPow2Below(hi - lo);
  if (n < lo + k) {
    leafProofIndexes(lo, lo + k, n, need);
    return subtreeIndexes(lo + k, hi, need);
  }
  subtreeIndexes(lo, lo + k, need);
  return leafProofIndexes(lo + k, hi, n, need);
}

/** The proof for leaf n in leaves [lo, hi): walk down toward n, keeping the hash of the
 *  side not taken; returns it with the hashes left over. */
function leafProof(lo: number, hi: number, n: number, hashes: Hashes): readonly [Hashes, Hashes] {
  if (lo + 1 === hi) return [[], hashes];
  const [k] = maxPow2Below(hi - lo);
  let proof: Hashes;
  let sibling: Uint8Array;
  if (n < lo + k) {
    [proof, hashes] = leafProof(lo, lo + k, n, hashes);
    [sibling, hashes] = subtreeHash(lo + k, hi, hashes);
  } else {
    [sibling, hashes] = subtreeHash(lo, lo + k, hashes);
    [proof, hashes] = leafProof(lo + k, hi, n, hashes);
  }
  return [[...proof, sibling], hashes];
}

/** The stored-hash indexes treeProof needs for old size n within leaves [lo, hi). */
function treeProofIndexes(lo: number, hi: number, n: number, need: number[]): number[] {
  if (n === hi) return lo === 0 ? need : subtreeIndexes(lo, hi, need);
  const [k] = maxPow2Below(hi - lo);
  if (n <= lo + k) {
    treeProofIndexes(lo, lo + k, n, need);
    return subtreeIndexes(lo + k, hi, need);
  }
  subtreeIndexes(lo, lo + k, need);
  return treeProofIndexes(lo + k, hi, n, need);
}

/** The consistency sub-proof for old size n within leaves [lo, hi) (RFC 9162 SUBPROOF);
 *  returns it with the hashes left over. */
function treeProof(lo: number, hi: number, n: number, hashes: Hashes): readonly [Hashes, Hashes] {
  if (n === hi) {
    // Common ground: the verifier knows the old root when this subtree is the whole old tree.
    if (lo === 0) return [[], hashes];
    const [h, rest] = subtreeHash(lo, hi, hashes);
    return [[h], rest];
  }
  const [k] = maxPow2Below(hi - lo);
  let proof: Hashes;
  let sibling: Uint8Array;
  if (n <= lo + k) {
    [proof, hashes] = treeProof(lo, lo + k, n, hashes);
    [sibling, hashes] = subtreeHash(lo + k, hi, hashes);
  } else {
    [sibling, hashes] = subtreeHash(lo, lo + k, hashes);
    [proof, hashes] = treeProof(lo + k, hi, n, hashes);
  }
  return [[...proof, sibling], hashes];
}
