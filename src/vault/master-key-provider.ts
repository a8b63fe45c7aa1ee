// A KeyProvider derived from one 32-byte master key (KEYHOLE_MASTER_KEY): KEK versions, the
// blind-index key and the log signing seed come from HKDF-SHA-256 (RFC 5869) with distinct
// labels. Nothing is written to disk. docs/design/vault.md "Master key".
import { hkdfSync } from 'node:crypto';
import { KeyholeError } from '../shared/errors.js';
import { KEY_BYTES, openBytes, sealBytes } from './envelope.js';
import type { KeyProvider, WrappedKey } from './key-provider.js';

const SALT = 'keyhole/master-key/v1';
const KEK_ID = /^master:([1-9][0-9]{0,8})$/;

/** Derives everything from one master key. KEK `master:<n>` is HKDF(master, info "kek/<n>");
 *  which version is current is configuration (KEYHOLE_MASTER_KEK_VERSION), shared by every
 *  server like the master key itself. Every version stays derivable, so any `master:<n>`
 *  unwraps: rotation here limits how much is wrapped under one derived KEK, but the master key
 *  is the secret that matters. */
export class MasterKeyProvider implements KeyProvider {
  readonly #master: Buffer;
  readonly #keks = new Map<number, Uint8Array>();
  #version: number;

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
    this.#version = v;
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

  get currentKekId(): string {
    return `master:${this.#version}`;
  }

  async wrap(dataKey: Uint8Array, aad: Uint8Array): Promise<WrappedKey> {
    return { kekId: this.currentKekId, wrapped: sealBytes(this.#kek(this.#version), aad, dataKey) };
  }

  async unwrap(kekId: string, wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    const m = KEK_ID.exec(kekId);
    if (!m) throw new KeyholeError('KEY_UNAVAILABLE', `KEK ${kekId} is not a master-key KEK.`);
    return openBytes(this.#kek(Number(m[1])), aad, wrapped);
  }

  async blindIndexKey(): Promise<Uint8Array> {
    return this.#derive('blind-index');
  }

  async logSigningSeed(): Promise<Uint8Array> {
    return this.#derive('log-signing-seed');
  }

  /** Moves to the next derived version in this process only; set KEYHOLE_MASTER_KEK_VERSION to
   *  the returned version on every server to keep it after a restart. */
  async rotate(): Promise<string> {
    this.#version += 1;
    return this.currentKekId;
  }

  #kek(version: number): Uint8Array {
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
