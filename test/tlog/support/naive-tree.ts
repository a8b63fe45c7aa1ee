// An independent oracle for the Merkle tree: RFC 6962 §2.1 written straight from the spec's
// recursive definitions (MTH, PATH, PROOF) over node:crypto SHA-256 — it shares no code with
// src/shared/tlog, so tests compare the incremental, tiled implementation against it.
import { createHash } from 'node:crypto';

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** SHA-256(0x00 ‖ data). */
export function naiveLeafHash(data: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(0), data);
}

/** SHA-256(0x01 ‖ l ‖ r). */
export function naiveNodeHash(l: Uint8Array, r: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(1), l, r);
}

/** The largest power of two strictly below n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) over leaf hashes (not leaf data): RFC 6962 §2.1. `lo`/`hi` select D[lo:hi]. */
export function naiveRoot(leaves: readonly Uint8Array[], lo = 0, hi = leaves.length): Uint8Array {
  const n = hi - lo;
  if (n === 0) return sha256();
  if (n === 1) return leaves[lo]!;
  const k = split(n);
  return naiveNodeHash(naiveRoot(leaves, lo, lo + k), naiveRoot(leaves, lo + k, hi));
}

/** PATH(m, D[n]): RFC 6962 §2.1.1. */
export function naivePath(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  if (m < k) return [...naivePath(m, leaves.slice(0, k)), naiveRoot(leaves.slice(k))];
  return [...naivePath(m - k, leaves.slice(k)), naiveRoot(leaves.slice(0, k))];
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true): RFC 6962 §2.1.2. */
export function naiveConsistency(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  return subproof(m, leaves, true);
}

export function subproof(m: number, leaves: readonly Uint8Array[], complete: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [naiveRoot(leaves)];
  const k = split(n);
  if (m <= k) return [...subproof(m, leaves.slice(0, k), complete), naiveRoot(leaves.slice(k))];
  return [...subproof(m - k, leaves.slice(k), false), naiveRoot(leaves.slice(0, k))];
}

/** The hashes at tree level 8·L, tile by tile, that C2SP tlog-tiles says a tree of these
 *  leaves has, recomputed from scratch: key `L/N` → data of width min(256, remaining). */
export function naiveTiles(leaves: readonly Uint8Array[]): Map<string, Uint8Array> {
  const tiles = new Map<string, Uint8Array>();
  for (let level = 0, span = 1; span <= leaves.length; level++, span *= 256) {
    const row: Uint8Array[] = [];
    for (let i = 0; (i + 1) * span <= leaves.length; i++) row.push(naiveRoot(leaves, i * span, (i + 1) * span));
    for (let n = 0; n * 256 < row.length; n++) {
      const part = row.slice(n * 256, (n + 1) * 256);
      tiles.set(`${level}/${n}`, new Uint8Array(Buffer.concat(part)));
    }
  }
  return tiles;
}

/** `count` distinct deterministic leaf hashes starting at leaf `from`. */
export function makeLeaves(from: number, count: number, salt = 'keyhole'): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => naiveLeafHash(new TextEncoder().encode(`${salt}:${from + i}`)));
}
