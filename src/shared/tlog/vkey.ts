// Signed-note keys: key names, key IDs (key hashes), verifier keys `<name>+<hash>+<base64>` and
// signer keys `PRIVATE+KEY+<name>+<hash>+<base64>`, Ed25519 only (signature type 0x01).
// C2SP signed-note v1.0.0 (c2sp.org/signed-note) and golang.org/x/mod/sumdb/note/note.go.
// Browser-safe: @noble only. Key strings may come from configuration or the network: parse strictly.
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { KeyholeError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';

/** The signature type identifier byte of Ed25519 (C2SP signed-note §Signature types). */
export const ALG_ED25519 = 0x01;

/** Checks the signature of a note text for one key, identified by `name` and `keyHash`. */
export interface NoteVerifier {
  readonly name: string;
  /** The 32-bit key ID (uint32, big-endian first 4 bytes of the key hash). */
  readonly keyHash: number;
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** True when `sig` (the signature bytes after the 4-byte key ID) signs `msg`. Never throws. */
  verify(msg: Uint8Array, sig: Uint8Array): boolean;
}

/** Signs note texts with one Ed25519 key; the seed never leaves the closure. */
export interface NoteSigner {
  readonly name: string;
  readonly keyHash: number;
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The 64-byte RFC 8032 Ed25519 signature of `msg` (deterministic). */
  sign(msg: Uint8Array): Uint8Array;
}

const SPACE_OR_CONTROL = /[\p{White_Space}\u0000-\u001f]/u;

/** True when `name` is a valid key name: non-empty, well-formed Unicode, no Unicode white space,
 *  no `+` (C2SP signed-note §Format), and no ASCII control character (a note cannot carry one). */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !SPACE_OR_CONTROL.test(name) && !name.includes('+') && isWellFormed(name);
}

/** The key ID of an Ed25519 key: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ publicKey)[:4] as a big-endian
 *  uint32. C2SP signed-note §Ed25519 signatures. */
export function ed25519KeyHash(name: string, publicKey: Uint8Array): number {
  const nameBytes = new TextEncoder().encode(name);
  const input = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  input.set(nameBytes, 0);
  input[nameBytes.length] = 0x0a;
  input[nameBytes.length + 1] = ALG_ED25519;
  input.set(publicKey, nameBytes.length + 2);
  const h = sha256(input);
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

/** Parses a verifier key `<name>+<8 hex digits>+<base64(0x01 ‖ 32-byte public key)>`.
 *  @throws KeyholeError CHECKPOINT_INVALID on a malformed key, an unknown algorithm, a wrong
 *  key length or a key hash that does not match the name and key. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const [name, hashHex, keyB64] = chop(vkey, 2); // the base64 key may itself contain '+'
  if (name === undefined || hashHex === undefined || keyB64 === undefined) throw invalid('verifier key must be <name>+<hash>+<key>');
  const publicKey = decodeKeyMaterial(name, hashHex, keyB64, 'verifier');
  return makeVerifier(name, publicKey);
}

/** The verifier key string of an Ed25519 public key (32 bytes) under `name`.
 *  @throws KeyholeError CHECKPOINT_INVALID on an invalid name or key length. */
export function verifierKeyFor(name: string, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw invalid('invalid key name');
  if (publicKey.length !== 32) throw invalid('Ed25519 public key must be 32 bytes');
  return `${name}+${hex8(ed25519KeyHash(name, publicKey))}+${encodeBase64(prefixAlg(publicKey))}`;
}

/** A verifier for an Ed25519 public key (32 bytes) under `name`.
 *  @throws KeyholeError CHECKPOINT_INVALID on an invalid name or key length. */
export function verifierFor(name: string, publicKey: Uint8Array): NoteVerifier {
  return parseVerifierKey(verifierKeyFor(name, publicKey));
}

/** A signer from a 32-byte Ed25519 seed (RFC 8032 secret key) under `name`.
 *  @throws KeyholeError CHECKPOINT_INVALID on an invalid name or seed length. */
export function signerFromSeed(name: string, seed: Uint8Array): NoteSigner {
  if (!isValidKeyName(name)) throw invalid('invalid key name');
  if (seed.length !== 32) throw invalid('Ed25519 seed must be 32 bytes');
  const secret = Uint8Array.from(seed);
  const publicKey = ed25519.getPublicKey(secret);
  return Object.freeze({
    name,
    keyHash: ed25519KeyHash(name, publicKey),
    publicKey,
    sign: (msg: Uint8Array): Uint8Array => ed25519.sign(msg, secret),
  });
}

/** Parses a signer key `PRIVATE+KEY+<name>+<8 hex digits>+<base64(0x01 ‖ 32-byte seed)>`; the
 *  hash MUST match the public key derived from the seed. The key string is a secret: errors
 *  never quote it. @throws KeyholeError CHECKPOINT_INVALID on any malformation. */
export function parseSignerKey(skey: string): NoteSigner {
  const [priv, key, name, hashHex, keyB64] = chop(skey, 4);
  if (priv !== 'PRIVATE' || key !== 'KEY' || name === undefined || hashHex === undefined || keyB64 === undefined) {
    throw invalid('signer key must be PRIVATE+KEY+<name>+<hash>+<key>');
  }
  const seed = decodeKeyMaterial(name, hashHex, keyB64, 'signer');
  const signer = signerFromSeed(name, seed);
  if (hex8(signer.keyHash) !== hashHex.toLowerCase()) throw invalid('signer key hash does not match its key');
  return signer;
}

/** The signer key string of a 32-byte Ed25519 seed under `name` (a secret: store it as one). */
export function signerKeyFor(name: string, seed: Uint8Array): string {
  const signer = signerFromSeed(name, seed);
  return `PRIVATE+KEY+${name}+${hex8(signer.keyHash)}+${encodeBase64(prefixAlg(seed))}`;
}

/** Validates name, hash syntax and `0x01 ‖ 32 bytes`; for verifier keys also the hash. */
function decodeKeyMaterial(name: string, hashHex: string, keyB64: string, kind: 'verifier' | 'signer'): Uint8Array {
  if (!isValidKeyName(name)) throw invalid(`invalid ${kind} key name`);
  if (!/^[0-9a-fA-F]{8}$/.test(hashHex)) throw invalid(`${kind} key hash must be 8 hex digits`);
  const raw = decodeBase64(keyB64);
  if (raw === undefined || raw.length === 0) throw invalid(`${kind} key is not valid base64`);
  if (raw[0] !== ALG_ED25519) throw invalid(`unsupported ${kind} key algorithm`);
  if (raw.length !== 33) throw invalid(`${kind} key must be 32 bytes`);
  const key = raw.subarray(1);
  if (kind === 'verifier' && ed25519KeyHash(name, key) !== Number.parseInt(hashHex, 16)) {
    throw invalid('verifier key hash does not match its key');
  }
  return key;
}

function makeVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  const key = Uint8Array.from(publicKey);
  return Object.freeze({
    name,
    keyHash: ed25519KeyHash(name, key),
    publicKey: key,
    verify(msg: Uint8Array, sig: Uint8Array): boolean {
      if (sig.length !== 64) return false;
      try {
        // zip215: false = RFC 8032 strict verification (canonical encodings, no malleability).
        return ed25519.verify(sig, msg, key, { zip215: false });
      } catch {
        return false;
      }
    },
  });
}

/** Splits `s` at its first `count` '+' signs; missing fields are undefined. */
function chop(s: string, count: number): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  let rest = s;
  for (let i = 0; i < count; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return [...out, rest];
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  return [...out, rest];
}

function prefixAlg(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out[0] = ALG_ED25519;
  out.set(key, 1);
  return out;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function invalid(message: string): KeyholeError {
  return new KeyholeError('CHECKPOINT_INVALID', message);
}

/** Parses a list of verifier keys, one a line (blank lines ignored), as /v1/log/vkey serves them
 *  during a signing-key rotation: a checkpoint signed by any of them is the log's.
 *  @throws KeyholeError CHECKPOINT_INVALID on a malformed key or an empty list. */
export function parseVerifierKeys(text: string): NoteVerifier[] {
  const keys = text.split('\n').map((l) => l.trim()).filter((l) => l !== '').map(parseVerifierKey);
  if (keys.length === 0) throw new KeyholeError('CHECKPOINT_INVALID', 'no verifier key given');
  return keys;
}
