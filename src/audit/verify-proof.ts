// Offline verification of one audit record's C2SP tlog-proof, with no database: the proof's
// checkpoint MUST open with the log's verifier key, the entry MUST hash to the proven leaf, and
// when a trusted checkpoint is given, the proof's tree MUST be that tree (or be proven
// consistent with it). Browser-safe: shared code only. RFC 9162 §2.1.3–2.1.4, C2SP tlog-proof.
import canonicalize from 'canonicalize';
import { KeyholeError } from '../shared/errors.js';
import { openCheckpoint, type Checkpoint } from '../shared/tlog/checkpoint.js';
import { hashesEqual, leafHash } from '../shared/tlog/hash.js';
import { verifyConsistency } from '../shared/tlog/proof-verify.js';
import { parseTlogProof, verifyTlogProof } from '../shared/tlog/tlog-proof.js';
import { parseVerifierKeys, type NoteVerifier } from '../shared/tlog/vkey.js';
import { openWitnessedCheckpoint, type WitnessPolicy } from '../shared/tlog/witness-policy.js';

/** What an offline check needs. All of it is attacker-controlled except `vkey`, which the
 *  verifier MUST have obtained from a trusted place. */
export interface OfflineProofInput {
  /** The tlog-proof text. */
  readonly proof: string | Uint8Array;
  /** The log's verifier key `<name>+<hash>+<key>`. */
  readonly vkey: string;
  /** The audit record as JSON (any formatting: it is canonicalized, RFC 8785); default: the
   *  proof's extra data. */
  readonly entry?: string | undefined;
  /** A checkpoint note the verifier trusts (e.g. fetched earlier); optional. */
  readonly checkpoint?: string | Uint8Array | undefined;
  /** A consistency proof between the trusted checkpoint and the proof's (32-byte hashes),
   *  needed only when their sizes differ. */
  readonly consistency?: readonly Uint8Array[] | undefined;
  /** The log's origin; default: the verifier key's name. */
  readonly origin?: string | undefined;
  /** When given, `checkpoint` is required and MUST carry cosignatures of the policy's quorum
   *  (C2SP tlog-cosignature; /v1/log/checkpoint serves them). */
  readonly witnessPolicy?: WitnessPolicy | undefined;
  /** POSIX seconds now, for cosignature timestamps (default: the system clock). */
  readonly now?: number | undefined;
}

/** What was established: entry `index` is in the signed tree `checkpoint`. */
export interface OfflineProofResult {
  readonly index: number;
  readonly checkpoint: Checkpoint;
  /** The trusted checkpoint's size, when one was given. */
  readonly trustedSize: number | undefined;
}

/** Verifies an offline proof. @throws KeyholeError CHECKPOINT_INVALID on a bad verifier key or
 *  a checkpoint that does not open; WITNESS_QUORUM_NOT_MET when a witness policy is given and
 *  the trusted checkpoint (then required: PROOF_INVALID without it) is below it; PROOF_INVALID on a malformed proof, a missing or non-JSON
 *  entry, a failed inclusion check, or a proof tree that is not the trusted checkpoint's (and
 *  not proven consistent with it). */
export function verifyOfflineProof(input: OfflineProofInput): OfflineProofResult {
  const verifier = parseVerifierKeys(input.vkey);
  const expectedOrigin = input.origin ?? (verifier[0] as NoteVerifier).name;
  const parsed = parseTlogProof(input.proof);
  const data = leafData(input.entry ?? (parsed.extraData && new TextDecoder().decode(parsed.extraData)));
  const verified = verifyTlogProof(input.proof, { leafHash: leafHash(data), verifier, expectedOrigin });
  const proven = verified.checkpoint.checkpoint;
  if (input.checkpoint === undefined) {
    if (input.witnessPolicy !== undefined && input.witnessPolicy.quorum > 0) {
      throw new KeyholeError('PROOF_INVALID', 'A witness policy needs the cosigned checkpoint: give --checkpoint (the note /v1/log/checkpoint serves).');
    }
    return { index: verified.index, checkpoint: proven, trustedSize: undefined };
  }
  const trusted = input.witnessPolicy === undefined
    ? openCheckpoint(input.checkpoint, verifier, expectedOrigin).checkpoint
    : openWitnessedCheckpoint(input.checkpoint, verifier, expectedOrigin, input.witnessPolicy, { now: input.now ?? Math.floor(Date.now() / 1000) }).checkpoint;
  checkSameTree(trusted, proven, input.consistency);
  return { index: verified.index, checkpoint: proven, trustedSize: trusted.size };
}

/** The leaf data of a record given as JSON: its RFC 8785 canonical UTF-8 encoding. */
function leafData(json: string | undefined): Uint8Array {
  if (json === undefined) throw new KeyholeError('PROOF_INVALID', 'No entry to check: give the audit record (the proof carries none).');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new KeyholeError('PROOF_INVALID', 'The entry is not JSON.', { cause });
  }
  const text = canonicalize(value);
  if (text === undefined) throw new KeyholeError('PROOF_INVALID', 'The entry cannot be canonicalized.');
  return new TextEncoder().encode(text);
}

/** Same size: the roots MUST be equal (else the log showed two different trees). Different
 *  sizes: `consistency` MUST prove the smaller tree a prefix of the larger. */
function checkSameTree(trusted: Checkpoint, proven: Checkpoint, consistency: readonly Uint8Array[] | undefined): void {
  if (trusted.size === proven.size) {
    if (!hashesEqual(trusted.rootHash, proven.rootHash)) {
      throw new KeyholeError('PROOF_INVALID', `two signed checkpoints of size ${trusted.size} have different roots: the log forked`, {
        details: { size: trusted.size },
      });
    }
    return;
  }
  if (consistency === undefined) {
    throw new KeyholeError('PROOF_INVALID', `the proof is for the tree of ${proven.size}, the trusted checkpoint is of ${trusted.size}: give a consistency proof or fetch the proof at size ${trusted.size}`);
  }
  const [small, large] = trusted.size < proven.size ? [trusted, proven] : [proven, trusted];
  verifyConsistency(small.size, large.size, consistency, small.rootHash, large.rootHash);
}
