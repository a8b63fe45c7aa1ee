// A KeyProvider derived from one 32-byte master key (KEYHOLE_MASTER_KEY): KEK versions, the
// blind-index key and the log signing seed come from HKDF-SHA-256 (RFC 5869) with distinct
// labels. Nothing is written to disk. Software keys: for development and the demo.
// docs/design/vault.md "Master key".
import { hkdfSync } from 'node:crypto';
import { KeyholeError } from '../shared/errors.js';
import { KEY_BYTES, openBytes, sealBytes } from './envelope.js';
import { assertKeyVersion, kekVersion, type KeyProvider, type ProviderSigner, type SignerPurpose } from './key-provider.js';
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
  readonly #signers = new Map<string, ProviderSigner>();
  /** Blind-index and signing-key versions this process was told to forget. */
  readonly #forgotten = new Set<string>();

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

  /** Version 1 is HKDF(info "blind-index"), version n >= 2 HKDF(info "blind-index/<n>"). */
  async blindIndex(message: Uint8Array, version = 1): Promise<Uint8Array> {
    assertKeyVersion(version);
    if (this.#forgotten.has(`blind-index/${version}`)) throw new KeyholeError('KEY_UNAVAILABLE', `Blind-index key version ${version} was retired.`);
    return hmacSha256(this.#derive(version === 1 ? 'blind-index' : `blind-index/${version}`), message);
  }

  /** The checkpoint seed of version 1 is HKDF(info "log-signing-seed") (the evidence key derives
   *  from it), version n >= 2 HKDF(info "log-signing-seed/<n>"). */
  async signer(purpose: SignerPurpose, version = 1): Promise<ProviderSigner> {
    assertKeyVersion(version);
    const v = purpose === 'checkpoint' ? version : 1;
    if (this.#forgotten.has(`signing/${v}`) && purpose === 'checkpoint') throw new KeyholeError('KEY_UNAVAILABLE', `Signing key version ${v} was retired.`);
    const id = `${purpose}/${v}`;
    let s = this.#signers.get(id);
    if (!s) {
      const seed = this.#derive(v === 1 ? 'log-signing-seed' : `log-signing-seed/${v}`);
      s = softwareSignerFor(seed, purpose);
      seed.fill(0);
      this.#signers.set(id, s);
    }
    return s;
  }

  /** Any version is derivable: "creating" one only un-forgets it. */
  async createBlindIndexKey(version: number): Promise<void> {
    assertKeyVersion(version);
    this.#forgotten.delete(`blind-index/${version}`);
  }

  async destroyBlindIndexKey(version: number): Promise<boolean> {
    assertKeyVersion(version);
    const had = !this.#forgotten.has(`blind-index/${version}`);
    this.#forgotten.add(`blind-index/${version}`);
    return had;
  }

  async createSigningKey(version: number): Promise<ProviderSigner> {
    assertKeyVersion(version);
    this.#forgotten.delete(`signing/${version}`);
    return this.signer('checkpoint', version);
  }

  async destroySigningKey(version: number): Promise<boolean> {
    assertKeyVersion(version);
    const had = !this.#forgotten.has(`signing/${version}`);
    this.#forgotten.add(`signing/${version}`);
    this.#signers.delete(`checkpoint/${version}`);
    return had;
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
