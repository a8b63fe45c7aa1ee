// A KeyProvider derived from one 32-byte master key (KEYHOLE_MASTER_KEY): KEK versions, the
// blind-index key and the log signing seed come from HKDF-SHA-256 (RFC 5869) with distinct
// labels. Nothing is written to disk. Software keys: for development and the demo.
// docs/design/vault.md "Master key".
import { hkdfSync } from 'node:crypto';
import { KeyholeError } from '../shared/errors.js';
import { KEY_BYTES, openBytes, sealBytes } from './envelope.js';
import { kekVersion, type KeyProvider, type ProviderSigner, type SignerPurpose } from './key-provider.js';
import { hmacSha256, softwareSignerFor } from './software-keys.js';

const SALT = 'keyhole/master-key/v1';

/** Derives everything from one master key. KEK `master:<n>` is HKDF(master, info "kek/<n>");
 *  which version is current lives in the database (kek-state.ts); KEYHOLE_MASTER_KEK_VERSION
 *  only seeds a fresh database. Every version stays derivable until it is retired (the
 *  database then refuses it), so rotation here limits how much is wrapped under one derived
 *  KEK, but the master key is the secret that matters. */
export class MasterKeyProvider implements KeyProvider {
  readonly kind = 'master' as const;
  readonly software = true;
  readonly #master: Buffer;
  readonly #keks = new Map<number, Uint8Array>();
  readonly #retired = new Set<number>();
  readonly #initial: number;
  readonly #signers = new Map<SignerPurpose, ProviderSigner>();

  /** @param masterKey 32 bytes (copied).
   *  @throws KeyholeError KEY_UNAVAILABLE when it is not 32 bytes or the version is not >= 1. */
  constructor(masterKey: Uint8Array, opts: { readonly currentVersion?: number } = {}) {
    if (masterKey.length !== KEY_BYTES) {
      throw new KeyholeError('KEY_UNAVAILABLE', 'KEYHOLE_MASTER_KEY must be base64 of 32 bytes.');
    }
    const v = opts.currentVersion ?? 1;
    if (!Number.isSafeInteger(v) || v < 1 || v > 999_999_999) {
      throw new KeyholeError('KEY_UNAVAILABLE', 'The master KEK version must be a positive integer.');
    }
    this.#master = Buffer.from(masterKey);
    this.#initial = v;
  }

  /** Parses standard base64 (padding required) of exactly 32 bytes. The value never appears in
   *  an error. @throws KeyholeError KEY_UNAVAILABLE when malformed. */
  static fromBase64(b64: string, opts: { readonly currentVersion?: number } = {}): MasterKeyProvider {
    const s = b64.trim();
    const bytes = Buffer.from(s, 'base64');
    if (bytes.toString('base64') !== s || bytes.length !== KEY_BYTES) {
      throw new KeyholeError('KEY_UNAVAILABLE', 'KEYHOLE_MASTER_KEY must be base64 of 32 bytes.');
    }
    return new MasterKeyProvider(bytes, opts);
  }

  get initialKekId(): string {
    return `master:${this.#initial}`;
  }

  async wrap(kekId: string, dataKey: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    return sealBytes(this.#kek(kekId), aad, dataKey);
  }

  async unwrap(kekId: string, wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    return openBytes(this.#kek(kekId), aad, wrapped);
  }

  async blindIndex(message: Uint8Array): Promise<Uint8Array> {
    return hmacSha256(this.#derive('blind-index'), message);
  }

  async signer(purpose: SignerPurpose): Promise<ProviderSigner> {
    let s = this.#signers.get(purpose);
    if (!s) {
      const seed = this.#derive('log-signing-seed');
      s = softwareSignerFor(seed, purpose);
      seed.fill(0);
      this.#signers.set(purpose, s);
    }
    return s;
  }

  async kekIds(): Promise<string[]> {
    const versions = new Set([this.#initial, ...this.#keks.keys()]);
    return [...versions].filter((v) => !this.#retired.has(v)).sort((a, b) => a - b).map((v) => `master:${v}`);
  }

  /** Any version is derivable: "creating" one only checks the number. */
  async createKek(version: number): Promise<string> {
    if (!Number.isSafeInteger(version) || version < 1 || version > 999_999_999) throw new RangeError('KEK version must be a positive integer');
    this.#retired.delete(version);
    this.#kek(`master:${version}`);
    return `master:${version}`;
  }

  /** A derived KEK cannot be destroyed; this process forgets it and refuses it from now on. */
  async destroyKek(kekId: string): Promise<boolean> {
    const v = this.#version(kekId);
    const had = !this.#retired.has(v);
    this.#retired.add(v);
    this.#keks.delete(v);
    return had;
  }

  async check(): Promise<void> {}

  async close(): Promise<void> {}

  #version(kekId: string): number {
    const v = kekVersion(kekId);
    if (v === undefined || !kekId.startsWith('master:')) throw new KeyholeError('KEY_UNAVAILABLE', `KEK ${kekId} is not a master-key KEK.`);
    return v;
  }

  #kek(kekId: string): Uint8Array {
    const version = this.#version(kekId);
    if (this.#retired.has(version)) throw new KeyholeError('KEY_UNAVAILABLE', `KEK ${kekId} was retired.`);
    let k = this.#keks.get(version);
    if (!k) {
      k = this.#derive(`kek/${version}`);
      this.#keks.set(version, k);
    }
    return k;
  }

  #derive(label: string): Uint8Array {
    return new Uint8Array(hkdfSync('sha256', this.#master, SALT, label, KEY_BYTES));
  }
}
