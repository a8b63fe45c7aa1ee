// Who the log is: its origin (the first line of every checkpoint, KEYHOLE_LOG_ORIGIN) and its
// Ed25519 checkpoint key, derived from the KeyProvider's log signing seed and named like the
// origin. C2SP tlog-checkpoint and signed-note (keys in src/shared/tlog/vkey.ts).
import { KeyholeError } from '../shared/errors.js';
import { isValidKeyName, signerFromSeed, verifierKeyFor, parseVerifierKey, type NoteSigner, type NoteVerifier } from '../shared/tlog/vkey.js';
import type { KeyProvider } from '../vault/key-provider.js';

/** The origin used when KEYHOLE_LOG_ORIGIN is unset. */
export const DEFAULT_LOG_ORIGIN = 'keyhole.example/log';

/** The log's name and keys. `verifierKey` is the public `<name>+<hash>+<key>` string served at
 *  /v1/log/vkey; `signer` MUST stay in the integrator. */
export interface LogIdentity {
  readonly origin: string;
  readonly signer: NoteSigner;
  readonly verifier: NoteVerifier;
  readonly verifierKey: string;
}

/** The origin from `env.KEYHOLE_LOG_ORIGIN` (trimmed), else DEFAULT_LOG_ORIGIN. It names the
 *  signing key too, so it MUST be a valid key name (no spaces, no `+`), e.g. `example.com/log`.
 *  @throws KeyholeError BAD_REQUEST on an invalid origin. */
export function logOriginFromEnv(env: Readonly<Record<string, string | undefined>>): string {
  const origin = env.KEYHOLE_LOG_ORIGIN?.trim() || DEFAULT_LOG_ORIGIN;
  if (!isValidKeyName(origin)) throw new KeyholeError('BAD_REQUEST', 'KEYHOLE_LOG_ORIGIN must be a key name: no spaces and no "+".');
  return origin;
}

/** The identity of the log `origin`, keyed by `keys.logSigningSeed()`.
 *  @throws KeyholeError KEY_UNAVAILABLE from the key provider; BAD_REQUEST on an invalid origin. */
export async function openLogIdentity(keys: KeyProvider, origin: string): Promise<LogIdentity> {
  if (!isValidKeyName(origin)) throw new KeyholeError('BAD_REQUEST', 'The log origin must be a key name: no spaces and no "+".');
  const signer = signerFromSeed(origin, await keys.logSigningSeed());
  const verifierKey = verifierKeyFor(origin, signer.publicKey);
  return Object.freeze({ origin, signer, verifier: parseVerifierKey(verifierKey), verifierKey });
}
