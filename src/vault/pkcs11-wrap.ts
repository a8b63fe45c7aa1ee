// Wrapping 32-byte data keys under a KEK on the token with CKM_AES_GCM (PKCS#11 v2.40 §2.12.5,
// CK_GCM_PARAMS; C_EncryptInit/C_Encrypt, C_DecryptInit/C_Decrypt) in the layout of envelope.ts
// `sealBytes`: version byte ‖ 12-byte random nonce ‖ ciphertext ‖ 16-byte tag, AAD = header ‖
// aad, so the customer id the caller binds stays bound. The key never leaves the token.
import { randomBytes } from 'node:crypto';
import type * as P11 from 'pkcs11js';
import { decryptFailed, FORMAT_VERSION, HEADER_BYTES, KEY_BYTES, NONCE_BYTES, TAG_BYTES } from './envelope.js';
import { pkcs11js } from './pkcs11-module.js';
import { kekHandle } from './pkcs11-keys.js';
import { isSessionLost, type Pkcs11Session } from './pkcs11-session.js';

/** Seals the 32-byte `dataKey` under KEK `kekId` binding `aad`; returns 13 + 32 + 16 bytes.
 *  @throws RangeError when `dataKey` is not 32 bytes; KeyholeError KEY_UNAVAILABLE when the
 *  token has no such KEK, HSM_UNAVAILABLE. */
export function wrapOnToken(token: Pkcs11Session, kekId: string, dataKey: Uint8Array, aad: Uint8Array): Uint8Array {
  if (dataKey.length !== KEY_BYTES) throw new RangeError('a data key is 32 bytes');
  const header = Buffer.concat([Buffer.of(FORMAT_VERSION), randomBytes(NONCE_BYTES)]);
  const body = token.run((s) => {
    const key = kekHandle(token, s, kekId);
    token.lib.C_EncryptInit(s.handle, gcm(header, aad), key);
    return token.lib.C_Encrypt(s.handle, Buffer.from(dataKey), Buffer.alloc(dataKey.length + TAG_BYTES + 16));
  });
  return Buffer.concat([header, body]);
}

/** Opens a value made by `wrapOnToken` under KEK `kekId` with the same `aad`.
 *  @throws KeyholeError DECRYPT_FAILED when it is malformed or does not open (wrong AAD, wrong
 *  KEK, a flipped bit; the reason only in `cause`); KEY_UNAVAILABLE when the token has no such
 *  KEK; HSM_UNAVAILABLE. */
export function unwrapOnToken(token: Pkcs11Session, kekId: string, wrapped: Uint8Array, aad: Uint8Array): Uint8Array {
  if (wrapped.length < HEADER_BYTES + TAG_BYTES || wrapped[0] !== FORMAT_VERSION) throw decryptFailed(new RangeError('wrapped key is malformed'));
  const buf = Buffer.from(wrapped);
  const header = buf.subarray(0, HEADER_BYTES);
  return token.run((s) => {
    const key = kekHandle(token, s, kekId);
    token.lib.C_DecryptInit(s.handle, gcm(header, aad), key);
    try {
      return Buffer.from(token.lib.C_Decrypt(s.handle, buf.subarray(HEADER_BYTES), Buffer.alloc(buf.length)));
    } catch (e) {
      if (isSessionLost(e)) throw e;
      throw decryptFailed(e); // wrong AAD, wrong KEK, flipped bit
    }
  });
}

/** AES-GCM parameters of the envelope layout: IV = the header's nonce, AAD = header ‖ aad,
 *  128-bit tag (as envelope.ts `sealBytes`). */
function gcm(header: Buffer, aad: Uint8Array): P11.Mechanism {
  return {
    mechanism: pkcs11js.CKM_AES_GCM,
    parameter: { type: pkcs11js.CK_PARAMS_AES_GCM, iv: Buffer.from(header.subarray(1)), aad: Buffer.concat([header, Buffer.from(aad)]), ivBits: NONCE_BYTES * 8, tagBits: TAG_BYTES * 8 } as P11.AesGCM,
  };
}
