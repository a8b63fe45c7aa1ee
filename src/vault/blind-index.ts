// Blind indexes: a keyed digest of a field's canonical value, for exact-match lookup and
// verify-don't-view without storing the value. HMAC-SHA-256 (RFC 2104) under the blind-index key,
// which is separate from every encryption key. DESIGN.md "Verify, don't view".
import { createHmac, timingSafeEqual } from 'node:crypto';
import { KeyholeError } from '../shared/errors.js';

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

/** HMAC-SHA-256(indexKey, UTF-8(field) ‖ 0x00 ‖ UTF-8(canonical)), 32 bytes. The caller (the
 *  fields module) normalizes `canonical`; equal canonical strings give equal digests.
 *  @throws KeyholeError BAD_REQUEST for a bad field name. */
export function blindIndexDigest(indexKey: Uint8Array, field: string, canonical: string): Uint8Array {
  assertFieldName(field);
  return createHmac('sha256', indexKey).update(field, 'utf8').update(Buffer.of(0)).update(canonical, 'utf8').digest();
}

/** Constant-time equality of two digests (false when lengths differ). */
export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
