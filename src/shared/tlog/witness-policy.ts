// Witness policies: "at least N of these witness keys cosigned", and opening a checkpoint under
// one — the log's signature MUST verify, cosignatures from the policy's keys are verified and
// counted, everything else is ignored. C2SP tlog-cosignature (cosignature/v1) and tlog-witness
// (§add-checkpoint: clients ignore unknown keys); the policy shape follows c2sp.org/tlog-policy's
// "quorum of witnesses". Browser-safe; notes and policy text are attacker-controlled input.
import { KeyholeError } from '../errors.js';
import { parseCheckpoint, type Checkpoint } from './checkpoint.js';
import { cosignatureTimestamp, parseCosignatureVerifierKey } from './cosignature.js';
import { openNote } from './note.js';
import type { NoteVerifier } from './vkey.js';

/** Trust N of `witnesses` (cosignature/v1 keys). `quorum` is 0…witnesses.length; 0 means the
 *  checkpoint needs no cosignature (no witness configured). */
export interface WitnessPolicy {
  readonly witnesses: readonly NoteVerifier[];
  readonly quorum: number;
}

/** A policy that asks for no cosignature. */
export const NO_WITNESSES: WitnessPolicy = Object.freeze({ witnesses: Object.freeze([]), quorum: 0 });

/** One cosignature that verified under the policy. `timestamp` is POSIX seconds. */
export interface Cosignature {
  readonly name: string;
  readonly keyHash: number;
  readonly timestamp: number;
  /** The note signature line, `— <name> <base64>` without the newline. */
  readonly line: string;
}

/** A checkpoint opened with the log's key and checked against a witness policy. */
export interface WitnessedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The note text (the signed body, ending in a newline). */
  readonly text: string;
  /** The log's own signature line. */
  readonly logSignature: string;
  /** Valid cosignatures from the policy's witnesses, one per witness. */
  readonly cosignatures: readonly Cosignature[];
}

/** Options of openWitnessedCheckpoint. */
export interface WitnessCheckOptions {
  /** POSIX seconds now; with it, cosignatures stamped more than `maxFutureS` (default 300)
   *  ahead are not counted (tlog-cosignature: verifiers MAY reject future timestamps). */
  readonly now?: number | undefined;
  readonly maxFutureS?: number;
}

/** Builds a policy from cosignature/v1 verifier keys and a quorum (default: all of them).
 *  @throws KeyholeError CHECKPOINT_INVALID on a malformed key, two keys with one name and key
 *  ID, or a quorum that is not an integer in 0…keys.length. */
export function witnessPolicy(vkeys: readonly string[], quorum?: number): WitnessPolicy {
  const witnesses = vkeys.map((k) => parseCosignatureVerifierKey(k.trim()));
  const ids = new Set(witnesses.map((w) => `${w.name}+${w.keyHash}`));
  if (ids.size !== witnesses.length) throw invalid('the witness policy lists a key twice');
  const q = quorum ?? witnesses.length;
  if (!Number.isSafeInteger(q) || q < 0 || q > witnesses.length) throw invalid(`the witness quorum must be 0 to ${witnesses.length}`);
  return Object.freeze({ witnesses: Object.freeze(witnesses), quorum: q });
}

/** Opens checkpoint `note`: its signature by `logKey` (or by one of several trusted log keys,
 *  e.g. during a signing-key rotation) MUST verify and its origin MUST be
 *  `origin`; signatures from the policy's witnesses MUST verify (a known key with a bad
 *  signature makes the note malformed, C2SP signed-note) and are returned; others are ignored.
 *  @throws KeyholeError CHECKPOINT_INVALID on a malformed note or a bad signature from a
 *  known key, no log signature, or another origin; WITNESS_QUORUM_NOT_MET when fewer than
 *  `policy.quorum` witnesses cosigned (`details`: quorum, cosigned, size). */
export function openWitnessedCheckpoint(
  note: string | Uint8Array, logKey: NoteVerifier | readonly NoteVerifier[], origin: string, policy: WitnessPolicy, opts: WitnessCheckOptions = {},
): WitnessedCheckpoint {
  const logKeys: readonly NoteVerifier[] = Array.isArray(logKey) ? logKey : [logKey as NoteVerifier];
  const isLog = (k: { name: string; keyHash: number }) => logKeys.some((l) => l.name === k.name && l.keyHash === k.keyHash);
  const known = [...logKeys, ...policy.witnesses.filter((w) => !isLog(w))];
  const opened = openNote(note, known);
  const logSig = opened.verifiedSignatures.find(isLog);
  if (logSig === undefined) throw invalid('the checkpoint is not signed by the log');
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== origin) {
    throw new KeyholeError('CHECKPOINT_INVALID', 'the checkpoint is from another log', { details: { expectedOrigin: origin, origin: checkpoint.origin } });
  }
  const latest = opts.now === undefined ? Infinity : opts.now + (opts.maxFutureS ?? 300);
  const cosignatures: Cosignature[] = [];
  for (const s of opened.verifiedSignatures) {
    if (s === logSig) continue;
    const timestamp = cosignatureTimestamp(s.base64);
    if (timestamp === undefined || timestamp > latest) continue;
    cosignatures.push(Object.freeze({ name: s.name, keyHash: s.keyHash, timestamp, line: `\u2014 ${s.name} ${s.base64}` }));
  }
  if (cosignatures.length < policy.quorum) {
    throw new KeyholeError('WITNESS_QUORUM_NOT_MET', `the checkpoint of size ${checkpoint.size} is cosigned by ${cosignatures.length} of the ${policy.quorum} witnesses required`, {
      details: { quorum: policy.quorum, cosigned: cosignatures.length, size: checkpoint.size },
    });
  }
  return Object.freeze({ checkpoint, text: opened.text, logSignature: `\u2014 ${logSig.name} ${logSig.base64}`, cosignatures: Object.freeze(cosignatures) });
}

/** The note `text` with the log's signature line and then `cosignatures`' lines (a checkpoint
 *  as /v1/log/checkpoint serves it). Lines are given without their newline. */
export function assembleNote(text: string, logSignature: string, cosignatures: readonly string[]): string {
  return `${text}\n${[logSignature, ...cosignatures].map((l) => `${l}\n`).join('')}`;
}

function invalid(message: string): KeyholeError {
  return new KeyholeError('CHECKPOINT_INVALID', message);
}
