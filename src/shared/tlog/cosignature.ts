// Timestamped Ed25519 checkpoint cosignatures (cosignature/v1): key IDs and vkeys of signature
// type 0x04, the signed message `cosignature/v1\ntime <T>\n<checkpoint note text>`, and the
// signature `u64 timestamp (big-endian) ‖ 64-byte Ed25519 signature`. C2SP tlog-cosignature
// (c2sp.org/tlog-cosignature, Ed25519 section) over C2SP signed-note. Browser-safe: @noble only.
// Cosignature lines and keys arrive from witnesses and configuration: parse strictly.
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { KeyholeError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './vkey.js';

/** The signature type identifier byte of timestamped Ed25519 cosignatures (C2SP signed-note
 *  §Signature types, 0x04). */
export const ALG_COSIGNATURE_V1 = 0x04;
/** The header line of the cosigned message (domain separation). */
export const COSIGNATURE_HEADER = 'cosignature/v1';
/** A cosignature's raw bytes after the key ID: 8-byte timestamp ‖ 64-byte signature. */
export const COSIGNATURE_SIZE = 72;
/** The largest timestamp the spec allows (2^63 − 1); JavaScript numbers stop at 2^53 − 1. */
const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

/** A cosigner's note signer: `sign(text)` returns `timestamp ‖ signature` (72 bytes), stamped
 *  with the signer's clock at that moment. `timestampOf` is the clock in POSIX seconds. */
export interface Cosigner extends NoteSigner {
  readonly timestampOf: () => number;
}

/** The key ID of an Ed25519 cosigner: SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte key)[:4] as a
 *  big-endian uint32. C2SP tlog-cosignature §Format. */
export function cosignatureKeyHash(name: string, publicKey: Uint8Array): number {
  const nameBytes = new TextEncoder().encode(name);
  const input = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  input.set(nameBytes, 0);
  input[nameBytes.length] = 0x0a;
  input[nameBytes.length + 1] = ALG_COSIGNATURE_V1;
  input.set(publicKey, nameBytes.length + 2);
  const h = sha256(input);
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

/** The message a cosignature signs: `cosignature/v1\n`, `time <timestamp>\n` (decimal, no
 *  leading zeros), then the checkpoint's whole note text (with its final newline, without
 *  signature lines). C2SP tlog-cosignature §Ed25519 signed message.
 *  @throws KeyholeError CHECKPOINT_INVALID on a timestamp that is not a safe integer ≥ 0 or a
 *  text of fewer than three newline-terminated lines. */
export function cosignedMessage(timestamp: number, noteText: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0 || timestamp > MAX_TIMESTAMP) throw invalid('cosignature timestamp out of range');
  if (countNewlines(noteText) < 3 || noteText[noteText.length - 1] !== 0x0a) throw invalid('a cosigned note needs at least three lines');
  const header = new TextEncoder().encode(`${COSIGNATURE_HEADER}\ntime ${timestamp}\n`);
  const out = new Uint8Array(header.length + noteText.length);
  out.set(header, 0);
  out.set(noteText, header.length);
  return out;
}

/** A cosigner from a 32-byte Ed25519 seed under `name`; `clock` gives POSIX seconds (default:
 *  the system clock). Every signature carries a non-zero timestamp (tlog-witness requires it).
 *  @throws KeyholeError CHECKPOINT_INVALID on an invalid name or seed length. */
export function cosignerFromSeed(name: string, seed: Uint8Array, clock: () => number = () => Math.floor(Date.now() / 1000)): Cosigner {
  if (!isValidKeyName(name)) throw invalid('invalid cosigner key name');
  if (seed.length !== 32) throw invalid('Ed25519 seed must be 32 bytes');
  const secret = Uint8Array.from(seed);
  const publicKey = ed25519.getPublicKey(secret);
  return Object.freeze({
    name,
    keyHash: cosignatureKeyHash(name, publicKey),
    publicKey,
    timestampOf: clock,
    sign(msg: Uint8Array): Uint8Array {
      const t = Math.max(1, Math.floor(clock()));
      const out = new Uint8Array(COSIGNATURE_SIZE);
      new DataView(out.buffer).setBigUint64(0, BigInt(t));
      out.set(ed25519.sign(cosignedMessage(t, msg), secret), 8);
      return out;
    },
  });
}

/** A note verifier for cosignature/v1 signatures of the Ed25519 key `publicKey` under `name`:
 *  `verify(text, sig)` checks `sig` = timestamp ‖ signature over cosignedMessage. Never throws.
 *  @throws KeyholeError CHECKPOINT_INVALID on an invalid name or key length. */
export function cosignatureVerifierFor(name: string, publicKey: Uint8Array): NoteVerifier {
  if (!isValidKeyName(name)) throw invalid('invalid cosigner key name');
  if (publicKey.length !== 32) throw invalid('Ed25519 public key must be 32 bytes');
  const key = Uint8Array.from(publicKey);
  return Object.freeze({
    name,
    keyHash: cosignatureKeyHash(name, key),
    publicKey: key,
    verify(msg: Uint8Array, sig: Uint8Array): boolean {
      if (sig.length !== COSIGNATURE_SIZE) return false;
      const t = new DataView(sig.buffer, sig.byteOffset, 8).getBigUint64(0);
      if (t > BigInt(MAX_TIMESTAMP)) return false;
      try {
        return ed25519.verify(sig.subarray(8), cosignedMessage(Number(t), msg), key, { zip215: false });
      } catch {
        return false;
      }
    },
  });
}

/** Parses a cosigner verifier key `<name>+<8 hex>+<base64(0x04 ‖ 32-byte key)>`; the key ID MUST
 *  match. C2SP tlog-cosignature §Format (vkeys). @throws KeyholeError CHECKPOINT_INVALID. */
export function parseCosignatureVerifierKey(vkey: string): NoteVerifier {
  const parts = splitKey(vkey, 2);
  if (parts.length !== 3) throw invalid('a witness key must be <name>+<hash>+<key>');
  const [name, hashHex, keyB64] = parts as [string, string, string];
  const key = decodeKey(name, hashHex, keyB64);
  const verifier = cosignatureVerifierFor(name, key);
  if (verifier.keyHash !== Number.parseInt(hashHex, 16)) throw invalid('witness key hash does not match its key');
  return verifier;
}

/** The verifier key string of a cosigner's Ed25519 public key (type 0x04).
 *  @throws KeyholeError CHECKPOINT_INVALID on an invalid name or key length. */
export function cosignatureVerifierKeyFor(name: string, publicKey: Uint8Array): string {
  const v = cosignatureVerifierFor(name, publicKey);
  return `${name}+${hex8(v.keyHash)}+${encodeBase64(prefix(publicKey))}`;
}

/** The signer key string `PRIVATE+KEY+<name>+<hash>+<base64(0x04 ‖ seed)>` (a secret). */
export function cosignerKeyFor(name: string, seed: Uint8Array): string {
  const s = cosignerFromSeed(name, seed);
  return `PRIVATE+KEY+${name}+${hex8(s.keyHash)}+${encodeBase64(prefix(seed))}`;
}

/** Parses a cosigner signer key (see cosignerKeyFor); the hash MUST match. Errors never quote
 *  the key. @throws KeyholeError CHECKPOINT_INVALID on any malformation. */
export function parseCosignerKey(skey: string, clock?: () => number): Cosigner {
  const parts = splitKey(skey, 4);
  if (parts.length !== 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') throw invalid('a witness signer key must be PRIVATE+KEY+<name>+<hash>+<key>');
  const [, , name, hashHex, keyB64] = parts as [string, string, string, string, string];
  const signer = cosignerFromSeed(name, decodeKey(name, hashHex, keyB64), clock);
  if (hex8(signer.keyHash) !== hashHex.toLowerCase()) throw invalid('witness signer key hash does not match its key');
  return signer;
}

/** The timestamp (POSIX seconds) of a cosignature line's base64 `keyID ‖ timestamp ‖ sig`, or
 *  undefined when it is not a 76-byte cosignature/v1 Ed25519 signature or the time exceeds
 *  2^53 − 1. Says nothing about validity: verify the signature first. */
export function cosignatureTimestamp(base64: string): number | undefined {
  const raw = decodeBase64(base64);
  if (raw === undefined || raw.length !== 4 + COSIGNATURE_SIZE) return undefined;
  const t = new DataView(raw.buffer, raw.byteOffset + 4, 8).getBigUint64(0);
  return t > BigInt(MAX_TIMESTAMP) ? undefined : Number(t);
}

function decodeKey(name: string, hashHex: string, keyB64: string): Uint8Array {
  if (!isValidKeyName(name)) throw invalid('invalid witness key name');
  if (!/^[0-9a-fA-F]{8}$/.test(hashHex)) throw invalid('witness key hash must be 8 hex digits');
  const raw = decodeBase64(keyB64);
  if (raw === undefined || raw.length !== 33) throw invalid('witness key must be base64 of a type byte and 32 bytes');
  if (raw[0] !== ALG_COSIGNATURE_V1) throw invalid('witness key is not a cosignature/v1 (type 0x04) key');
  return raw.subarray(1);
}

/** Splits at the first `count` '+' signs (base64 may contain more). */
function splitKey(s: string, count: number): string[] {
  const out: string[] = [];
  let rest = s;
  for (let i = 0; i < count; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return [...out, rest];
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  return [...out, rest];
}

function countNewlines(b: Uint8Array): number {
  let n = 0;
  for (const c of b) if (c === 0x0a) n++;
  return n;
}

function prefix(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(33);
  out[0] = ALG_COSIGNATURE_V1;
  out.set(key, 1);
  return out;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

function invalid(message: string): KeyholeError {
  return new KeyholeError('CHECKPOINT_INVALID', message);
}
