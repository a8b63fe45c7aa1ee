// Who the log is: its origin (the first line of every checkpoint, KEYHOLE_LOG_ORIGIN) and its
// Ed25519 checkpoint keys, held by the KeyProvider (on the token with PKCS#11) and named like the
// origin. After a signing-key rotation (src/vault/key-versions.ts) the old key keeps signing
// next to the new one until the overlap ends: C2SP signed notes carry several signature lines.
// C2SP tlog-checkpoint and signed-note (keys in src/shared/tlog/vkey.ts).
import type { Kysely } from 'kysely';
import { KeyholeError } from '../shared/errors.js';
import { ed25519KeyHash, isValidKeyName, verifierKeyFor, parseVerifierKey, type NoteSigner, type NoteVerifier } from '../shared/tlog/vkey.js';
import type { KeyProvider, ProviderSigner } from '../vault/key-provider.js';
import type { KeyVersionTables } from '../vault/key-versions.js';

/** The origin used when KEYHOLE_LOG_ORIGIN is unset. */
export const DEFAULT_LOG_ORIGIN = 'keyhole.example/log';

/** The log's name and keys. `signer`, `verifier` and `verifierKey` (the public
 *  `<name>+<hash>+<key>` string) are of the current key; `signer` MUST stay in the integrator.
 *  Values may change after `refresh` (a rotation): read them at use, do not copy them. */
export interface LogIdentity {
  readonly origin: string;
  readonly signer: NoteSigner;
  readonly verifier: NoteVerifier;
  readonly verifierKey: string;
  /** Every checkpoint key this log has had, current first: a checkpoint of this log is
   *  authentic when one of them signed it (a checkpoint from before a rotation carries only the
   *  old key's signature). */
  readonly verifiers: readonly NoteVerifier[];
  /** Verifier keys of the keys signing at `now`, current first (what /v1/log/vkey lists). */
  verifierKeysAt(now: Date): readonly string[];
  /** The keys that sign a checkpoint made at `now`: the current one, then each previous one
   *  whose overlap has not ended. */
  signersAt(now: Date): readonly NoteSigner[];
  /** Re-reads the checkpoint key versions of `db` (key_versions) when the last read is older
   *  than `maxAgeMs` (default 1,000). @throws KeyholeError KEY_UNAVAILABLE when the provider's
   *  key of the current version is not the one the database recorded. */
  refresh(db: Kysely<any>, now: Date, maxAgeMs?: number): Promise<void>;
}

interface KeyringKey {
  readonly version: number;
  readonly signer: NoteSigner | undefined;
  readonly verifier: NoteVerifier;
  readonly verifierKey: string;
  /** For a previous key: it signs until then; null for the current key. */
  readonly until: Date | null;
}

/** The LogIdentity of a log: the current key and the keys of earlier versions, from the
 *  provider and key_versions. Without a `refresh`, version 1 only. */
export class LogKeyring implements LogIdentity {
  readonly origin: string;
  readonly #keys: KeyProvider;
  #current: KeyringKey;
  #previous: readonly KeyringKey[] = [];
  #others: readonly NoteVerifier[] = [];
  #readAt = -Infinity;

  private constructor(origin: string, keys: KeyProvider, current: KeyringKey) {
    this.origin = origin;
    this.#keys = keys;
    this.#current = current;
  }

  /** The keyring of `origin` with the provider's version-1 checkpoint key. */
  static async open(keys: KeyProvider, origin: string): Promise<LogKeyring> {
    return new LogKeyring(origin, keys, await keyOf(keys, origin, 1, null));
  }

  get signer(): NoteSigner {
    return this.#current.signer as NoteSigner;
  }

  get verifier(): NoteVerifier {
    return this.#current.verifier;
  }

  get verifierKey(): string {
    return this.#current.verifierKey;
  }

  get verifiers(): readonly NoteVerifier[] {
    return [this.#current.verifier, ...this.#previous.map((k) => k.verifier), ...this.#others];
  }

  verifierKeysAt(now: Date): readonly string[] {
    return this.#signing(now).map((k) => k.verifierKey);
  }

  signersAt(now: Date): readonly NoteSigner[] {
    return this.#signing(now).map((k) => k.signer as NoteSigner);
  }

  async refresh(db: Kysely<any>, now: Date, maxAgeMs = 1000): Promise<void> {
    if (now.getTime() - this.#readAt < maxAgeMs) return;
    const rows = await (db as Kysely<KeyVersionTables>).selectFrom('key_versions').selectAll().where('key_id', '=', 'checkpoint').orderBy('version', 'desc').execute();
    const cur = rows.find((r) => r.state === 'current');
    if (!cur) throw new KeyholeError('KEY_UNAVAILABLE', 'The database records no current checkpoint key version.');
    const current = cur.version === this.#current.version ? this.#current : await keyOf(this.#keys, this.origin, cur.version, null);
    if (cur.verifier_key !== null && cur.verifier_key !== current.verifierKey) {
      throw new KeyholeError('KEY_UNAVAILABLE', `The key provider's checkpoint key version ${cur.version} is not the one this database recorded.`);
    }
    const previous: KeyringKey[] = [];
    const others: NoteVerifier[] = [];
    for (const r of rows) {
      if (r.version === cur.version) continue;
      const signs = r.state === 'previous' && r.overlap_until !== null && new Date(r.overlap_until).getTime() > now.getTime();
      if (signs) {
        try {
          const k = await keyOf(this.#keys, this.origin, r.version, new Date(r.overlap_until as Date));
          if (r.verifier_key === null || r.verifier_key === k.verifierKey) {
            previous.push(k);
            continue;
          }
        } catch (e) {
          if (!(e instanceof KeyholeError)) throw e; // destroyed early: it only verifies
        }
      }
      if (r.verifier_key !== null) others.push(parseVerifierKey(r.verifier_key));
    }
    this.#current = current;
    this.#previous = previous;
    this.#others = others;
    this.#readAt = now.getTime();
  }

  #signing(now: Date): KeyringKey[] {
    return [this.#current, ...this.#previous.filter((k) => k.until !== null && k.until.getTime() > now.getTime())];
  }
}

async function keyOf(keys: KeyProvider, origin: string, version: number, until: Date | null): Promise<KeyringKey> {
  const signer = noteSignerFor(origin, await keys.signer('checkpoint', version));
  const verifierKey = verifierKeyFor(origin, signer.publicKey);
  return { version, signer, verifier: parseVerifierKey(verifierKey), verifierKey, until };
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
 *  leaves the provider), version 1 until `refresh` reads the database's versions. @throws KeyholeError KEY_UNAVAILABLE / HSM_* from the key provider;
 *  BAD_REQUEST on an invalid origin. */
export async function openLogIdentity(keys: KeyProvider, origin: string): Promise<LogIdentity> {
  if (!isValidKeyName(origin)) throw new KeyholeError('BAD_REQUEST', 'The log origin must be a key name: no spaces and no "+".');
  return LogKeyring.open(keys, origin);
}

/** A note signer named `name` over a provider's Ed25519 key (C2SP signed-note key ID).
 *  @throws KeyholeError CHECKPOINT_INVALID on an invalid name or a public key not 32 bytes. */
export function noteSignerFor(name: string, key: ProviderSigner): NoteSigner {
  if (!isValidKeyName(name)) throw new KeyholeError('CHECKPOINT_INVALID', 'invalid key name');
  if (key.publicKey.length !== 32) throw new KeyholeError('CHECKPOINT_INVALID', 'Ed25519 public key must be 32 bytes');
  const publicKey = Uint8Array.from(key.publicKey);
  return Object.freeze({ name, keyHash: ed25519KeyHash(name, publicKey), publicKey, sign: (msg: Uint8Array) => key.sign(msg) });
}
