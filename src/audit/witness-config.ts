// The log's witnesses from the environment: KEYHOLE_WITNESSES lists each witness as its URL
// (submission and monitoring prefix) followed by its cosignature/v1 verifier key, separated
// by white space; KEYHOLE_WITNESS_QUORUM is how many of them a checkpoint needs before it is
// served as the log's checkpoint (default: all). The same list is the default witness policy
// of `keyhole verify`. c2sp.org/tlog-witness, c2sp.org/tlog-cosignature.
import { KeyholeError } from '../shared/errors.js';
import { parseCosignatureVerifierKey } from '../shared/tlog/cosignature.js';
import { NO_WITNESSES, witnessPolicy, type WitnessPolicy } from '../shared/tlog/witness-policy.js';
import type { WitnessEndpoint } from './witness-client.js';

/** The configured witnesses and the policy built from them. */
export interface WitnessSetup {
  readonly endpoints: readonly WitnessEndpoint[];
  readonly policy: WitnessPolicy;
}

/** No witnesses. */
export const NO_WITNESS_SETUP: WitnessSetup = Object.freeze({ endpoints: Object.freeze([]), policy: NO_WITNESSES });

/** Parses KEYHOLE_WITNESSES and KEYHOLE_WITNESS_QUORUM.
 *  @throws KeyholeError BAD_REQUEST on a URL that is not http(s), a missing key, or a quorum
 *  that is not 0…count; CHECKPOINT_INVALID on a malformed key. */
export function witnessSetupFromEnv(env: Readonly<Record<string, string | undefined>>): WitnessSetup {
  const tokens = (env.KEYHOLE_WITNESSES ?? '').split(/\s+/).filter(Boolean);
  if (tokens.length % 2 !== 0) throw new KeyholeError('BAD_REQUEST', 'KEYHOLE_WITNESSES must list pairs: <url> <verifier key>.');
  const endpoints: WitnessEndpoint[] = [];
  for (let i = 0; i < tokens.length; i += 2) {
    const url = tokens[i]!;
    if (!/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url)) throw new KeyholeError('BAD_REQUEST', `KEYHOLE_WITNESSES: ${url.slice(0, 80)} is not an http(s) URL.`);
    endpoints.push(Object.freeze({ url, verifier: parseCosignatureVerifierKey(tokens[i + 1]!) }));
  }
  const q = env.KEYHOLE_WITNESS_QUORUM?.trim();
  if (q !== undefined && q !== '' && !/^[0-9]{1,3}$/.test(q)) throw new KeyholeError('BAD_REQUEST', 'KEYHOLE_WITNESS_QUORUM must be a whole number.');
  const vkeys = tokens.filter((_, i) => i % 2 === 1);
  try {
    return Object.freeze({ endpoints: Object.freeze(endpoints), policy: witnessPolicy(vkeys, q ? Number(q) : undefined) });
  } catch (cause) {
    throw new KeyholeError('BAD_REQUEST', `KEYHOLE_WITNESS_QUORUM must be 0 to ${endpoints.length}.`, { cause });
  }
}
