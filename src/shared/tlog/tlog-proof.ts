// Offline inclusion proofs of one log entry: header, optional extra data, index, the RFC 6962
// inclusion path, a blank line, then the signed checkpoint verbatim. Format, parse and verify.
// C2SP tlog-proof v1 (c2sp.org/tlog-proof), checkpoint per ./checkpoint.ts.
// A proof is handed around by customers and auditors: every byte is attacker-controlled.
import { KeyholeError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { openCheckpoint, type OpenedCheckpoint } from './checkpoint.js';
import { assertNoteSyntax, MAX_NOTE_BYTES } from './note.js';
import { verifyInclusion } from './proof-verify.js';
import type { NoteVerifier } from './vkey.js';

/** The first line of every proof. */
export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
/** The most inclusion-path hashes accepted (a tree of 2^64 leaves needs 64). */
export const MAX_TLOG_PROOF_HASHES = 64;
const MAX_TLOG_PROOF_BYTES = MAX_NOTE_BYTES + 8192;

/** A parsed proof. `index` is the 0-based entry index (safe integer); `extraData` is opaque,
 *  unauthenticated application data (MUST NOT be trusted); `proof` holds 32-byte hashes from
 *  the leaf's sibling up to the root's child; `checkpointNote` is the signed checkpoint note,
 *  syntax-checked but NOT verified (use verifyTlogProof). */
export interface TlogProof {
  readonly index: number;
  readonly extraData: Uint8Array | undefined;
  readonly proof: readonly Uint8Array[];
  readonly checkpointNote: string;
}

/** The input of formatTlogProof; omit `extraData` for none (an empty one is refused). */
export interface TlogProofInput {
  readonly index: number;
  readonly extraData?: Uint8Array | undefined;
  readonly proof: readonly Uint8Array[];
  readonly checkpointNote: string;
}

/** What verifyTlogProof needs besides the proof text. */
export interface TlogProofCheck {
  /** The RFC 6962 leaf hash (32 bytes) of the entry the proof claims to include. */
  readonly leafHash: Uint8Array;
  /** The log's checkpoint key. */
  /** The log's key, or every trusted log key (any of them may have signed). */
  readonly verifier: NoteVerifier | readonly NoteVerifier[];
  readonly expectedOrigin: string;
}

/** A proof whose checkpoint signature and inclusion path verified. */
export interface VerifiedTlogProof {
  readonly index: number;
  /** Still unauthenticated: not covered by any signature. */
  readonly extraData: Uint8Array | undefined;
  readonly checkpoint: OpenedCheckpoint;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const EXTRA = 'extra ';
const INDEX = 'index ';

/** The proof text: header, `extra <base64>` when given, `index <decimal>`, one base64 hash per
 *  line, a blank line, the checkpoint note verbatim.
 *  @throws KeyholeError PROOF_INVALID on an index that is not a safe integer ≥ 0, empty extra
 *  data, a hash that is not 32 bytes or more than MAX_TLOG_PROOF_HASHES hashes;
 *  CHECKPOINT_INVALID when `checkpointNote` is not a well-formed signed note. */
export function formatTlogProof(input: TlogProofInput): string {
  if (!Number.isSafeInteger(input.index) || input.index < 0) throw invalid('proof index must be a safe integer >= 0');
  if (input.extraData !== undefined && input.extraData.length === 0) throw invalid('extra data must be non-empty; omit it instead');
  checkHashes(input.proof);
  assertNoteSyntax(input.checkpointNote);
  const lines = [TLOG_PROOF_HEADER];
  if (input.extraData !== undefined) lines.push(EXTRA + encodeBase64(input.extraData));
  lines.push(INDEX + String(input.index), ...input.proof.map(encodeBase64));
  return `${lines.join('\n')}\n\n${input.checkpointNote}`;
}

/** Parses a proof (UTF-8 bytes or a string) strictly: the exact header, `extra ` only as the
 *  second line with non-empty canonical base64, an index with no leading zeros, canonical
 *  base64 32-byte hashes, a blank line, then a well-formed signed note. Checks no signature.
 *  @throws KeyholeError PROOF_INVALID on a malformed proof part or an oversized proof;
 *  CHECKPOINT_INVALID on a malformed checkpoint note. */
export function parseTlogProof(input: string | Uint8Array): TlogProof {
  const text = decodeProof(input); // attacker-controlled
  const sep = text.indexOf('\n\n');
  if (sep < 0) throw invalid('proof has no blank line before its checkpoint');
  const head = text.slice(0, sep).split('\n');
  const checkpointNote = text.slice(sep + 2);
  if (head[0] !== TLOG_PROOF_HEADER) throw invalid(`proof must start with ${TLOG_PROOF_HEADER}`);
  let next = 1;
  let extraData: Uint8Array | undefined;
  if (head[1]?.startsWith(EXTRA)) {
    extraData = decodeBase64(head[1].slice(EXTRA.length));
    if (extraData === undefined || extraData.length === 0) throw invalid('proof extra data must be non-empty base64');
    next = 2;
  }
  const indexLine = head[next] ?? '';
  const indexText = indexLine.slice(INDEX.length);
  if (!indexLine.startsWith(INDEX) || !DECIMAL.test(indexText) || !Number.isSafeInteger(Number(indexText))) {
    throw invalid('proof index line must be "index <decimal>"');
  }
  const proof = head.slice(next + 1).map((line) => decodeBase64(line));
  checkHashes(proof);
  assertNoteSyntax(checkpointNote);
  return Object.freeze({ index: Number(indexText), extraData, proof: Object.freeze(proof as Uint8Array[]), checkpointNote });
}

/** Verifies a proof offline: parses it, opens its checkpoint with the log's key and origin,
 *  then checks that `leafHash` is leaf `index` of the checkpointed tree (RFC 9162 §2.1.3.2,
 *  ./proof-verify.ts). Only `index`, the checkpoint and the leaf are then established; extra
 *  data stays unauthenticated.
 *  @throws KeyholeError PROOF_INVALID on a malformed proof, an index ≥ the checkpoint size or a
 *  failed inclusion check; CHECKPOINT_INVALID on a malformed, unsigned or foreign checkpoint. */
export function verifyTlogProof(input: string | Uint8Array, check: TlogProofCheck): VerifiedTlogProof {
  const parsed = parseTlogProof(input);
  const opened = openCheckpoint(parsed.checkpointNote, check.verifier, check.expectedOrigin);
  const { size, rootHash } = opened.checkpoint;
  if (parsed.index >= size) {
    throw new KeyholeError('PROOF_INVALID', 'proof index is outside the checkpointed tree', {
      details: { index: parsed.index, treeSize: size },
    });
  }
  verifyInclusion(check.leafHash, parsed.index, size, parsed.proof, rootHash);
  return Object.freeze({ index: parsed.index, extraData: parsed.extraData, checkpoint: opened });
}

function checkHashes(proof: readonly (Uint8Array | undefined)[]): void {
  if (proof.length > MAX_TLOG_PROOF_HASHES) throw invalid('proof has too many hashes');
  if (proof.some((h) => h === undefined || h.length !== 32)) throw invalid('proof hashes must be base64 of 32 bytes');
}

function decodeProof(input: string | Uint8Array): string {
  if (input.length > MAX_TLOG_PROOF_BYTES) throw invalid('proof is too large');
  if (typeof input === 'string') return input; // the note part's encoding is checked by assertNoteSyntax
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input);
  } catch (cause) {
    throw new KeyholeError('PROOF_INVALID', 'proof is not valid UTF-8', { cause });
  }
}

function invalid(message: string): KeyholeError {
  return new KeyholeError('PROOF_INVALID', message);
}
