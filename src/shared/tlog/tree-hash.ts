// The root hash of a tree of any size from stored hashes, in one read of at most
// 1 + log2(n) hashes: the tree of n leaves is the fold of its perfect subtrees, whose
// roots are all stored. RFC 9162 §2.1.1; port of golang.org/x/mod/sumdb/tlog TreeHash.
import { KeyholeError } from '../errors.js';
import { emptyRoot, nodeHash } from './hash.js';
import { readHashesChecked, type HashReader } from './hash-reader.js';
import { storedHashIndex } from './stored-hash-index.js';
import { isSafeIndex, maxPow2Below, MAX_TREE_SIZE } from './tree-math.js';

/** The root hash of the tree of the first `size` leaves (32 bytes), reading previously
 *  stored hashes from `reader` in one call. The empty tree's root is SHA-256("").
 *  @throws KeyholeError INDEX_OUT_OF_RANGE when size is not in [0, MAX_TREE_SIZE];
 *  LOG_VERIFY_FAILED on a malformed reader answer; whatever the reader throws. */
export async function treeHash(size: number, reader: HashReader): Promise<Uint8Array> {
  checkSize(size);
  if (size === 0) return emptyRoot();
  const indexes = subtreeIndexes(0, size, []);
  const hashes = await readHashesChecked(reader, indexes);
  const [hash, rest] = subtreeHash(0, size, hashes);
  if (rest.length !== 0) throw new KeyholeError('INTERNAL', 'tlog: bad index math in treeHash');
  return hash;
}

/** Throws INDEX_OUT_OF_RANGE unless `size` is an integer in [0, MAX_TREE_SIZE]. */
export function checkSize(size: number): void {
  if (!isSafeIndex(size) || size > MAX_TREE_SIZE) {
    throw new KeyholeError('INDEX_OUT_OF_RANGE', `tree size ${size} is out of range`);
  }
}

/** Appends to `need` the stored-hash indexes of the perfect subtrees that make up leaves
 *  [lo, hi), largest first, and returns it. Go's subTreeIndex. */
export function subtreeIndexes(lo: number, hi: number, need: number[]): number[] {
  while (lo < hi) {
    const [k, level] = maxPow2Below(hi - lo + 1);
    if (lo % k !== 0) throw new KeyholeError('INTERNAL', 'tlog: bad math in subtreeIndexes');
    need.push(storedHashIndex(level, lo / k));
    lo += k;
  }
  return need;
}

/** The hash of the subtree of leaves [lo, hi) from `hashes`, which start with the hashes
 *  of subtreeIndexes(lo, hi); returns it with the hashes left over. Go's subTreeHash. */
export function subtreeHash(lo: number, hi: number, hashes: readonly Uint8Array[]): readonly [Uint8Array, readonly Uint8Array[]] {
  let count = 0;
  while (lo < hi) {
    const [k] = maxPow2Below(hi - lo + 1);
    count++;
    lo += k;
  }
  if (count === 0 || hashes.length < count) throw new KeyholeError('INTERNAL', 'tlog: bad index math in subtreeHash');
  let h = hashes[count - 1]!;
  for (let i = count - 2; i >= 0; i--) h = nodeHash(hashes[i]!, h);
  return [h, hashes.slice(count)];
}
