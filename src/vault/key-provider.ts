// The KeyProvider seam: who holds the key-encryption keys (KEKs), the blind-index key and the
// log's signing keys. Keys never leave a provider: it wraps and unwraps data keys, computes blind
// indexes and signs, and never returns key bytes. `keyProviderFromEnv` picks one from the
// environment (KEYHOLE_KEYS: master, file or pkcs11). docs/design/vault.md "Key providers".
import { KeyholeError } from '../shared/errors.js';
import { FileKeyProvider } from './file-key-provider.js';
import { MasterKeyProvider } from './master-key-provider.js';

/** An Ed25519 key held by a provider: its public key and a signing function. `sign` is
 *  synchronous (the note signer is) and returns the 64-byte RFC 8032 signature of `msg`.
 *  @throws KeyholeError KEY_UNAVAILABLE / HSM_UNAVAILABLE from `sign` when the key is gone. */
export interface ProviderSigner {
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  sign(msg: Uint8Array): Uint8Array;
}

/** Which Ed25519 key: the checkpoint key of the transparency log, or the evidence key of
 *  incident bundles (src/incident/evidence-key.ts). */
export type SignerPurpose = 'checkpoint' | 'evidence';

/** The key seam the vault, the audit log and incidents use. Implementations keep key material
 *  out of reach of callers (a software provider in memory, the PKCS#11 one on the token) and
 *  MUST NOT log it. KEK ids are `<kind>:<version>` (e.g. `file:2`, `master:1`, `pkcs11:3`);
 *  which one is current lives in the database (src/vault/kek-state.ts), not in the provider. */
export interface KeyProvider {
  /** `master`, `file` or `pkcs11`: the prefix of this provider's KEK ids. */
  readonly kind: 'master' | 'file' | 'pkcs11';
  /** True when the keys live in this process's memory (the local providers); the server warns
   *  at start-up outside demo mode. */
  readonly software: boolean;
  /** The KEK id to record as current when the database has none yet (first start of a
   *  database; afterwards the database decides). */
  readonly initialKekId: string;
  /** Seals a 32-byte data key under KEK `kekId`, binding `aad` (AES-256-GCM, the layout of
   *  envelope.ts `sealBytes`). @throws KeyholeError KEY_UNAVAILABLE when there is no such KEK. */
  wrap(kekId: string, dataKey: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Opens a wrapped data key made by `wrap` under KEK `kekId` with the same `aad`.
   *  @throws KeyholeError KEY_UNAVAILABLE when this provider does not have `kekId`;
   *  DECRYPT_FAILED on any cryptographic failure (reason only in `cause`). */
  unwrap(kekId: string, wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** HMAC-SHA-256 of `message` under blind-index key version `version` (default 1, the key
   *  `keys init` made; 32 bytes). Which version is current lives in the database
   *  (src/vault/key-versions.ts); a version MUST stay the same until it is retired, or the
   *  indexes under it stop matching.
   *  @throws KeyholeError KEY_UNAVAILABLE when there is no such version (never made, or
   *  destroyed); HSM_KEYS_MISSING / HSM_UNAVAILABLE from the PKCS#11 provider. */
  blindIndex(message: Uint8Array, version?: number): Promise<Uint8Array>;
  /** The Ed25519 key of `purpose`; for `checkpoint`, of signing-key version `version` (default
   *  1; the evidence key has one version). MUST stay the same across KEK rotations.
   *  @throws KeyholeError KEY_UNAVAILABLE / HSM_KEYS_MISSING when it is absent. */
  signer(purpose: SignerPurpose, version?: number): Promise<ProviderSigner>;
  /** Creates blind-index key version `version` (>= 2; 1 is made by `keys init`).
   *  @throws KeyholeError CONFLICT when it exists already. */
  createBlindIndexKey(version: number): Promise<void>;
  /** Destroys blind-index key version `version` (a derived provider forgets it and refuses it
   *  in this process). Returns false when there was none. The caller checks that no index
   *  references it. */
  destroyBlindIndexKey(version: number): Promise<boolean>;
  /** Creates checkpoint signing-key version `version` (>= 2) and returns its signer.
   *  @throws KeyholeError CONFLICT when it exists already. */
  createSigningKey(version: number): Promise<ProviderSigner>;
  /** Destroys the private half of checkpoint signing-key version `version` (its public key
   *  stays in the database to verify old checkpoints). Returns false when there was none. */
  destroySigningKey(version: number): Promise<boolean>;
  /** The KEK ids this provider holds, by version (a derived provider lists those it was asked
   *  about). */
  kekIds(): Promise<string[]>;
  /** Creates KEK version `version` (id `<kind>:<version>`) and returns its id; it is not current
   *  until the database says so. @throws KeyholeError CONFLICT when it exists already. */
  createKek(version: number): Promise<string>;
  /** Destroys KEK `kekId` (a derived provider can only forget it). Returns false when there is
   *  no such KEK. The caller checks that no data key is wrapped under it. */
  destroyKek(kekId: string): Promise<boolean>;
  /** Resolves when the keys are usable now (for the PKCS#11 provider: the token answers and the
   *  session is logged in, re-opened if it was lost). @throws KeyholeError HSM_UNAVAILABLE. */
  check(): Promise<void>;
  /** Releases sessions and modules; idempotent. */
  close(): Promise<void>;
}

/** Where `keyProviderFromEnv` looks. */
export interface KeyProviderEnvOptions {
  /** The data directory holding `keys.json`; undefined when there is none (in-memory runs). */
  readonly dataDir: string | undefined;
  /** Usually `process.env`. Reads KEYHOLE_KEYS (master | file | pkcs11; default master when
   *  KEYHOLE_MASTER_KEY is set, else file), KEYHOLE_MASTER_KEY (base64 of 32 bytes),
   *  KEYHOLE_MASTER_KEK_VERSION (the version recorded as current on a fresh database, default
   *  1) and the KEYHOLE_PKCS11_* variables (src/vault/pkcs11-key-provider.ts). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether the file provider may create `keys.json` when absent (default true). False when
   *  the database already holds data indexed under other keys: then no stray file is left. */
  readonly createKeyFile?: boolean;
}

/** The provider the environment names. Nothing is created before the configuration is checked.
 *  @throws KeyholeError KEY_UNAVAILABLE when the master key or version is malformed, when the
 *  key file is unreadable, malformed, readable by group/other or absent while `createKeyFile` is
 *  false, when KEYHOLE_KEYS is unknown, or when there is neither a master key nor a data
 *  directory; HSM_* codes from the PKCS#11 provider. */
export async function keyProviderFromEnv(opts: KeyProviderEnvOptions): Promise<KeyProvider> {
  const kind = keysKind(opts.env);
  if (kind === 'pkcs11') {
    const { Pkcs11KeyProvider, pkcs11ConfigFromEnv } = await import('./pkcs11-key-provider.js');
    return Pkcs11KeyProvider.open(await pkcs11ConfigFromEnv(opts.env));
  }
  if (kind === 'master') {
    const master = opts.env.KEYHOLE_MASTER_KEY?.trim();
    if (!master) throw new KeyholeError('KEY_UNAVAILABLE', 'KEYHOLE_KEYS=master needs KEYHOLE_MASTER_KEY.');
    return MasterKeyProvider.fromBase64(master, { currentVersion: parseVersion(opts.env.KEYHOLE_MASTER_KEK_VERSION) });
  }
  if (opts.dataDir === undefined) {
    throw new KeyholeError('KEY_UNAVAILABLE', 'No data directory for a key file: set KEYHOLE_MASTER_KEY or KEYHOLE_KEYS=pkcs11.');
  }
  return FileKeyProvider.open(opts.dataDir, { create: opts.createKeyFile ?? true });
}

/** The provider kind of `env`: KEYHOLE_KEYS when set, else `master` when KEYHOLE_MASTER_KEY is
 *  set, else `file`. @throws KeyholeError KEY_UNAVAILABLE for an unknown KEYHOLE_KEYS. */
export function keysKind(env: Readonly<Record<string, string | undefined>>): 'master' | 'file' | 'pkcs11' {
  const k = env.KEYHOLE_KEYS?.trim().toLowerCase();
  if (!k) return env.KEYHOLE_MASTER_KEY?.trim() ? 'master' : 'file';
  if (k === 'master' || k === 'file' || k === 'pkcs11') return k;
  throw new KeyholeError('KEY_UNAVAILABLE', 'KEYHOLE_KEYS must be master, file or pkcs11.');
}

/** The version number of a KEK id `<kind>:<n>`, or undefined when it is not one. */
export function kekVersion(kekId: string): number | undefined {
  const m = /^(?:master|file|pkcs11):([1-9][0-9]{0,8})$/.exec(kekId);
  return m ? Number(m[1]) : undefined;
}

/** Checks a key version: a whole number 1..999,999,999. @throws RangeError otherwise. */
export function assertKeyVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1 || version > 999_999_999) throw new RangeError('a key version must be a positive integer');
}

function parseVersion(raw: string | undefined): number {
  const v = raw?.trim();
  if (!v) return 1;
  if (!/^[1-9][0-9]{0,8}$/.test(v)) {
    throw new KeyholeError('KEY_UNAVAILABLE', 'KEYHOLE_MASTER_KEK_VERSION must be a positive integer.');
  }
  return Number(v);
}
