// The KeyProvider seam: who holds the key-encryption keys (KEKs), the blind-index key and the
// transparency log's signing seed, and `keyProviderFromEnv`, which picks one from the
// environment (KEYHOLE_MASTER_KEY, else a key file in the data directory). docs/design/vault.md.
import { KeyholeError } from '../shared/errors.js';
import { FileKeyProvider } from './file-key-provider.js';
import { MasterKeyProvider } from './master-key-provider.js';

/** A data key sealed under a KEK, with the id of that KEK. */
export interface WrappedKey {
  readonly kekId: string;
  readonly wrapped: Uint8Array;
}

/** The minimal key seam the vault and the audit log use. Implementations keep key material in
 *  memory only as long as needed and MUST NOT log it. */
export interface KeyProvider {
  /** The id of the KEK that `wrap` uses now (e.g. `file:2`, `master:1`); stored in
   *  customer_keys.kek_id. */
  readonly currentKekId: string;
  /** Seals a 32-byte data key under the current KEK, binding `aad` (AES-256-GCM, envelope.ts). */
  wrap(dataKey: Uint8Array, aad: Uint8Array): Promise<WrappedKey>;
  /** Opens a wrapped data key made by `wrap` under KEK `kekId` with the same `aad`.
   *  @throws KeyholeError KEY_UNAVAILABLE when this provider does not have `kekId`;
   *  DECRYPT_FAILED on any cryptographic failure (reason only in `cause`). */
  unwrap(kekId: string, wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** The 32-byte HMAC-SHA-256 key of the blind indexes. MUST stay the same across KEK rotations,
   *  or every stored index stops matching. */
  blindIndexKey(): Promise<Uint8Array>;
  /** The 32-byte Ed25519 seed of the transparency log's checkpoint signer (audit module).
   *  MUST stay the same across KEK rotations. */
  logSigningSeed(): Promise<Uint8Array>;
  /** Makes a new KEK current and returns its id. Old KEKs still unwrap until the vault has
   *  re-wrapped every data key (`Vault.rotateKek`). */
  rotate(): Promise<string>;
}

/** Where `keyProviderFromEnv` looks. */
export interface KeyProviderEnvOptions {
  /** The data directory holding `keys.json`; undefined when there is none (in-memory runs). */
  readonly dataDir: string | undefined;
  /** Usually `process.env`. Reads KEYHOLE_MASTER_KEY (base64 of 32 bytes) and
   *  KEYHOLE_MASTER_KEK_VERSION (current derived KEK version, default 1). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** KEYHOLE_MASTER_KEY, when set and non-empty, wins: a MasterKeyProvider. Otherwise the
 *  FileKeyProvider of `dataDir/keys.json`, created (mode 0600) on first use.
 *  @throws KeyholeError KEY_UNAVAILABLE when the master key or version is malformed, when the
 *  key file is unreadable, malformed or readable by group/other, or when there is neither a
 *  master key nor a data directory. */
export async function keyProviderFromEnv(opts: KeyProviderEnvOptions): Promise<KeyProvider> {
  const master = opts.env.KEYHOLE_MASTER_KEY?.trim();
  if (master) {
    return MasterKeyProvider.fromBase64(master, { currentVersion: parseVersion(opts.env.KEYHOLE_MASTER_KEK_VERSION) });
  }
  if (opts.dataDir === undefined) {
    throw new KeyholeError('KEY_UNAVAILABLE', 'No data directory for a key file: set KEYHOLE_MASTER_KEY.');
  }
  return FileKeyProvider.open(opts.dataDir);
}

function parseVersion(raw: string | undefined): number {
  const v = raw?.trim();
  if (!v) return 1;
  if (!/^[1-9][0-9]{0,8}$/.test(v)) {
    throw new KeyholeError('KEY_UNAVAILABLE', 'KEYHOLE_MASTER_KEK_VERSION must be a positive integer.');
  }
  return Number(v);
}
