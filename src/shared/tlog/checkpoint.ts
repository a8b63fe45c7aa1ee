// Checkpoints: the signed tree head of the log as note text `<origin>\n<size>\n<base64 root>\n`
// plus optional extension lines; formatting, strict parsing, signing and opening.
// C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint) over C2SP signed-note (./note.ts).
// Checkpoints arrive from the network: parse strictly, trust only after openCheckpoint.
import { KeyholeError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { openNote, signNote, type NoteSignature } from './note.js';
import type { NoteSigner, NoteVerifier } from './vkey.js';

/** A tree head. `size` is the number of leaves (a safe integer ≥ 0); `rootHash` is the 32-byte
 *  RFC 6962 root at that size; `extensions` are opaque non-empty lines (NOT RECOMMENDED). */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly extensions: readonly string[];
}

/** The input of formatCheckpoint / signCheckpoint; `extensions` defaults to none. */
export interface CheckpointInput {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly extensions?: readonly string[];
}

/** A checkpoint whose note was opened with the log's key, with the note's signatures. */
export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly text: string;
  readonly verifiedSignatures: readonly NoteSignature[];
  readonly unverifiedSignatures: readonly NoteSignature[];
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const CONTROL = /[\u0000-\u001f]/;

/** The note text of a checkpoint: origin, decimal size, base64 root, extension lines, each
 *  ending in a newline. @throws KeyholeError CHECKPOINT_INVALID on an empty origin or extension
 *  line, a control character in either, a size that is not a safe integer ≥ 0 or a root hash
 *  that is not 32 bytes. */
export function formatCheckpoint(input: CheckpointInput): string {
  const extensions = input.extensions ?? [];
  for (const line of [input.origin, ...extensions]) {
    if (line.length === 0 || CONTROL.test(line)) throw invalid('checkpoint lines must be non-empty with no control characters');
  }
  if (!Number.isSafeInteger(input.size) || input.size < 0) throw invalid('checkpoint size must be a safe integer >= 0');
  if (input.rootHash.length !== 32) throw invalid('checkpoint root hash must be 32 bytes');
  return [input.origin, String(input.size), encodeBase64(input.rootHash), ...extensions].join('\n') + '\n';
}

/** Parses checkpoint note text strictly: at least three non-empty newline-terminated lines; an
 *  origin; a decimal size with no leading zeros that is a safe integer; a canonical base64 root
 *  of exactly 32 bytes; then non-empty extension lines. The text is only as trustworthy as the
 *  signature checked on it (see openCheckpoint).
 *  @throws KeyholeError CHECKPOINT_INVALID on any deviation. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw invalid('checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n'); // attacker-controlled
  if (lines.length < 3) throw invalid('checkpoint needs origin, size and root hash lines');
  if (lines.some((line) => line.length === 0)) throw invalid('checkpoint lines must be non-empty');
  if (lines.some((line) => CONTROL.test(line))) throw invalid('checkpoint contains a control character');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (!DECIMAL.test(sizeText)) throw invalid('checkpoint size must be decimal with no leading zeros');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw invalid('checkpoint size is too large');
  const rootHash = decodeBase64(rootText);
  if (rootHash === undefined || rootHash.length !== 32) throw invalid('checkpoint root hash must be base64 of 32 bytes');
  return Object.freeze({ origin, size, rootHash, extensions: Object.freeze(extensions) });
}

/** Formats `input` and signs it as a note with `signers` (the log key first, by convention
 *  named like the origin). @throws KeyholeError CHECKPOINT_INVALID as formatCheckpoint/signNote. */
export function signCheckpoint(input: CheckpointInput, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(input), signers);
}

/** Opens a checkpoint note: its signature by `verifier` (the log's key, or any of a list of
 *  trusted log keys, e.g. the old and new key of a signing-key rotation) MUST verify, other
 *  signatures (witnesses, keys not listed) are ignored, the text MUST parse as a checkpoint and
 *  its origin MUST equal `expectedOrigin`.
 *  @throws KeyholeError CHECKPOINT_INVALID on a malformed note or checkpoint, a missing or bad
 *  signature by `verifier`, or another origin (`details`: expectedOrigin, origin). */
export function openCheckpoint(note: string | Uint8Array, verifier: NoteVerifier | readonly NoteVerifier[], expectedOrigin: string): OpenedCheckpoint {
  const opened = openNote(note, Array.isArray(verifier) ? verifier : [verifier as NoteVerifier]);
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== expectedOrigin) {
    throw new KeyholeError('CHECKPOINT_INVALID', 'the checkpoint is from another log', {
      details: { expectedOrigin, origin: checkpoint.origin },
    });
  }
  return Object.freeze({ checkpoint, ...opened });
}

function invalid(message: string): KeyholeError {
  return new KeyholeError('CHECKPOINT_INVALID', message);
}
