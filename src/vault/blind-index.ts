// Blind indexes: a keyed digest of a field's canonical value, for exact-match lookup and
// verify-don't-view without storing the value. HMAC-SHA-256 (RFC 2104) under the blind-index key,
// which is separate from every encryption key. DESIGN.md "Verify, don't view".
import { timingSafeEqual } from 'node:crypto';
import { KeyholeError } from '../shared/errors.js';
import type { KeyProvider } from './key-provider.js';

/** Bytes in a blind-index digest. */
export const DIGEST_BYTES = 32;
const MAX_FIELD_LENGTH = 128;

/** Checks a field name: 1–128 characters, no NUL (the separator below).
 *  @throws KeyholeError BAD_REQUEST otherwise. */
export function assertFieldName(field: string): void {
  if (typeof field !== 'string' || field.length === 0 || field.length > MAX_FIELD_LENGTH || field.includes('\u0000')) {
    throw new KeyholeError('BAD_REQUEST', 'A vault field name must be 1-128 characters without NUL.');
  }
}

/** The message of a blind index: UTF-8(field) ‖ 0x00 ‖ UTF-8(canonical). It always holds one
 *  NUL, so it never equals the key-check message of Vault.checkKeys (which holds none).
 *  @throws KeyholeError BAD_REQUEST for a bad field name. */
export function blindIndexMessage(field: string, canonical: string): Uint8Array {
  assertFieldName(field);
  const f = Buffer.byteLength(field, 'utf8');
  const out = Buffer.allocUnsafe(f + 1 + Buffer.byteLength(canonical, 'utf8'));
  out.write(field, 0, 'utf8');
  out[f] = 0;
  out.write(canonical, f + 1, 'utf8');
  return out;
}

/** HMAC-SHA-256(blind-index key version `version` (default 1), blindIndexMessage(field,
 *  canonical)), 32 bytes, computed by the
 *  key provider (on the token for PKCS#11). The caller (the fields module) normalizes
 *  `canonical`; equal canonical strings give equal digests.
 *  @throws KeyholeError BAD_REQUEST for a bad field name; KEY_UNAVAILABLE / HSM_UNAVAILABLE. */
export async function blindIndexDigest(keys: Pick<KeyProvider, 'blindIndex'>, field: string, canonical: string, version?: number): Promise<Uint8Array> {
  const digest = await keys.blindIndex(blindIndexMessage(field, canonical), version);
  if (digest.length !== DIGEST_BYTES) throw new KeyholeError('KEY_UNAVAILABLE', 'The blind index is not 32 bytes.');
  return digest;
}

/** Constant-time equality of two digests (false when lengths differ). */
export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
