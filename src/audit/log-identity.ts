// Who the log is: its origin (the first line of every checkpoint, KEYHOLE_LOG_ORIGIN) and its
// Ed25519 checkpoint key, held by the KeyProvider (on the token with PKCS#11) and named like the
// origin. C2SP tlog-checkpoint and signed-note (keys in src/shared/tlog/vkey.ts).
import { KeyholeError } from '../shared/errors.js';
import { ed25519KeyHash, isValidKeyName, verifierKeyFor, parseVerifierKey, type NoteSigner, type NoteVerifier } from '../shared/tlog/vkey.js';
import type { KeyProvider, ProviderSigner } from '../vault/key-provider.js';

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

/** The identity of the log `origin`, signing with the provider's checkpoint key (which never
 *  leaves the provider). @throws KeyholeError KEY_UNAVAILABLE / HSM_* from the key provider;
 *  BAD_REQUEST on an invalid origin. */
export async function openLogIdentity(keys: KeyProvider, origin: string): Promise<LogIdentity> {
  if (!isValidKeyName(origin)) throw new KeyholeError('BAD_REQUEST', 'The log origin must be a key name: no spaces and no "+".');
  const signer = noteSignerFor(origin, await keys.signer('checkpoint'));
  const verifierKey = verifierKeyFor(origin, signer.publicKey);
  return Object.freeze({ origin, signer, verifier: parseVerifierKey(verifierKey), verifierKey });
}

/** A note signer named `name` over a provider's Ed25519 key (C2SP signed-note key ID).
 *  @throws KeyholeError CHECKPOINT_INVALID on an invalid name or a public key not 32 bytes. */
export function noteSignerFor(name: string, key: ProviderSigner): NoteSigner {
  if (!isValidKeyName(name)) throw new KeyholeError('CHECKPOINT_INVALID', 'invalid key name');
  if (key.publicKey.length !== 32) throw new KeyholeError('CHECKPOINT_INVALID', 'Ed25519 public key must be 32 bytes');
  const publicKey = Uint8Array.from(key.publicKey);
  return Object.freeze({ name, keyHash: ed25519KeyHash(name, publicKey), publicKey, sign: (msg: Uint8Array) => key.sign(msg) });
}
