// Where a verifier's witness policy comes from, in this order: `--witness-policy FILE`, then
// `--witness <key>…` (with `--quorum N`, default all), then KEYHOLE_WITNESS_POLICY (a policy
// file), then the log's own witnesses (KEYHOLE_WITNESSES, KEYHOLE_WITNESS_QUORUM). The URLs a
// verifier asks for the witnesses' latest cosigned checkpoints are the policy file's, the
// `--witness-url` ones and KEYHOLE_WITNESSES'. Policy file format: witness-policy-file.ts.
import { readFileSync } from 'node:fs';
import { KeyholeError } from '../shared/errors.js';
import { cosignatureVerifierKeyFor } from '../shared/tlog/cosignature.js';
import { parseWitnessPolicyFile } from '../shared/tlog/witness-policy-file.js';
import { witnessPolicy, type WitnessPolicy } from '../shared/tlog/witness-policy.js';
import { NO_WITNESS_SETUP, type WitnessSetup } from './witness-config.js';

/** The command-line side of a verifier's policy. */
export interface WitnessPolicyOptions {
  readonly witnessPolicy?: string | undefined;
  readonly witness?: readonly string[] | undefined;
  readonly quorum?: string | undefined;
  readonly witnessUrl?: readonly string[] | undefined;
}

/** A verifier's policy, the witness URLs to ask, and where the policy came from (for messages). */
export interface VerifierPolicy {
  readonly policy: WitnessPolicy;
  readonly urls: readonly string[];
  readonly source: string;
}

/** Resolves the policy (see the file comment).
 *  @throws KeyholeError BAD_REQUEST on an unreadable file, a malformed policy or URL, or a quorum
 *  that is not a whole number; CHECKPOINT_INVALID on a malformed witness key or a quorum above
 *  the number of witnesses. */
export function verifierPolicy(o: WitnessPolicyOptions, env: Readonly<Record<string, string | undefined>>, setup: WitnessSetup): VerifierPolicy {
  const envUrls = setup.endpoints.map((e) => e.url);
  const extra = [...(o.witnessUrl ?? [])];
  for (const u of extra) if (!/^https?:\/\/\S+$/.test(u) || !URL.canParse(u)) throw new KeyholeError('BAD_REQUEST', `--witness-url ${u.slice(0, 80)} is not an http(s) URL.`);
  const quorum = parseQuorum(o.quorum);
  const envFile = env.KEYHOLE_WITNESS_POLICY?.trim();
  if (o.witnessPolicy !== undefined || (!o.witness?.length && envFile)) {
    const file = o.witnessPolicy ?? envFile!;
    const parsed = parseWitnessPolicyFile(readText(file));
    const policy = quorum === undefined ? parsed.policy : withQuorum(parsed.policy, quorum);
    return { policy, urls: unique([...parsed.urls.map(([, u]) => u), ...extra, ...envUrls]), source: o.witnessPolicy !== undefined ? `--witness-policy ${file}` : `KEYHOLE_WITNESS_POLICY ${file}` };
  }
  if (o.witness?.length) return { policy: witnessPolicy(o.witness, quorum), urls: unique([...extra, ...envUrls]), source: '--witness' };
  const policy = quorum === undefined ? setup.policy : withQuorum(setup.policy, quorum);
  return { policy, urls: unique([...extra, ...envUrls]), source: 'KEYHOLE_WITNESSES' };
}

/** The policy an offline verifier names (--witness-policy, --witness/--quorum or
 *  KEYHOLE_WITNESS_POLICY), or undefined when it names none: offline checks (a proof, an
 *  evidence bundle) do not fall back to the log's own witnesses. @throws as verifierPolicy. */
export function pinnedVerifierPolicy(o: WitnessPolicyOptions, env: Readonly<Record<string, string | undefined>>): WitnessPolicy | undefined {
  if (o.witnessPolicy === undefined && !o.witness?.length && !env.KEYHOLE_WITNESS_POLICY?.trim()) return undefined;
  return verifierPolicy(o, env, NO_WITNESS_SETUP).policy;
}

function withQuorum(p: WitnessPolicy, quorum: number): WitnessPolicy {
  return witnessPolicy(p.witnesses.map((w) => cosignatureVerifierKeyFor(w.name, w.publicKey)), quorum);
}

function parseQuorum(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (!/^(0|[1-9][0-9]{0,2})$/.test(q.trim())) throw new KeyholeError('BAD_REQUEST', '--quorum must be a whole number.');
  return Number(q.trim());
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new KeyholeError('BAD_REQUEST', `cannot read the witness policy ${file}`, { cause });
  }
}

const unique = (xs: readonly string[]) => [...new Set(xs.map((u) => u.replace(/\/+$/, '')))];
