// Signed notes: a UTF-8 text ending in a newline, a blank line, then signature lines
// `— <key name> <base64(4-byte key ID ‖ signature)>`. Signing and opening (parse + verify).
// C2SP signed-note v1.0.0 (c2sp.org/signed-note), following golang.org/x/mod/sumdb/note Open/Sign.
// Notes arrive from the network: every byte is attacker-controlled until a known key verifies it.
import { KeyholeError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './vkey.js';

/** The most signature lines a note may carry (the spec requires accepting at least 16). */
export const MAX_NOTE_SIGNATURES = 100;
/** The largest note accepted, in UTF-8 bytes. */
export const MAX_NOTE_BYTES = 1 << 20;

/** One signature line of a note. `base64` is the line's encoded `keyID ‖ signature`. */
export interface NoteSignature {
  readonly name: string;
  /** The key ID, a uint32. */
  readonly keyHash: number;
  readonly base64: string;
}

/** A note whose signatures were checked against known keys. `text` includes its final newline;
 *  `verifiedSignatures` is never empty; `unverifiedSignatures` are from unknown keys (ignored). */
export interface OpenedNote {
  readonly text: string;
  readonly verifiedSignatures: readonly NoteSignature[];
  readonly unverifiedSignatures: readonly NoteSignature[];
}

interface SignatureLine extends NoteSignature {
  readonly line: string;
  readonly sig: Uint8Array;
}

const SIG_PREFIX = '\u2014 ';
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Signs `text` (MUST end in a newline, no control characters other than newline) with every
 *  signer, in order, and returns the note: text, blank line, one signature line per signer.
 *  @throws KeyholeError CHECKPOINT_INVALID on an invalid text, no signers, more than
 *  MAX_NOTE_SIGNATURES signers or an invalid key name. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (!text.endsWith('\n')) throw invalid('note text must end with a newline');
  const bytes = toUtf8(text);
  if (CONTROL.test(text)) throw invalid('note text contains a control character');
  if (signers.length === 0 || signers.length > MAX_NOTE_SIGNATURES) throw invalid('a note needs 1 to 100 signers');
  let lines = '';
  for (const signer of signers) {
    if (!isValidKeyName(signer.name)) throw invalid('invalid signer key name');
    const sig = signer.sign(bytes);
    const raw = new Uint8Array(4 + sig.length);
    new DataView(raw.buffer).setUint32(0, signer.keyHash >>> 0);
    raw.set(sig, 4);
    lines += `${SIG_PREFIX}${signer.name} ${encodeBase64(raw)}\n`;
  }
  return `${text}\n${lines}`;
}

/** Opens a signed note (UTF-8 bytes or a string): checks its syntax, ignores signatures from
 *  keys not in `verifiers` (matched on name AND key ID), verifies every signature from a known
 *  key and drops repeated ones. The text MUST NOT be used unless this returns.
 *  @throws KeyholeError CHECKPOINT_INVALID when the note is not valid UTF-8, contains a control
 *  character other than newline, exceeds MAX_NOTE_BYTES or MAX_NOTE_SIGNATURES, lacks the blank
 *  line or the final newline, has a malformed signature line, when a known key's signature does
 *  not verify (`details`: keyName, keyHash), when two verifiers share a name and key ID, or when
 *  no known key signed it. */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const { text, signatures } = splitNote(note);
  const textBytes = new TextEncoder().encode(text);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seenKeys = new Set<string>();
  const seenLines = new Set<string>();
  for (const s of signatures) {
    const known = verifiers.filter((v) => v.name === s.name && v.keyHash >>> 0 === s.keyHash);
    if (known.length > 1) throw invalid('two verifier keys share a name and key ID');
    const signature = { name: s.name, keyHash: s.keyHash, base64: s.base64 };
    if (known.length === 0) {
      if (!seenLines.has(s.line)) unverified.push(Object.freeze(signature));
      seenLines.add(s.line);
      continue;
    }
    const id = `${s.name}+${s.keyHash}`;
    if (seenKeys.has(id)) continue;
    seenKeys.add(id);
    if (!known[0]!.verify(textBytes, s.sig)) {
      throw new KeyholeError('CHECKPOINT_INVALID', 'a signature from a known key does not verify', {
        details: { keyName: s.name, keyHash: s.keyHash },
      });
    }
    verified.push(Object.freeze(signature));
  }
  if (verified.length === 0) throw invalid('the note has no signature from a known key');
  return Object.freeze({ text, verifiedSignatures: Object.freeze(verified), unverifiedSignatures: Object.freeze(unverified) });
}

/** Checks a note's syntax without verifying any signature (for containers such as tlog-proof
 *  that carry a note verbatim). Its text MUST NOT be trusted: use openNote for that.
 *  @throws KeyholeError CHECKPOINT_INVALID on any syntax error openNote reports. */
export function assertNoteSyntax(note: string | Uint8Array): void {
  splitNote(note);
}

/** Decodes, checks and splits a note into its text and parsed signature lines. */
function splitNote(note: string | Uint8Array): { text: string; signatures: readonly SignatureLine[] } {
  const s = decodeNote(note); // attacker-controlled
  if (CONTROL.test(s)) throw invalid('note contains a control character');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw invalid('note has no blank line before its signatures');
  const block = s.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) throw invalid('note must end with a signature line and a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw invalid('note has too many signatures');
  return { text: s.slice(0, split + 1), signatures: lines.map(parseSignatureLine) };
}

function parseSignatureLine(line: string): SignatureLine {
  if (!line.startsWith(SIG_PREFIX)) throw invalid('malformed signature line');
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  const b64 = space < 0 ? '' : rest.slice(space + 1);
  const raw = decodeBase64(b64);
  if (!isValidKeyName(name) || b64 === '' || raw === undefined || raw.length < 5) {
    throw invalid('malformed signature line');
  }
  const keyHash = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(0);
  return { line, name, keyHash, base64: b64, sig: raw.subarray(4) };
}

function decodeNote(note: string | Uint8Array): string {
  if (typeof note === 'string') {
    if (note.length > MAX_NOTE_BYTES) throw invalid('note is too large');
    if (toUtf8(note).length > MAX_NOTE_BYTES) throw invalid('note is too large');
    return note;
  }
  if (note.length > MAX_NOTE_BYTES) throw invalid('note is too large');
  try {
    return utf8.decode(note);
  } catch (cause) {
    throw new KeyholeError('CHECKPOINT_INVALID', 'note is not valid UTF-8', { cause });
  }
}

/** UTF-8 of a string that MUST be well-formed (no lone surrogates, which TextEncoder would
 *  silently replace, changing the signed bytes). */
function toUtf8(s: string): Uint8Array {
  const bytes = new TextEncoder().encode(s);
  if (utf8.decode(bytes) !== s) throw invalid('note is not well-formed Unicode');
  return bytes;
}

function invalid(message: string): KeyholeError {
  return new KeyholeError('CHECKPOINT_INVALID', message);
}
