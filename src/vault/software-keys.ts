// Helpers of the local (software) key providers: an Ed25519 signer over a seed held in memory,
// the evidence seed derived from the log seed, and HMAC-SHA-256. The PKCS#11 provider does the
// same operations on the token. docs/design/vault.md "Key providers".
import { createHmac } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { ProviderSigner, SignerPurpose } from './key-provider.js';

/** The HKDF info string deriving the evidence seed from the log signing seed (unchanged from
 *  src/incident/evidence-key.ts before the seam kept keys inside providers). */
export const EVIDENCE_KEY_INFO = 'keyhole/evidence-key/v1';

/** An Ed25519 signer over a copy of the 32-byte `seed`. */
export function softwareSigner(seed: Uint8Array): ProviderSigner {
  const secret = Uint8Array.from(seed);
  const publicKey = ed25519.getPublicKey(secret);
  return Object.freeze({ publicKey, sign: (msg: Uint8Array): Uint8Array => ed25519.sign(msg, secret) });
}

/** The signer of `purpose` from the log signing seed: the seed itself for checkpoints, its HKDF
 *  derivation (info EVIDENCE_KEY_INFO) for evidence bundles. */
export function softwareSignerFor(logSeed: Uint8Array, purpose: SignerPurpose): ProviderSigner {
  if (purpose === 'checkpoint') return softwareSigner(logSeed);
  const seed = hkdf(sha256, logSeed, undefined, new TextEncoder().encode(EVIDENCE_KEY_INFO), 32);
  const signer = softwareSigner(seed);
  seed.fill(0);
  return signer;
}

/** HMAC-SHA-256(key, message), 32 bytes. */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return createHmac('sha256', key).update(message).digest();
}
