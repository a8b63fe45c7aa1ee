// `keyhole verify`: with no proof, checks the whole stored log (entries, tiles, every signed
// checkpoint; docs/design/audit.md) and exits LOG_VERIFY_FAILED's exit code naming the first bad
// index; with --proof, checks one offline C2SP tlog-proof against a checkpoint and a verifier
// key without opening any database.
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { verifyLog } from '../audit/verify-log.js';
import { verifyOfflineProof } from '../audit/verify-proof.js';
import { createRuntime } from '../server/runtime.js';
import { ERROR_CATALOG, KeyholeError } from '../shared/errors.js';
import { decodeBase64, encodeBase64 } from '../shared/tlog/base64.js';
import { parseVerifierKey } from '../shared/tlog/vkey.js';
import { verifyBundle } from './incident.js';
import { runtimeConfig, withStoreOptions } from './options.js';

/** The options of `keyhole verify`. */
export interface VerifyOptions {
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
    .option('--checkpoint <file>', 'with --proof: a signed checkpoint you trust; the proof must be for that tree')
    .option('--entry <file>', 'with --proof: the audit record (JSON); default: the proof\'s extra data')
    .option('--consistency <file>', 'with --proof: the JSON of /v1/log/proofs/consistency between the two checkpoints, when their sizes differ')
    .option('--vkey <file|key>', 'the log\'s verifier key (a file or the key itself); required with --proof, default: the key of this installation')
    .option('--origin <origin>', 'the log origin (default: KEYHOLE_LOG_ORIGIN, or the verifier key\'s name with --proof)')
    .option('--no-integrate', 'do not integrate pending records before checking')
    .option('--bundle <file>', 'an incident evidence bundle: verify it offline (with --vkey and --evidence-key to pin the keys)')
    .option('--evidence-key <file|key>', 'with --bundle: the evidence verifier key')
    .action(async (o: VerifyOptions & { bundle?: string; evidenceKey?: string }) => {
      if (o.bundle !== undefined) verifyBundle({ bundle: o.bundle, vkey: o.vkey, evidenceKey: o.evidenceKey });
      else if (o.proof !== undefined) verifyProofCommand(o);
      else await verifyLogCommand(o);
    });
}

/** Checks the stored log; sets process.exitCode on failure. */
export async function verifyLogCommand(o: VerifyOptions): Promise<void> {
  const rt = await createRuntime(runtimeConfig(o, { integrate: false }));
  try {
    if (o.integrate !== false) {
      await rt.integrator.drain().catch((e: unknown) => console.error(`keyhole: pending records were not integrated (${e instanceof Error ? e.message : String(e)})`));
    }
    const verifier = o.vkey !== undefined ? parseVerifierKey(readKey(o.vkey)) : rt.integrator.identity.verifier;
    const r = await verifyLog(rt.db, { verifier, origin: o.origin ?? rt.integrator.identity.origin });
    if (r.ok) {
      console.log(`audit log OK: ${r.size} entries, ${r.checkpoints} signed checkpoints, root ${encodeBase64(r.rootHash)}`);
    } else {
      console.error(`audit log FAILED at index ${r.firstBadIndex}: ${r.problem}`);
      process.exitCode = ERROR_CATALOG.LOG_VERIFY_FAILED.exit;
    }
  } finally {
    await rt.close();
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
