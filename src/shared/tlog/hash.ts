// The Merkle tree hash function of the log: RFC 6962 §2.1 / RFC 9162 §2.1.1 with SHA-256,
// domain-separated leaf and interior-node hashes, and the root of the empty tree.
// Browser-safe: @noble/hashes only.
import { sha256 } from '@noble/hashes/sha2.js';

/** The size in bytes of every hash in the log (SHA-256). */
export const HASH_SIZE = 32;

/** The leaf hash of `data`: SHA-256(0x00 ‖ data), 32 bytes. RFC 9162 §2.1.1. */
export function leafHash(data: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + data.length);
  buf[0] = 0x00;
  buf.set(data, 1);
  return sha256(buf);
}

/** The interior node hash SHA-256(0x01 ‖ left ‖ right), 32 bytes. RFC 9162 §2.1.1.
 *  Callers pass 32-byte hashes; this function does not check (hot path). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = 0x01;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

const EMPTY_ROOT = sha256(new Uint8Array(0));

/** The root of the empty tree, SHA-256("") = e3b0c442…b855 (a fresh copy). RFC 9162 §2.1.1. */
export function emptyRoot(): Uint8Array {
  return EMPTY_ROOT.slice();
}

/** True when `x` is a Uint8Array of exactly HASH_SIZE bytes (Buffer counts). */
export function isHash(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array && x.length === HASH_SIZE;
}

/** Byte equality of two hashes, in time independent of where they differ. Hashes are not
 *  secret; this only keeps comparisons uniform. */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
