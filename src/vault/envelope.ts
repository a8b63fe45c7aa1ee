// The envelope format: AES-256-GCM sealing of one field under a customer's data key (and of a
// data key under a key-encryption key), with associated data that binds each ciphertext to its
// place. Pure functions, node:crypto only. DESIGN.md "Invariants" 5; NIST SP 800-38D (GCM).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KeyholeError } from '../shared/errors.js';

/** Bytes in every key the vault handles (data keys, KEKs, the blind-index key): 256 bits. */
export const KEY_BYTES = 32;
/** The format version byte that opens every sealed value. */
export const FORMAT_VERSION = 1;
/** Bytes of the random GCM nonce (96 bits, SP 800-38D §8.2.2) after the version byte. */
export const NONCE_BYTES = 12;
/** Bytes of the GCM tag at the end of a sealed value (128 bits). */
export const TAG_BYTES = 16;
/** Bytes of the header: the version byte and the nonce. */
export const HEADER_BYTES = 1 + NONCE_BYTES;

/** Where a field ciphertext belongs: its customer, its field and the customer's data-key
 *  version (customer_keys.key_version, from 1). */
export interface FieldPlace {
  readonly customerId: string;
  readonly field: string;
  readonly keyVersion: number;
}

/** Canonical, unambiguous encoding of labelled parts: each string as a 4-byte big-endian
 *  length and its UTF-8 bytes, each number as a 4-byte big-endian unsigned integer. */
export function encodeAad(parts: readonly (string | number)[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += typeof p === 'number' ? 4 : 4 + Buffer.byteLength(p, 'utf8');
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (const p of parts) {
    if (typeof p === 'number') {
      if (!Number.isInteger(p) || p < 0 || p > 0xffffffff) throw new RangeError('AAD numbers are u32');
      at = out.writeUInt32BE(p, at);
    } else {
      const n = out.write(p, at + 4, 'utf8');
      out.writeUInt32BE(n, at);
      at += 4 + n;
    }
  }
  return out;
}

/** AAD of a field ciphertext: ("keyhole/field/v1", customerId, field, keyVersion). */
export function fieldAad(place: FieldPlace): Uint8Array {
  return encodeAad(['keyhole/field/v1', place.customerId, place.field, place.keyVersion]);
}

/** AAD of a wrapped data key: ("keyhole/data-key/v1", customerId, keyVersion), so a wrapped
 *  key copied to another customer's row does not unwrap. */
export function dataKeyAad(customerId: string, keyVersion: number): Uint8Array {
  return encodeAad(['keyhole/data-key/v1', customerId, keyVersion]);
}

/** Random nonces are drawn from a pool filled by the CSPRNG 4 KiB at a time: one call into
 *  OpenSSL per 341 nonces instead of one per seal (the per-call cost was ~10 % of a bulk import).
 *  Every pooled byte is handed out exactly once; nonces are public, so holding the next few
 *  in memory reveals nothing (data keys never come from this pool). */
const NONCE_POOL_BYTES = 4096 - (4096 % NONCE_BYTES);
let noncePool = Buffer.alloc(0);
let noncePoolAt = 0;

function takeNonce(into: Buffer, at: number): void {
  if (noncePoolAt + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCE_POOL_BYTES);
    noncePoolAt = 0;
  }
  noncePool.copy(into, at, noncePoolAt, noncePoolAt + NONCE_BYTES);
  noncePool.fill(0, noncePoolAt, noncePoolAt + NONCE_BYTES);
  noncePoolAt += NONCE_BYTES;
}

/** Seals `plaintext` under the 32-byte `key` with associated data `aad`.
 *  Output: version byte (1) ‖ 12-byte random nonce ‖ ciphertext ‖ 16-byte GCM tag.
 *  Nonces are random: under one key this stays well below the 2^32-message bound of SP 800-38D. */
export function sealBytes(key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (key.length !== KEY_BYTES) throw new RangeError('AES-256-GCM needs a 32-byte key');
  // One output buffer: header, then the AAD behind it while the header is authenticated, then
  // the ciphertext and tag over it (GCM's ciphertext is as long as the plaintext).
  const out = Buffer.allocUnsafe(HEADER_BYTES + Math.max(plaintext.length + TAG_BYTES, aad.length));
  out[0] = FORMAT_VERSION;
  takeNonce(out, 1);
  const nonce = out.subarray(1, HEADER_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  out.set(aad, HEADER_BYTES);
  cipher.setAAD(out.subarray(0, HEADER_BYTES + aad.length));
  let at = HEADER_BYTES + cipher.update(plaintext).copy(out, HEADER_BYTES);
  at += cipher.final().copy(out, at);
  at += cipher.getAuthTag().copy(out, at);
  return out.subarray(0, at);
}

/** Opens a value made by `sealBytes` with the same key and AAD.
 *  @throws KeyholeError DECRYPT_FAILED on any failure (wrong key, wrong AAD, bad tag, truncation,
 *  unknown version); the reason is only in `cause` (STYLE.md convention 6). */
export function openBytes(key: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array {
  try {
    if (key.length !== KEY_BYTES) throw new RangeError('AES-256-GCM needs a 32-byte key');
    if (sealed.length < HEADER_BYTES + TAG_BYTES) throw new RangeError('sealed value is truncated');
    if (sealed[0] !== FORMAT_VERSION) throw new RangeError('unknown format version');
    const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const header = buf.subarray(0, HEADER_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, header.subarray(1), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([header, aad]));
    decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
    return Buffer.concat([decipher.update(buf.subarray(HEADER_BYTES, buf.length - TAG_BYTES)), decipher.final()]);
  } catch (cause) {
    throw decryptFailed(cause);
  }
}

/** Seals one field value for `place` under the customer's 32-byte data key (format of `sealBytes`,
 *  AAD `fieldAad(place)`). */
export function sealField(dataKey: Uint8Array, place: FieldPlace, plaintext: Uint8Array): Uint8Array {
  return sealBytes(dataKey, fieldAad(place), plaintext);
}

/** Opens a field ciphertext that MUST belong to exactly `place`.
 *  @throws KeyholeError DECRYPT_FAILED when it does not, or on any other failure. */
export function openField(dataKey: Uint8Array, place: FieldPlace, sealed: Uint8Array): Uint8Array {
  return openBytes(dataKey, fieldAad(place), sealed);
}

/** The uniform decryption failure; `cause` keeps the reason and is never serialized. */
export function decryptFailed(cause: unknown): KeyholeError {
  return cause instanceof KeyholeError && cause.code === 'DECRYPT_FAILED' ? cause : new KeyholeError('DECRYPT_FAILED', undefined, { cause });
}
