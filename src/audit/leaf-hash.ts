// Server-side hashing of log entries with node:crypto (faster than @noble on the integrator's
// hot path): the RFC 6962 leaf hash and the hash chain link. Results MUST equal the shared,
// browser-safe leafHash of src/shared/tlog/hash.ts (test/audit/leaf-hash.test.ts checks it).
import { createHash } from 'node:crypto';

/** The leaf hash of `data`: SHA-256(0x00 ‖ data), 32 bytes. RFC 9162 §2.1.1. */
export function auditLeafHash(data: Uint8Array | string): Uint8Array {
  return createHash('sha256').update(Uint8Array.of(0)).update(data).digest();
}

/** The hash chain link SHA-256(prevChainHash ‖ leafHash) (32 bytes); the chain starts from 32
 *  zero bytes. Kept from the first audit log for continuity; the Merkle tree supersedes it. */
export function chainHash(prev: Uint8Array, leafHash: Uint8Array): Uint8Array {
  return createHash('sha256').update(prev).update(leafHash).digest();
}

/** The chain's starting value: 32 zero bytes. */
export const CHAIN_START: Uint8Array = new Uint8Array(32);
