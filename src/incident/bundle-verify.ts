// Offline verification of an evidence bundle (keyhole-evidence/v1), with no database and no
// network: the file is exactly its canonical form, the evidence signature covers the bundle,
// every checkpoint opens with the log's key, neighbouring checkpoints are proven consistent,
// every entry is included in the last checkpoint, the incident's opening is among them, and the
// blast radius recomputed from the entries equals the one in the bundle, and the last checkpoint
// is cosigned by the witness policy's quorum (C2SP tlog-cosignature). Browser-safe.
// Every byte of the file is attacker-controlled.
import canonicalize from 'canonicalize';
import { KeyholeError } from '../shared/errors.js';
import { decodeBase64 } from '../shared/tlog/base64.js';
import { openCheckpoint, type Checkpoint } from '../shared/tlog/checkpoint.js';
import { leafHash } from '../shared/tlog/hash.js';
import { openNote } from '../shared/tlog/note.js';
import { verifyConsistency, verifyInclusion } from '../shared/tlog/proof-verify.js';
import { parseVerifierKey } from '../shared/tlog/vkey.js';
import { openWitnessedCheckpoint, witnessPolicy, type WitnessPolicy } from '../shared/tlog/witness-policy.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import { blastTotals } from './blast-totals.js';
import { BUNDLE_FORMAT, BundleFileSchema, signedText, type EvidenceBundle } from './bundle-format.js';
import { computeExposure, type LoggedRecord } from './exposure.js';

/** Keys the verifier trusts (verifier key strings `<name>+<hash>+<key>`), obtained from the
 *  exchange out of band. Without them the bundle's own keys are used and only its internal
 *  consistency is shown: `pinned` says which were checked against a trusted key. */
export interface BundleTrust {
  readonly logVerifierKey?: string | undefined;
  readonly evidenceVerifierKey?: string | undefined;
  /** The witnesses the verifier trusts and how many must have cosigned the last checkpoint;
   *  without it the bundle's own `log.witnesses` applies (unpinned). */
  readonly witnessPolicy?: WitnessPolicy | undefined;
  /** POSIX seconds now: cosignatures stamped more than 5 minutes later do not count. */
  readonly now?: number | undefined;
}

/** What a valid bundle establishes. */
export interface BundleVerification {
  readonly incidentId: string;
  readonly treeSize: number;
  readonly entries: number;
  readonly customers: number;
  readonly checkpoints: readonly number[];
  readonly logVerifierKey: string;
  readonly evidenceVerifierKey: string;
  /** The policy applied (quorum 0: none) and the witnesses whose cosignature verified. */
  readonly witnesses: { readonly quorum: number; readonly of: number; readonly cosignedBy: readonly string[] };
  readonly pinned: { readonly log: boolean; readonly evidence: boolean; readonly witnesses: boolean };
}

/** Verifies `file` (the bundle's bytes or text).
 *  @throws KeyholeError BUNDLE_INVALID saying which check failed (the underlying error, e.g.
 *  PROOF_INVALID, in `cause`). */
export function verifyEvidenceBundle(file: string | Uint8Array, trust: BundleTrust = {}): BundleVerification {
  const { bundle, signature } = parseFile(file);
  const evidenceKey = check('evidence key', () => pinnedKey(bundle.evidenceKey, trust.evidenceVerifierKey));
  check('signature', () => {
    const opened = openNote(signature, [parseVerifierKey(evidenceKey)]);
    if (opened.text !== signedText(bundle)) throw new Error('the signature is for different content');
  });
  const logKey = check('log key', () => pinnedKey(bundle.log.verifierKey, trust.logVerifierKey));
  const checkpoints = checkCheckpoints(bundle, logKey);
  const last = checkpoints.at(-1)!;
  const policy = check('witness policy', () => trust.witnessPolicy ?? (bundle.log.witnesses ? witnessPolicy(bundle.log.witnesses.keys, bundle.log.witnesses.quorum) : undefined));
  const cosigned = check(`the witnesses of checkpoint ${last.size}`, () => policy === undefined ? [] : openWitnessedCheckpoint(bundle.log.checkpoints.at(-1)!, parseVerifierKey(logKey), bundle.log.origin, policy, { now: trust.now }).cosignatures);
  const records = checkEntries(bundle, last);
  checkBlastRadius(bundle, records);
  return {
    incidentId: bundle.incident.id, treeSize: last.size, entries: records.length, customers: bundle.blastRadius.customers.length,
    checkpoints: checkpoints.map((c) => c.size), logVerifierKey: logKey, evidenceVerifierKey: evidenceKey,
    witnesses: { quorum: policy?.quorum ?? 0, of: policy?.witnesses.length ?? 0, cosignedBy: cosigned.map((c) => c.name) },
    pinned: { log: trust.logVerifierKey !== undefined, evidence: trust.evidenceVerifierKey !== undefined, witnesses: trust.witnessPolicy !== undefined },
  };
}

/** Parses the file: UTF-8, JSON, exactly its RFC 8785 form (so no byte can change unnoticed),
 *  and the schema. */
function parseFile(file: string | Uint8Array): { bundle: EvidenceBundle; signature: string } {
  const text = check('encoding', () => (typeof file === 'string' ? file : new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(file)));
  const value = check('JSON', () => JSON.parse(text) as unknown);
  if (canonicalize(value) !== text) throw invalid('the file is not in its canonical form: it was changed or reformatted');
  const parsed = BundleFileSchema.safeParse(value);
  if (!parsed.success) throw invalid(`the file does not match ${BUNDLE_FORMAT}: ${parsed.error.issues[0]?.path.join('.') ?? ''}`);
  return { bundle: parsed.data.bundle, signature: parsed.data.signature };
}

/** The trusted key, or the embedded one when none is given; a pinned key MUST equal it. */
function pinnedKey(embedded: string, trusted: string | undefined): string {
  const key = (trusted ?? embedded).trim();
  parseVerifierKey(key);
  if (trusted !== undefined && key !== embedded) throw new Error('the bundle names another key than the trusted one');
  return key;
}

/** Opens every checkpoint (sizes strictly increasing) and checks each consistency proof. */
function checkCheckpoints(bundle: EvidenceBundle, logKey: string): Checkpoint[] {
  const verifier = parseVerifierKey(logKey);
  const cps = bundle.log.checkpoints.map((note, i) => check(`checkpoint ${i}`, () => openCheckpoint(note, verifier, bundle.log.origin).checkpoint));
  if (bundle.log.consistency.length !== cps.length - 1) throw invalid('there must be one consistency proof between each two checkpoints');
  cps.slice(1).forEach((cp, i) => {
    const prev = cps[i]!;
    const c = bundle.log.consistency[i]!;
    if (c.from !== prev.size || c.to !== cp.size || prev.size >= cp.size) throw invalid(`consistency proof ${i} does not join checkpoints of sizes ${prev.size} and ${cp.size}`);
    check(`consistency ${prev.size} → ${cp.size}`, () => verifyConsistency(prev.size, cp.size, hashes(c.proof), prev.rootHash, cp.rootHash));
  });
  return cps;
}

/** Checks each entry is canonical JSON included at its seq in `cp`; returns the records. */
function checkEntries(bundle: EvidenceBundle, cp: Checkpoint): LoggedRecord[] {
  let prev = -1;
  return bundle.entries.map((e) => {
    if (e.seq <= prev) throw invalid(`entry ${e.seq}: entries must be in strictly ascending order`);
    prev = e.seq;
    const record = check(`entry ${e.seq}`, () => JSON.parse(e.entry) as AuditRecord);
    if (canonicalize(record) !== e.entry) throw invalid(`entry ${e.seq} is not in its canonical form`);
    check(`entry ${e.seq}`, () => verifyInclusion(leafHash(new TextEncoder().encode(e.entry)), e.seq, cp.size, hashes(e.proof), cp.rootHash));
    return { seq: e.seq, record };
  });
}

/** The incident's opening is on the log, and the blast radius and totals are those the
 *  entries give. */
function checkBlastRadius(bundle: EvidenceBundle, records: readonly LoggedRecord[]): void {
  const id = bundle.incident.id;
  if (!records.some((r) => r.record.action === 'incident_open' && r.record.details?.incidentId === id)) {
    throw invalid(`the opening of incident ${id} is not among the entries`);
  }
  const { scope } = bundle.incident;
  const exposure = computeExposure(records, { agentIds: scope.agentIds, since: scope.since, until: scope.until });
  const claimed = bundle.blastRadius.customers.map(({ accountId: _a, jurisdiction: _j, tier: _t, highBalance: _h, erasedAt: _x, ...e }) => e);
  if (canonicalize(exposure) !== canonicalize(claimed)) throw invalid('the blast radius differs from the one the log entries give');
  if (canonicalize(blastTotals(bundle.blastRadius.customers)) !== canonicalize(bundle.blastRadius.totals)) throw invalid('the totals differ from the customers listed');
}

function hashes(list: readonly string[]): Uint8Array[] {
  return list.map((h) => {
    const b = decodeBase64(h);
    if (b === undefined || b.length !== 32) throw new KeyholeError('PROOF_INVALID', 'a proof hash is not base64 of 32 bytes');
    return b;
  });
}

/** Runs `f`, turning any failure into BUNDLE_INVALID naming `what`. */
function check<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (cause) {
    if (cause instanceof KeyholeError && cause.code === 'BUNDLE_INVALID') throw cause;
    throw new KeyholeError('BUNDLE_INVALID', `The evidence bundle does not verify: ${what}: ${cause instanceof Error ? cause.message : 'invalid'}.`, { cause });
  }
}

function invalid(message: string): KeyholeError {
  return new KeyholeError('BUNDLE_INVALID', `The evidence bundle does not verify: ${message}.`);
}
