// Keyed hashes and signatures made on the token: HMAC-SHA-256 blind indexes (CKM_SHA256_HMAC,
// PKCS#11 v2.40 §2.19) and Ed25519 signatures (CKM_EDDSA, v3.0 §2.3.14) with C_SignInit/C_Sign;
// the Ed25519 public key read from CKA_EC_POINT. The keys never leave the token.
import { KeyholeError } from '../shared/errors.js';
import type { ProviderSigner } from './key-provider.js';
import { pkcs11js } from './pkcs11-module.js';
import { blindIndexLabel, versionedKey } from './pkcs11-keys.js';
import type { Pkcs11Session } from './pkcs11-session.js';

/** CKM_EDDSA (PKCS#11 v3.0; pure Ed25519 without parameters). */
export const CKM_EDDSA = 0x1057;

/** HMAC-SHA-256 (32 bytes) of `message` under blind-index key version `version`.
 *  @throws KeyholeError KEY_UNAVAILABLE when version > 1 is absent, HSM_KEYS_MISSING when
 *  version 1 is, HSM_UNAVAILABLE. */
export function hmacOnToken(token: Pkcs11Session, message: Uint8Array, version: number): Uint8Array {
  return token.run((s) => {
    token.lib.C_SignInit(s.handle, { mechanism: pkcs11js.CKM_SHA256_HMAC }, versionedKey(token, s, pkcs11js.CKO_SECRET_KEY, blindIndexLabel(version), version));
    return Buffer.from(token.lib.C_Sign(s.handle, Buffer.from(message), Buffer.alloc(32)));
  });
}

/** The signer of Ed25519 pair `label` of key version `version`: its 32-byte public key, read
 *  now, and `sign` returning the 64-byte RFC 8032 signature made on the token.
 *  @throws KeyholeError KEY_UNAVAILABLE when version > 1 has no private key (destroyed once
 *  retired); HSM_KEYS_MISSING when the pair is absent or not Ed25519; HSM_UNAVAILABLE (also
 *  from `sign`). */
export function tokenSigner(token: Pkcs11Session, label: string, version: number): ProviderSigner {
  if (version > 1) token.run((s) => versionedKey(token, s, pkcs11js.CKO_PRIVATE_KEY, label, version)); // destroyed once retired
  const publicKey = token.run((s) => ed25519Point(token.lib.C_GetAttributeValue(s.handle, token.object(s, pkcs11js.CKO_PUBLIC_KEY, label), [{ type: pkcs11js.CKA_EC_POINT }])[0]?.value));
  return Object.freeze({
    publicKey,
    sign: (msg: Uint8Array): Uint8Array => token.run((s) => {
      token.lib.C_SignInit(s.handle, { mechanism: CKM_EDDSA }, token.object(s, pkcs11js.CKO_PRIVATE_KEY, label));
      return Buffer.from(token.lib.C_Sign(s.handle, Buffer.from(msg), Buffer.alloc(64)));
    }),
  });
}

/** The 32-byte Ed25519 public key of a CKA_EC_POINT: a DER OCTET STRING (04 20 ‖ key) or, on
 *  some tokens, the raw 32 bytes. @throws KeyholeError HSM_KEYS_MISSING otherwise. */
function ed25519Point(point: Buffer | undefined): Uint8Array {
  if (point && point.length === 34 && point[0] === 0x04 && point[1] === 0x20) return Uint8Array.from(point.subarray(2));
  if (point && point.length === 32) return Uint8Array.from(point);
  throw new KeyholeError('HSM_KEYS_MISSING', 'The token\'s signing key is not an Ed25519 key.');
}
