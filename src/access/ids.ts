// Identifiers: a short type prefix and 16 random bytes in base32 (Crockford alphabet, lower case).
import { randomBytes, randomInt } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A new random id like `tkt_3k9…` (prefix, underscore, 26 base32 characters). */
export function newId(prefix: string): string {
  const bytes = randomBytes(16);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = value * 256 + b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      const idx = Math.floor(value / 2 ** bits) % 32;
      out += ALPHABET[idx];
      value %= 2 ** bits;
    }
  }
  if (bits > 0) out += ALPHABET[(value * 2 ** (5 - bits)) % 32];
  return `${prefix}_${out}`;
}

/** A new time-ordered id like `cus_01j…`: the same shape as newId (prefix, underscore, 26
 *  base32 characters) laid out as a ULID (ulid/spec: 48-bit big-endian Unix time in ms, then
 *  80 random bits), so ids made later sort later. Used where many rows are inserted at once
 *  (imported customers): their primary keys then append at the right edge of each b-tree
 *  instead of touching random pages of an index larger than the buffer cache. 80 random bits
 *  keep the id unguessable; what it adds is the time it was made, to the millisecond.
 *  @param nowMs Unix time in ms, 0 ≤ nowMs < 2^48. @throws RangeError outside that range. */
export function newSortableId(prefix: string, nowMs: number): string {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0 || nowMs >= 2 ** 48) throw new RangeError('nowMs must be a Unix time in ms below 2^48');
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(10);
  let random = '';
  for (let i = 0; i < 10; i += 5) {
    // 5 bytes = 40 bits = 8 characters, exact in a double.
    let v = 0;
    for (let j = 0; j < 5; j++) v = v * 256 + (bytes[i + j] as number);
    let chunk = '';
    for (let j = 0; j < 8; j++) {
      chunk = ALPHABET[v % 32] + chunk;
      v = Math.floor(v / 32);
    }
    random += chunk;
  }
  return `${prefix}_${time}${random}`;
}

/** A fresh 6-digit contact code (uniform, leading zeros kept): the "is this really support?"
 *  code that the agent's desk and the customer's portal both show for an open ticket. */
export function newContactCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}
