// `keyhole verify`: with no proof, checks the whole stored log (entries, tiles, every signed
// checkpoint; docs/design/audit.md) and exits LOG_VERIFY_FAILED's exit code naming the first bad
// index; with --proof, checks one offline C2SP tlog-proof against a checkpoint and a verifier
// key without opening any database. The stored log is also compared with the latest checkpoints
// the witnesses cosigned and held to a witness policy (witnessed-check.ts).
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { verifyLog } from '../audit/verify-log.js';
import { verifyOfflineProof } from '../audit/verify-proof.js';
import { checkAgainstWitnesses } from '../audit/witnessed-check.js';
import { pinnedVerifierPolicy, verifierPolicy, type WitnessPolicyOptions } from '../audit/witness-policy-source.js';
import { createRuntime } from '../server/runtime.js';
import { ERROR_CATALOG, KeyholeError } from '../shared/errors.js';
import { describeWitnessPolicy } from '../shared/tlog/witness-policy-file.js';
import { decodeBase64, encodeBase64 } from '../shared/tlog/base64.js';
import { parseVerifierKeys } from '../shared/tlog/vkey.js';
import { verifyBundle } from './incident.js';
import { runtimeConfig, withStoreOptions } from './options.js';

/** The options of `keyhole verify`. */
export interface VerifyOptions extends WitnessPolicyOptions {
  readonly dataDir?: string;
  readonly proof?: string;
  readonly checkpoint?: string;
  readonly entry?: string;
  readonly consistency?: string;
  readonly vkey?: string;
  readonly origin?: string;
  readonly integrate?: boolean;
}

/** Adds `verify` to `program`. */
export function registerVerify(program: Command): void {
  withStoreOptions(program.command('verify').description('verify the audit log (exits non-zero naming the first bad index), or one offline proof with --proof'))
    .option('--proof <file>', 'a C2SP tlog-proof of one entry: verify it offline, with no database')
    .option('--checkpoint <file>', 'with --proof: a signed checkpoint you trust (with a witness policy: as /v1/log/checkpoint serves it, cosigned); the proof must be for that tree')
    .option('--entry <file>', 'with --proof: the audit record (JSON); default: the proof\'s extra data')
    .option('--consistency <file>', 'with --proof: the JSON of /v1/log/proofs/consistency between the two checkpoints, when their sizes differ')
    .option('--vkey <file|key>', 'the log\'s verifier key (a file or the key itself; a file may list several trusted keys, one a line, as /v1/log/vkey serves them during a signing-key rotation); required with --proof, default: every key of this installation')
    .option('--origin <origin>', 'the log origin (default: KEYHOLE_LOG_ORIGIN, or the verifier key\'s name with --proof)')
    .option('--no-integrate', 'do not integrate pending records before checking')
    .option('--bundle <file>', 'an incident evidence bundle: verify it offline (with --vkey and --evidence-key to pin the keys)')
    .option('--evidence-key <file|key>', 'with --bundle: the evidence verifier key')
    .option('--witness-policy <file>', 'the witness policy: lines "witness <key> [<url>]" and "quorum <N|all>" (default: KEYHOLE_WITNESS_POLICY, else KEYHOLE_WITNESSES)')
    .option('--witness <key>', 'a trusted witness (cosignature/v1 verifier key); repeatable', collect, [])
    .option('--quorum <n>', 'how many of the witnesses must have cosigned (default: all)')
    .option('--witness-url <url>', 'also ask this witness for its latest cosigned checkpoint; repeatable', collect, [])
    .action(async (o: VerifyOptions & { bundle?: string; evidenceKey?: string }) => {
      if (o.bundle !== undefined) verifyBundle({ bundle: o.bundle, vkey: o.vkey, evidenceKey: o.evidenceKey, witnesses: o });
      else if (o.proof !== undefined) verifyProofCommand(o);
      else await verifyLogCommand(o);
    });
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Checks the stored log, then compares it with what the witnesses cosigned; sets
 *  process.exitCode on failure (LOG_VERIFY_FAILED's for a bad, truncated or rewritten log,
 *  WITNESS_QUORUM_NOT_MET's for a log the policy's witnesses have not cosigned). */
export async function verifyLogCommand(o: VerifyOptions): Promise<void> {
  const rt = await createRuntime(runtimeConfig(o, { integrate: false }));
  try {
    if (o.integrate !== false) {
      await rt.integrator.drain().catch((e: unknown) => console.error(`keyhole: pending records were not integrated (${e instanceof Error ? e.message : String(e)})`));
    }
    const verifier = o.vkey !== undefined ? parseVerifierKeys(readKey(o.vkey)) : rt.integrator.identity.verifiers;
    const origin = o.origin ?? rt.integrator.identity.origin;
    const policy = verifierPolicy(o, process.env, rt.witnesses);
    const r = await verifyLog(rt.db, { verifier, origin });
    if (!r.ok) {
      console.error(`audit log FAILED at index ${r.firstBadIndex}: ${r.problem}`);
      process.exitCode = ERROR_CATALOG.LOG_VERIFY_FAILED.exit;
      return;
    }
    const w = await checkAgainstWitnesses(rt.db as never, { verifier, origin, policy: policy.policy, urls: policy.urls, publishedNote: publishedNote(rt) });
    for (const warning of w.warnings) console.error(`keyhole: warning: ${warning}`);
    if (!w.ok) {
      console.error(`audit log FAILED at index ${w.firstBadIndex}: ${w.problem} (witness policy: ${describeWitnessPolicy(policy.policy)}, from ${policy.source})`);
      process.exitCode = ERROR_CATALOG[w.code].exit;
      return;
    }
    console.log(`audit log OK: ${r.size} entries, ${r.checkpoints} signed checkpoints, root ${encodeBase64(r.rootHash)}`);
    if (w.witnessed !== undefined) {
      console.log(`witnessed: the checkpoint of ${w.witnessed.size} entries is cosigned by ${w.witnessed.cosigners.join(', ')}; the database extends it${r.size > w.witnessed.size ? ` (${r.size - w.witnessed.size} newer entries not yet witnessed)` : ''}; confirmed by ${w.confirmedBy.join(', ')} (policy: ${describeWitnessPolicy(policy.policy)})`);
    } else if (policy.policy.witnesses.length === 0) {
      console.log('witnessed: no witness policy configured (KEYHOLE_WITNESSES, KEYHOLE_WITNESS_POLICY or --witness-policy): a truncated database cannot be told from a short log');
    }
  } finally {
    await rt.close();
  }
}

/** The published-checkpoint file's note, if any (a file that does not open is a warning). */
function publishedNote(rt: Awaited<ReturnType<typeof createRuntime>>): string | undefined {
  try {
    return rt.published.floor?.note;
  } catch {
    return 'unreadable';
  }
}

/** Checks one offline proof. @throws KeyholeError (see verifyOfflineProof; BAD_REQUEST without
 *  --vkey or on an unreadable file). */
export function verifyProofCommand(o: VerifyOptions): void {
  if (o.vkey === undefined) throw new KeyholeError('BAD_REQUEST', '--proof needs --vkey (the log\'s verifier key).');
  const r = verifyOfflineProof({
    proof: readFile(o.proof!),
    vkey: readKey(o.vkey),
    entry: o.entry === undefined ? undefined : readFile(o.entry).toString('utf8'),
    checkpoint: o.checkpoint === undefined ? undefined : readFile(o.checkpoint),
    consistency: o.consistency === undefined ? undefined : readConsistency(o.consistency),
    origin: o.origin,
    witnessPolicy: pinnedVerifierPolicy(o, process.env),
  });
  const against = r.trustedSize === undefined || r.trustedSize === r.checkpoint.size ? '' : ` (consistent with the trusted checkpoint of ${r.trustedSize})`;
  console.log(`proof OK: entry ${r.index} is in the tree of ${r.checkpoint.size} entries signed by ${r.checkpoint.origin}${against}`);
}

/** A verifier key given inline or as a file holding it. */
function readKey(arg: string): string {
  return arg.includes('+') && !existsSync(arg) ? arg : readFile(arg).toString('utf8').trim();
}

function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new KeyholeError('BAD_REQUEST', `cannot read ${path}`, { cause });
  }
}

const ConsistencyFile = z.object({ proof: z.array(z.string()).max(64) });

/** The hashes of a /v1/log/proofs/consistency answer saved to a file. */
function readConsistency(path: string): Uint8Array[] {
  const parsed = ConsistencyFile.safeParse(JSON.parse(readFile(path).toString('utf8')));
  const hashes = parsed.success ? parsed.data.proof.map(decodeBase64) : [undefined];
  if (hashes.some((h) => h === undefined || h.length !== 32)) throw new KeyholeError('PROOF_INVALID', 'the consistency file is not a list of base64 hashes');
  return hashes as Uint8Array[];
}
