// Strict standard base64 (RFC 4648 §4, with padding) for the tlog text formats. Browser-safe:
// no Buffer, no atob (which skips whitespace and accepts missing padding). Decoding is
// canonical, so every byte string has exactly one accepted encoding — a tampered character
// can never decode to the same bytes.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE: Int16Array = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** Encodes `bytes` as standard padded base64 (RFC 4648 §4). */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    const b1 = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    const b2 = i + 2 < bytes.length ? bytes[i + 2]! : 0;
    const n = (b0 << 16) | (b1 << 8) | b2;
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63]! : '=';
  }
  return out;
}

/** Decodes standard padded base64 (RFC 4648 §4) strictly: the length MUST be a multiple of 4,
 *  only the 64 alphabet characters and final padding are allowed (no whitespace, no URL-safe
 *  alphabet), and the unused bits before the padding MUST be zero (canonical encoding).
 *  Returns undefined on any violation — callers turn that into their own error code. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const c = [0, 1, 2, 3].map((k) => sextet(text, i + k, last ? pad : 0, k));
    if (c.some((v) => v < 0)) return undefined;
    const n = (c[0]! << 18) | (c[1]! << 12) | (c[2]! << 6) | c[3]!;
    out[o++] = (n >> 16) & 0xff;
    if (o < out.length) out[o++] = (n >> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  if (pad === 2 && (DECODE[text.charCodeAt(text.length - 3)]! & 0x0f) !== 0) return undefined;
  if (pad === 1 && (DECODE[text.charCodeAt(text.length - 2)]! & 0x03) !== 0) return undefined;
  return out;
}

/** The 6-bit value at `pos`, 0 for an allowed padding position, or -1 when invalid. */
function sextet(text: string, pos: number, pad: number, k: number): number {
  const code = text.charCodeAt(pos);
  if (k >= 4 - pad) return code === 0x3d ? 0 : -1;
  return code < 128 ? DECODE[code]! : -1;
}
