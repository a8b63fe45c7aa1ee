// The C2SP tlog-witness wire format and the witness's decision, with no I/O: the add-checkpoint
// request body (`old <size>\n`, ≤ 63 base64 proof lines, a blank line, the checkpoint note),
// the 409 body (`<size>\n`, text/x.tlog.size), and the consistency rule a witness applies
// before it cosigns. c2sp.org/tlog-witness §add-checkpoint; RFC 6962 §2.1.2 proofs.
// Request bodies are attacker-controlled: parse strictly before anything is verified.
import { KeyholeError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import type { Checkpoint } from './checkpoint.js';
import { emptyRoot, hashesEqual } from './hash.js';
import { MAX_NOTE_BYTES } from './note.js';
import { isValidConsistency } from './proof-verify.js';

/** The most consistency proof lines a request may carry. */
export const MAX_WITNESS_PROOF_LINES = 63;
/** The media type of a 409 answer. */
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';

/** An add-checkpoint request: the size the client believes the witness last cosigned, a
 *  consistency proof from it to the checkpoint, and the signed checkpoint note. */
export interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: readonly Uint8Array[];
  readonly note: string;
}

/** What the witness knows of one log: the latest checkpoint it cosigned. */
export interface WitnessedHead {
  readonly size: number;
  readonly rootHash: Uint8Array;
}

/** The witness's decision on a request whose signature already verified: cosign, or refuse
 *  with the spec's status (409 carries the witness's size). */
export type WitnessDecision =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 400 | 422; readonly reason: string }
  | { readonly ok: false; readonly status: 409; readonly size: number; readonly reason: string };

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/** The request body of add-checkpoint. @throws KeyholeError BAD_REQUEST on a size that is not
 *  a safe integer ≥ 0, more than 63 proof hashes or a hash that is not 32 bytes. */
export function formatAddCheckpoint(req: AddCheckpointRequest): string {
  if (!Number.isSafeInteger(req.oldSize) || req.oldSize < 0) throw bad('old size must be a safe integer >= 0');
  if (req.proof.length > MAX_WITNESS_PROOF_LINES) throw bad('a consistency proof has at most 63 hashes');
  if (req.proof.some((h) => h.length !== 32)) throw bad('proof hashes are 32 bytes');
  return `old ${req.oldSize}\n${req.proof.map((h) => `${encodeBase64(h)}\n`).join('')}\n${req.note}`;
}

/** Parses an add-checkpoint body strictly: `old <decimal, no leading zeros>\n`, up to 63
 *  canonical base64 lines of 32 bytes, an empty line, then the note (its own syntax is checked
 *  when it is opened). @throws KeyholeError BAD_REQUEST on any deviation (a witness answers 400). */
export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  if (body.length > MAX_NOTE_BYTES + 64 * 46) throw bad('request body too large'); // attacker-controlled
  let at = body.indexOf('\n');
  if (at < 0) throw bad('missing old size line');
  const first = body.slice(0, at);
  if (!first.startsWith('old ') || !DECIMAL.test(first.slice(4))) throw bad('the first line must be "old <size>"');
  const oldSize = Number(first.slice(4));
  if (!Number.isSafeInteger(oldSize)) throw bad('old size too large');
  const proof: Uint8Array[] = [];
  for (;;) {
    const next = body.indexOf('\n', at + 1);
    if (next < 0) throw bad('missing empty line before the checkpoint');
    const line = body.slice(at + 1, next);
    at = next;
    if (line === '') break;
    if (proof.length === MAX_WITNESS_PROOF_LINES) throw bad('too many consistency proof lines');
    const hash = decodeBase64(line);
    if (hash === undefined || hash.length !== 32) throw bad('a consistency proof line is not base64 of 32 bytes');
    proof.push(hash);
  }
  return Object.freeze({ oldSize, proof: Object.freeze(proof), note: body.slice(at + 1) });
}

/** The 409 body: the witness's latest cosigned size and a newline. */
export function formatConflictBody(size: number): string {
  return `${size}\n`;
}

/** Parses a 409 body. @throws KeyholeError BAD_REQUEST unless it is `<decimal>\n`. */
export function parseConflictBody(body: string): number {
  const m = /^(0|[1-9][0-9]{0,15})\n$/.exec(body); // attacker-controlled
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n)) throw bad('a 409 answer must be a decimal size and a newline');
  return n;
}

/** Decides whether a witness whose latest cosigned checkpoint is `known` (undefined: never
 *  cosigned this log) may cosign `cp`, submitted with `req.oldSize` and `req.proof`, in the
 *  order c2sp.org/tlog-witness gives: old size ≤ size (else 400); old size = the known size,
 *  0 when unknown (else 409 with the known size); a size-0 checkpoint has the empty root, old
 *  size 0 has an empty proof, equal sizes have equal roots, and otherwise the RFC 6962 proof
 *  from the known root verifies (else 422). A witness MUST NOT cosign unless this says ok. */
export function decideAddCheckpoint(known: WitnessedHead | undefined, req: Pick<AddCheckpointRequest, 'oldSize' | 'proof'>, cp: Checkpoint): WitnessDecision {
  if (req.oldSize > cp.size) return { ok: false, status: 400, reason: 'the old size is larger than the checkpoint size' };
  const knownSize = known?.size ?? 0;
  if (req.oldSize !== knownSize) return { ok: false, status: 409, size: knownSize, reason: `the witness last cosigned size ${knownSize}` };
  if (cp.size === 0 && !hashesEqual(cp.rootHash, emptyRoot())) return { ok: false, status: 422, reason: 'a checkpoint of size 0 must have the empty root' };
  if (req.oldSize === 0) {
    if (req.proof.length > 0) return { ok: false, status: 422, reason: 'a proof from size 0 must be empty' };
    return { ok: true };
  }
  if (req.oldSize === cp.size) {
    return hashesEqual(known!.rootHash, cp.rootHash) && req.proof.length === 0
      ? { ok: true }
      : { ok: false, status: 422, reason: `a different root at the cosigned size ${cp.size}` };
  }
  return isValidConsistency(req.oldSize, cp.size, req.proof, known!.rootHash, cp.rootHash)
    ? { ok: true }
    : { ok: false, status: 422, reason: `the checkpoint of size ${cp.size} is not consistent with the cosigned size ${req.oldSize}` };
}

function bad(message: string): KeyholeError {
  return new KeyholeError('BAD_REQUEST', message);
}
