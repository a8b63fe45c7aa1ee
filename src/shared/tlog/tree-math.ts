// Integer arithmetic on tree sizes and indices, exact for every safe integer (< 2^53).
// JavaScript's bitwise operators truncate to 32 bits, so nothing in src/shared/tlog uses
// them on sizes or indices: halving is Math.floor(x / 2), a low bit is x % 2.
// docs/design/tlog.md ("No bitwise operators").

/** The largest tree the stored-hash functions (tiles, proofs, integrate) accept: 2^52
 *  leaves. A stored-hash index is about twice the leaf count, and it MUST stay below 2^53
 *  to be an exact JavaScript number. Proof verification accepts any safe-integer size. */
export const MAX_TREE_SIZE = 2 ** 52;

/** True when `x` is an integer in [0, 2^53). */
export function isSafeIndex(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** x / 2^k rounded down, for x >= 0 and k >= 0 (the `x >> k` of a 64-bit language). */
export function shiftRight(x: number, k: number): number {
  return Math.floor(x / 2 ** k);
}

/** The number of trailing zero bits of `x` (> 0); 0 when x is odd. */
export function trailingZeros(x: number): number {
  let n = 0;
  while (x > 0 && x % 2 === 0) {
    x /= 2;
    n++;
  }
  return n;
}

/** The largest power of two strictly below `n` (n >= 2), as [k, log2 k].
 *  RFC 6962 §2.1's split point for a subtree of n leaves. */
export function maxPow2Below(n: number): readonly [k: number, log: number] {
  let k = 1;
  let log = 0;
  while (k * 2 < n) {
    k *= 2;
    log++;
  }
  return [k, log];
}

/** True when `x` (> 0) is a power of two. */
export function isPowerOfTwo(x: number): boolean {
  if (x <= 0) return false;
  while (x % 2 === 0) x /= 2;
  return x === 1;
}
