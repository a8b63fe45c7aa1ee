// Checks the customer's receipts in the browser against the transparency log, with the
// verifier of src/shared/tlog and no trust in the server's rendering: open the signed
// checkpoint with the log's verifier key (C2SP tlog-checkpoint / signed-note), check that a
// newer checkpoint extends the last one (RFC 9162 §2.1.4), that it is cosigned by the witness
// policy (C2SP tlog-cosignature), and for each receipt recompute the leaf hash of its exact leaf
// bytes and check the inclusion proof (RFC 9162 §2.1.3).
import { decodeBase64 } from '../../../src/shared/tlog/base64.js';
import type { Checkpoint } from '../../../src/shared/tlog/checkpoint.js';
import { leafHash } from '../../../src/shared/tlog/hash.js';
import { verifyConsistency, verifyInclusion } from '../../../src/shared/tlog/proof-verify.js';
import { parseVerifierKeys, type NoteVerifier } from '../../../src/shared/tlog/vkey.js';
import { parseWitnessPolicyFile } from '../../../src/shared/tlog/witness-policy-file.js';
import { NO_WITNESSES, openWitnessedCheckpoint, witnessPolicy, type WitnessPolicy } from '../../../src/shared/tlog/witness-policy.js';
import { ApiError } from '../api/client';
import type { ConsistencyAnswer, InclusionAnswer, LogWitnesses, Receipt } from './api';
import { parseLeaf, type LeafRecord } from './leaf';

/** Where the proofs come from (the portal's API; a test may hand in another source). */
export interface LogSource {
  vkey(): Promise<string>;
  checkpoint(): Promise<string>;
  inclusion(index: number, size: number): Promise<InclusionAnswer>;
  consistency(from: number, to: number): Promise<ConsistencyAnswer>;
  /** The witness policy the server publishes (GET /v1/log/witnesses). */
  witnesses(): Promise<LogWitnesses>;
}

/** A checkpoint whose signature verified with `key`; `note` is the signed note as served. */
/** The log's trusted keys: one, or several during a signing-key rotation (all named like the
 *  origin); a checkpoint signed by any of them is the log's. */
export type LogKeys = NoteVerifier | readonly NoteVerifier[];

/** The origin the keys name (the first key's name). */
export function logOrigin(key: LogKeys): string {
  return (Array.isArray(key) ? (key[0] as NoteVerifier) : (key as NoteVerifier)).name;
}

export interface TrustedHead {
  readonly checkpoint: Checkpoint;
  readonly key: LogKeys;
  readonly note: string;
  /** Names of the witnesses whose cosignature verified under the policy. */
  readonly cosignedBy?: readonly string[];
}

/** The witness policy: `pinned` (policy file text built into the page) wins; else the one the
 *  server publishes. @throws KeyholeError BAD_REQUEST / CHECKPOINT_INVALID on a malformed one. */
export async function loadWitnessPolicy(source: LogSource, pinned: string | undefined): Promise<WitnessPolicy> {
  if (pinned) return parseWitnessPolicyFile(pinned).policy;
  const w = await source.witnesses();
  if (!w || !Array.isArray(w.witnesses) || w.witnesses.length === 0) return NO_WITNESSES;
  return witnessPolicy(w.witnesses.map((x) => String(x.vkey)), Number(w.quorum));
}

/** The outcome for one receipt. `verified` and `failed` carry the record parsed from the leaf. */
export type ReceiptCheck =
  | { readonly state: 'verified'; readonly record: LeafRecord; readonly index: number; readonly treeSize: number }
  | { readonly state: 'pending'; readonly record: LeafRecord | null; readonly why: 'not_sequenced' | 'after_checkpoint' | 'no_checkpoint' }
  | { readonly state: 'failed'; readonly record: LeafRecord | null; readonly reason: string };

/** Parses the log's verifier keys: one a line (or separated by blanks in a pinned value), two
 *  during a signing-key rotation's overlap. @throws KeyholeError CHECKPOINT_INVALID. */
export async function loadLogKey(source: LogSource): Promise<NoteVerifier[]> {
  return parseVerifierKeys((await source.vkey()).trim().split(/\s+/).join('\n'));
}

/** The latest checkpoint, opened with `key` (its origin MUST be the key's name) and held to
 *  `policy`, or null before the log signed (or the witnesses cosigned) one.
 *  @throws KeyholeError CHECKPOINT_INVALID on a bad signature or format, WITNESS_QUORUM_NOT_MET
 *  when too few of the policy's witnesses cosigned it. */
export async function openLatestHead(source: LogSource, key: LogKeys, policy: WitnessPolicy = NO_WITNESSES): Promise<TrustedHead | null> {
  let note: string;
  try {
    note = await source.checkpoint();
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
  const w = openWitnessedCheckpoint(note, key, logOrigin(key), policy, { now: Math.floor(Date.now() / 1000) });
  return { checkpoint: w.checkpoint, key, note, cosignedBy: w.cosignatures.map((c) => c.name) };
}

/** Checks that `next` extends `prev` (append-only): equal sizes need equal roots, a larger size
 *  a valid consistency proof. `earlier` words the message for a checkpoint remembered from an
 *  earlier visit. @throws Error saying the log shrank or was rewritten. */
export async function checkExtends(source: LogSource, prev: TrustedHead, next: TrustedHead, earlier = false): Promise<void> {
  const a = prev.checkpoint;
  const b = next.checkpoint;
  const seen = earlier ? 'this browser verified on an earlier visit' : 'was shown before';
  if (b.size < a.size) throw new Error(`the log now has ${b.size} records, fewer than the ${a.size} ${seen}: records were removed`);
  try {
    const proof = b.size === a.size ? [] : decodeHashes((await source.consistency(a.size, b.size)).proof);
    verifyConsistency(a.size, b.size, proof, a.rootHash, b.rootHash);
  } catch (e) {
    if (e instanceof ApiError && e.status === 0) throw e;
    throw new Error(`the log of ${b.size} records does not extend the ${a.size} records ${seen}: its history was rewritten`);
  }
}

/** Checks one receipt of customer `customerId` against `head`: the leaf MUST parse as a record
 *  about this customer and its leaf hash MUST be leaf `seq` of the signed tree. Never throws:
 *  a network failure, a malformed answer or a wrong proof all come back as `failed`. */
export async function checkReceipt(source: LogSource, receipt: Receipt, head: TrustedHead | null, customerId: string): Promise<ReceiptCheck> {
  if (receipt.seq === null || receipt.leaf === null) return { state: 'pending', record: null, why: 'not_sequenced' };
  let record: LeafRecord;
  try {
    record = parseLeaf(receipt.leaf);
  } catch (e) {
    return { state: 'failed', record: null, reason: `The log record is unreadable: ${(e as Error).message}.` };
  }
  if (record.customerId !== customerId) return { state: 'failed', record, reason: 'The log record is about someone else.' };
  if (head === null) return { state: 'pending', record, why: 'no_checkpoint' };
  const size = head.checkpoint.size;
  if (receipt.seq >= size) return { state: 'pending', record, why: 'after_checkpoint' };
  try {
    const answer = await source.inclusion(receipt.seq, size);
    if (answer.index !== receipt.seq || answer.size !== size) throw new Error('the proof is for another position in the log');
    verifyInclusion(leafHash(new TextEncoder().encode(receipt.leaf)), receipt.seq, size, decodeHashes(answer.proof), head.checkpoint.rootHash);
    return { state: 'verified', record, index: receipt.seq, treeSize: size };
  } catch (e) {
    if (e instanceof ApiError && e.status === 0) return { state: 'pending', record, why: 'after_checkpoint' };
    return { state: 'failed', record, reason: 'This record does not match the signed log: it may have been altered or removed.' };
  }
}

/** Decodes base64 hashes strictly. @throws Error on any that is not canonical base64. */
function decodeHashes(b64: readonly string[]): Uint8Array[] {
  if (!Array.isArray(b64)) throw new Error('the proof is not a list');
  return b64.map((h) => {
    const bytes = typeof h === 'string' ? decodeBase64(h) : undefined;
    if (!bytes) throw new Error('the proof holds a malformed hash');
    return bytes;
  });
}
