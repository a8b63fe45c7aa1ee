// The witness policy file a verifier is given: which witnesses it trusts, how many of them must
// cosign, and optionally where each one answers (so a verifier can ask it for the latest
// checkpoint it cosigned). A small subset of the policy format of c2sp.org/tlog-witness
// deployments (sigsum's "witness"/"quorum" lines), one directive per line:
//   # a comment
//   witness <cosignature/v1 verifier key> [<url>]
//   quorum <N | all>
// Browser-safe. The text may come from a file, an environment variable or a build setting.
import { KeyholeError } from '../errors.js';
import { cosignatureVerifierKeyFor } from './cosignature.js';
import { witnessPolicy, type WitnessPolicy } from './witness-policy.js';

/** A parsed policy file: the policy and, per witness verifier key, the URL it answers at. */
export interface WitnessPolicyFile {
  readonly policy: WitnessPolicy;
  /** `[verifier key, url]` for the witnesses that name a URL. */
  readonly urls: readonly (readonly [vkey: string, url: string])[];
}

const MAX_POLICY_BYTES = 64 * 1024;
const MAX_WITNESSES = 64;

/** Parses a policy text (see the file comment). Without a `quorum` line every witness must
 *  cosign. @throws KeyholeError BAD_REQUEST on an unknown directive, a malformed URL, more
 *  than one quorum line, too many witnesses or a too large text; CHECKPOINT_INVALID on a
 *  malformed key, a key listed twice or a quorum above the number of witnesses. */
export function parseWitnessPolicyFile(text: string): WitnessPolicyFile {
  if (text.length > MAX_POLICY_BYTES) throw bad('the witness policy is too large');
  const vkeys: string[] = [];
  const urls: [string, string][] = [];
  let quorum: number | 'all' | undefined;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const words = line.split(/\s+/);
    const at = `witness policy line ${i + 1}`;
    if (words[0] === 'witness' && (words.length === 2 || words.length === 3)) {
      if (vkeys.length === MAX_WITNESSES) throw bad(`${at}: at most ${MAX_WITNESSES} witnesses`);
      vkeys.push(words[1]!);
      if (words[2] !== undefined) {
        if (!/^https?:\/\/\S+$/.test(words[2]) || !URL.canParse(words[2])) throw bad(`${at}: the URL must be http(s)`);
        urls.push([words[1]!, words[2]]);
      }
    } else if (words[0] === 'quorum' && words.length === 2) {
      if (quorum !== undefined) throw bad(`${at}: only one quorum line`);
      if (words[1] === 'all') quorum = 'all';
      else if (/^(0|[1-9][0-9]{0,2})$/.test(words[1]!)) quorum = Number(words[1]);
      else throw bad(`${at}: quorum must be a whole number or "all"`);
    } else {
      throw bad(`${at}: expected "witness <key> [<url>]" or "quorum <N|all>"`);
    }
  }
  const policy = witnessPolicy(vkeys, quorum === 'all' ? undefined : quorum);
  return Object.freeze({ policy, urls: Object.freeze(urls.map(([k, u]) => Object.freeze([k.trim(), u] as const))) });
}

/** The policy text of `policy` (what parseWitnessPolicyFile reads back), with `urls` by key. */
export function formatWitnessPolicy(policy: WitnessPolicy, urls: ReadonlyMap<string, string> = new Map()): string {
  const lines = policy.witnesses.map((w) => {
    const vkey = cosignatureVerifierKeyFor(w.name, w.publicKey);
    const url = urls.get(vkey);
    return url === undefined ? `witness ${vkey}` : `witness ${vkey} ${url}`;
  });
  return `${lines.join('\n')}${lines.length ? '\n' : ''}quorum ${policy.quorum}\n`;
}

/** "q of n (names)" for messages. */
export function describeWitnessPolicy(policy: WitnessPolicy): string {
  if (policy.quorum === 0) return 'no witness required';
  return `${policy.quorum} of ${policy.witnesses.length} witnesses (${policy.witnesses.map((w) => w.name).join(', ')})`;
}

function bad(message: string): KeyholeError {
  return new KeyholeError('BAD_REQUEST', message);
}
