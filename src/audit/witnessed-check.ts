// `keyhole verify`'s check of the database against what others remember of the log: the latest
// checkpoint each witness cosigned (asked at its monitoring endpoint, c2sp.org/tlog-witness
// §Monitor Retrieval), the cosigned checkpoints stored with the log, and the published-checkpoint
// file. The database MUST hold at least the largest of them and its tree MUST extend each (RFC
// 9162 §2.1.4 consistency): a log truncated or restored behind what a witness cosigned fails,
// however consistent it is internally. Then at least the policy's quorum of witnesses MUST have
// cosigned a checkpoint of this tree. Witness answers are attacker-controlled: only notes that
// open with the log's key and carry a valid cosignature of a policy witness count.
import type { Kysely } from 'kysely';
import { isKeyholeError } from '../shared/errors.js';
import { openCheckpoint } from '../shared/tlog/checkpoint.js';
import { hashesEqual } from '../shared/tlog/hash.js';
import { isValidConsistency } from '../shared/tlog/proof-verify.js';
import type { NoteVerifier } from '../shared/tlog/vkey.js';
import { openWitnessedCheckpoint, type WitnessPolicy } from '../shared/tlog/witness-policy.js';
import { checkpointAt, latestCheckpoint } from './checkpoint-store.js';
import { LogReader } from './log-reader.js';
import type { AuditTables } from './tables.js';
import { originHash } from './witness-store.js';

/** What the database is compared with. */
export interface WitnessedCheckInput {
  /** The log's key, or every trusted log key (any of them may have signed). */
  readonly verifier: NoteVerifier | readonly NoteVerifier[];
  readonly origin: string;
  readonly policy: WitnessPolicy;
  /** Witness URL prefixes to ask for their latest cosigned checkpoint of `origin`. */
  readonly urls: readonly string[];
  /** The published-checkpoint file's note, when there is one (log-signed, not witnessed). */
  readonly publishedNote?: string | undefined;
  /** POSIX seconds now (cosignatures from the future are not counted); default: system clock. */
  readonly now?: number;
  readonly timeoutMs?: number;
}

/** A checkpoint remembered outside the log's tables, and who vouches for it. */
export interface RememberedCheckpoint {
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** Policy witnesses whose valid cosignature it carries (none for the published file). */
  readonly cosigners: readonly string[];
  /** Where it came from: a witness URL, `the log's stored cosignatures` or `the published-checkpoint file`. */
  readonly source: string;
}

/** The outcome. `firstBadIndex` is the first entry the database lacks or holds differently. */
export type WitnessedCheck =
  | {
    readonly ok: true; readonly size: number;
    /** The largest witnessed checkpoint (undefined: none yet). */
    readonly witnessed: RememberedCheckpoint | undefined;
    /** Policy witnesses that cosigned a checkpoint of this tree. */
    readonly confirmedBy: readonly string[];
    /** Witness URLs that did not answer or answered nothing usable. */
    readonly warnings: readonly string[];
  }
  | { readonly ok: false; readonly code: 'LOG_VERIFY_FAILED' | 'WITNESS_QUORUM_NOT_MET'; readonly firstBadIndex: number; readonly problem: string; readonly warnings: readonly string[] };

/** Compares the log in `db` (already checked by verifyLog) with the witnesses' memory.
 *  Never throws for a bad log or a bad witness answer. @throws only on database errors. */
export async function checkAgainstWitnesses(db: Kysely<AuditTables>, input: WitnessedCheckInput): Promise<WitnessedCheck> {
  const warnings: string[] = [];
  const remembered = [
    ...(await askWitnesses(input, warnings)),
    ...(await storedCosigned(db, input)),
    ...published(input, warnings),
  ].sort((a, b) => b.size - a.size);
  const latest = await latestCheckpoint(db);
  const size = latest?.size ?? 0;
  const reader = new LogReader(db);
  const confirmed = new Set<string>();
  for (const r of remembered) {
    const who = r.cosigners.length > 0 ? `witness ${r.cosigners.join(', ')} (${r.source})` : r.source;
    if (r.size > size) {
      return fail('LOG_VERIFY_FAILED', size, `the database ends at ${size} entries but ${who} holds a checkpoint of ${r.size}: ${r.size - size} entries are missing — the log was truncated or restored from an older copy`, warnings);
    }
    const consistent = r.size === size
      ? hashesEqual(r.rootHash, latest!.rootHash)
      : r.size === 0 || isValidConsistency(r.size, size, (await reader.consistencyProof(r.size, size)).proof, r.rootHash, latest!.rootHash);
    if (!consistent) {
      return fail('LOG_VERIFY_FAILED', Math.max(0, r.size - 1), `the database's tree of ${size} entries is not consistent with the checkpoint of ${r.size} held by ${who}: the log was rewritten`, warnings);
    }
    for (const c of r.cosigners) confirmed.add(c);
  }
  const witnessed = remembered.find((r) => r.cosigners.length > 0);
  if (confirmed.size < input.policy.quorum) {
    return fail('WITNESS_QUORUM_NOT_MET', witnessed?.size ?? 0, `only ${confirmed.size} of the ${input.policy.quorum} witnesses the policy requires cosigned this log (${[...confirmed].join(', ') || 'none'})`, warnings);
  }
  return { ok: true, size, witnessed, confirmedBy: [...confirmed].sort(), warnings };
}

/** Each URL's latest cosigned checkpoint of the log, when it opens with a policy cosignature. */
async function askWitnesses(input: WitnessedCheckInput, warnings: string[]): Promise<RememberedCheckpoint[]> {
  const out = await Promise.all(input.urls.map(async (url): Promise<RememberedCheckpoint | undefined> => {
    let note: string;
    try {
      const res = await fetch(`${url}/${originHash(input.origin)}/checkpoint`, { signal: AbortSignal.timeout(input.timeoutMs ?? 10_000) });
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`answered ${res.status}`);
      note = await res.text(); // attacker-controlled
    } catch (e) {
      warnings.push(`witness ${url} did not answer (${e instanceof Error ? e.message : String(e)})`);
      return undefined;
    }
    return opened(note, input, url, warnings);
  }));
  return out.filter((r) => r !== undefined);
}

/** The newest cosigned checkpoints stored with the log (their cosignatures re-verified). */
async function storedCosigned(db: Kysely<AuditTables>, input: WitnessedCheckInput): Promise<RememberedCheckpoint[]> {
  if (input.policy.witnesses.length === 0) return [];
  const sizes = await db.selectFrom('tlog_cosignatures').select('size').distinct().orderBy('size', 'desc').limit(16).execute();
  const out: RememberedCheckpoint[] = [];
  for (const { size } of sizes) {
    const cp = await checkpointAt(db, Number(size));
    if (cp === undefined) continue;
    const lines = await db.selectFrom('tlog_cosignatures').select('line').where('size', '=', size).execute();
    const r = opened(cp.note + lines.map((l) => `${l.line}\n`).join(''), input, 'the log\'s stored cosignatures', []);
    if (r) out.push(r);
  }
  return out;
}

function published(input: WitnessedCheckInput, warnings: string[]): RememberedCheckpoint[] {
  if (input.publishedNote === undefined) return [];
  try {
    const { checkpoint } = openCheckpoint(input.publishedNote, input.verifier, input.origin);
    return [{ size: checkpoint.size, rootHash: checkpoint.rootHash, cosigners: [], source: 'the published-checkpoint file' }];
  } catch {
    warnings.push('the published-checkpoint file does not hold a checkpoint of this log');
    return [];
  }
}

function opened(note: string, input: WitnessedCheckInput, source: string, warnings: string[]): RememberedCheckpoint | undefined {
  try {
    const w = openWitnessedCheckpoint(note, input.verifier, input.origin, { witnesses: input.policy.witnesses, quorum: 0 }, { now: input.now ?? Math.floor(Date.now() / 1000) });
    if (w.cosignatures.length === 0) {
      warnings.push(`${source} returned a checkpoint with no cosignature of a policy witness`);
      return undefined;
    }
    return { size: w.checkpoint.size, rootHash: w.checkpoint.rootHash, cosigners: [...new Set(w.cosignatures.map((c) => c.name))], source };
  } catch (e) {
    warnings.push(`${source} returned no checkpoint of this log (${isKeyholeError(e) ? e.message : 'malformed'})`);
    return undefined;
  }
}

function fail(code: 'LOG_VERIFY_FAILED' | 'WITNESS_QUORUM_NOT_MET', firstBadIndex: number, problem: string, warnings: readonly string[]): WitnessedCheck {
  return { ok: false, code, firstBadIndex, problem, warnings };
}
