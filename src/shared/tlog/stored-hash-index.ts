// The dense linear numbering of every hash a log stores (Crosby & Wallach §3.3), ported from
// golang.org/x/mod/sumdb/tlog (StoredHashIndex, SplitStoredHashIndex, StoredHashCount) with
// exact arithmetic on JavaScript numbers instead of 64-bit shifts.
import { KeyholeError } from '../errors.js';
import { isSafeIndex, MAX_TREE_SIZE, shiftRight, trailingZeros } from './tree-math.js';

/** The stored-hash index of the node at tree `level` (0 = leaves) and position `n` within
 *  that level: level L's n-th hash is stored right after level L+1's (2n+1)-th hash.
 *  The node MUST lie inside a tree of at most MAX_TREE_SIZE leaves.
 *  @throws KeyholeError INDEX_OUT_OF_RANGE on a negative, fractional or too large input. */
export function storedHashIndex(level: number, n: number): number {
  if (!isSafeIndex(level) || level > 52 || !isSafeIndex(n) || (n + 1) * 2 ** level > MAX_TREE_SIZE) {
    throw new KeyholeError('INDEX_OUT_OF_RANGE', `no stored hash at level ${level}, position ${n}`);
  }
  // Walk down to the rightmost leaf under the node: n ← 2n+1, `level` times.
  let m = n * 2 ** level + (2 ** level - 1);
  // Level 0's m-th hash is stored at m + m/2 + m/4 + … .
  let i = 0;
  while (m > 0) {
    i += m;
    m = shiftRight(m, 1);
  }
  return i + level;
}

/** The inverse of storedHashIndex: the [level, n] of the hash stored at `index`.
 *  @throws KeyholeError INDEX_OUT_OF_RANGE on an index outside a MAX_TREE_SIZE tree. */
export function splitStoredHashIndex(index: number): readonly [level: number, n: number] {
  if (!isSafeIndex(index) || index >= maxStoredHashes()) {
    throw new KeyholeError('INDEX_OUT_OF_RANGE', `stored hash index ${index} is out of range`);
  }
  // storedHashIndex(0, n) <= 2n, so the leaf recorded just before `index` is in
  // [index/2, index/2 + log2(index)].
  let n = shiftRight(index, 1);
  let indexN = storedHashIndex(0, n);
  for (;;) {
    // Recording leaf n+1 stores 1 + trailingZeros(n+1) hashes after leaf n's.
    const x = indexN + 1 + trailingZeros(n + 1);
    if (x > index) break;
    n++;
    indexN = x;
  }
  // The hash was stored with leaf n: it is one of (0, n), (1, n/2), (2, n/4), …
  const level = index - indexN;
  return [level, shiftRight(n, level)];
}

/** The number of hashes stored for a tree of `size` leaves (0 for the empty tree).
 *  @throws KeyholeError INDEX_OUT_OF_RANGE when size is not in [0, MAX_TREE_SIZE]. */
export function storedHashCount(size: number): number {
  if (!isSafeIndex(size) || size > MAX_TREE_SIZE) {
    throw new KeyholeError('INDEX_OUT_OF_RANGE', `tree size ${size} is out of range`);
  }
  if (size === 0) return 0;
  // Every hash up to the last leaf's, plus one per subtree that leaf completes.
  return storedHashIndex(0, size - 1) + 1 + trailingZeros(size);
}

let maxStored = 0;
/** storedHashCount(MAX_TREE_SIZE), computed once. */
function maxStoredHashes(): number {
  if (maxStored === 0) maxStored = storedHashCount(MAX_TREE_SIZE);
  return maxStored;
}
