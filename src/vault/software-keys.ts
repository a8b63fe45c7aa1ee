// Helpers of the local (software) key providers: an Ed25519 signer over a seed held in memory,
// the evidence seed derived from the log seed, and HMAC-SHA-256. The PKCS#11 provider does the
// same operations on the token. docs/design/vault.md "Key providers".
import { createHmac, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { ProviderSigner, SignerPurpose } from './key-provider.js';

/** The HKDF info string deriving the evidence seed from the log signing seed (unchanged from
 *  src/incident/evidence-key.ts before the seam kept keys inside providers). */
export const EVIDENCE_KEY_INFO = 'keyhole/evidence-key/v1';

/** The PKCS #8 DER encoding of an Ed25519 private key up to its 32-byte seed (RFC 8410 §7). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** Bytes before the 32-byte key in an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4). */
const ED25519_SPKI_PREFIX_LENGTH = 12;

/** An Ed25519 signer (RFC 8032, pure Ed25519) over the 32-byte `seed`, held as a node:crypto
 *  key (the caller may wipe `seed` afterwards): `publicKey` is the 32-byte key, `sign` returns
 *  the 64-byte signature, the same as any RFC 8032 implementation's (the browser's @noble).
 *  @throws RangeError unless `seed` is 32 bytes. */
export function softwareSigner(seed: Uint8Array): ProviderSigner {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const der = Buffer.concat([ED25519_PKCS8_PREFIX, seed]);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  const publicKey = new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX_LENGTH));
  return Object.freeze({ publicKey, sign: (msg: Uint8Array): Uint8Array => new Uint8Array(sign(null, msg, key)) });
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
