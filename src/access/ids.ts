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

/** A fresh 6-digit contact code (uniform, leading zeros kept): the "is this really support?"
 *  code that the agent's desk and the customer's portal both show for an open ticket. */
export function newContactCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}
