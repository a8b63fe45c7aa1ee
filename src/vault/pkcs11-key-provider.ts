// The PKCS#11 key provider (KEYHOLE_KEYS=pkcs11): every key lives on an HSM token, generated
// there by `keyhole keys init`, sensitive and non-extractable — AES-256 KEKs (AES-GCM wrap with
// the customer id bound as AAD), an HMAC-SHA-256 blind-index key and two Ed25519 keys (CKM_EDDSA)
// for checkpoints and evidence bundles. Through pkcs11js; tested on SoftHSM2. A lost session is
// re-opened (and logged in again) on the next operation. docs/design/vault.md "PKCS#11".
// This file is the facade of the KeyProvider seam; the work is done by the pkcs11-*.ts modules
// (config, module, session, objects, keys, keygen, wrap, sign), whose public names it re-exports.
import type { ErrorCode } from '../shared/errors.js';
import { assertKeyVersion, type KeyProvider, type ProviderSigner, type SignerPurpose } from './key-provider.js';
import type { Pkcs11Config } from './pkcs11-config.js';
import { generateAes, generateEd25519, generateHmac, generateMissingKeys, generateUnlessPresent } from './pkcs11-keygen.js';
import { blindIndexLabel, checkpointLabel, checkTokenKeys, kekIdsOn, kekLabel, PKCS11_LABELS, pkcs11KekVersion } from './pkcs11-keys.js';
import { acquireModule, pkcs11js } from './pkcs11-module.js';
import { listTokenObjects, type TokenObject } from './pkcs11-objects.js';
import { Pkcs11Session } from './pkcs11-session.js';
import { hmacOnToken, tokenSigner } from './pkcs11-sign.js';
import { unwrapOnToken, wrapOnToken } from './pkcs11-wrap.js';

export { pkcs11ConfigFromEnv, type Pkcs11Config } from './pkcs11-config.js';
export { acquireModule, releaseModule } from './pkcs11-module.js';
export { findSlot } from './pkcs11-session.js';
export { findObjects, listTokenObjects, type TokenObject } from './pkcs11-objects.js';
export { blindIndexLabel, checkpointLabel, PKCS11_LABELS } from './pkcs11-keys.js';
export { CKK_EC_EDWARDS, CKM_EC_EDWARDS_KEY_PAIR_GEN } from './pkcs11-keygen.js';
export { CKM_EDDSA } from './pkcs11-sign.js';

/** Keys on a PKCS#11 token. Every call into the module is synchronous, so one session serves
 *  the whole process without interleaving. */
export class Pkcs11KeyProvider implements KeyProvider {
  readonly kind = 'pkcs11' as const;
  readonly software = false;
  readonly #token: Pkcs11Session;
  readonly #signers = new Map<string, ProviderSigner>();
  #initialKekId = 'pkcs11:1';

  private constructor(token: Pkcs11Session) {
    this.#token = token;
  }

  /** Opens a session on the token, logs in and checks that the keys are there, sensitive and
   *  non-extractable. `requireKeys: false` (for `keys init`) skips the presence check.
   *  @throws KeyholeError HSM_MODULE_MISSING, HSM_TOKEN_NOT_FOUND, HSM_LOGIN_FAILED,
   *  HSM_KEYS_MISSING, HSM_KEY_EXTRACTABLE, HSM_UNAVAILABLE. */
  static async open(cfg: Pkcs11Config, opts: { readonly requireKeys?: boolean } = {}): Promise<Pkcs11KeyProvider> {
    const lib = acquireModule(cfg.module);
    const p = new Pkcs11KeyProvider(new Pkcs11Session(cfg, lib));
    try {
      p.#token.connect();
      const newest = checkTokenKeys(p.#token, opts.requireKeys ?? true);
      if (newest !== undefined) p.#initialKekId = newest;
      return p;
    } catch (e) {
      await p.close();
      throw e;
    }
  }

  /** Generates on the token whatever of the Keyhole keys is missing (KEK 1, blind-index key,
   *  checkpoint and evidence keys), all sensitive and non-extractable; idempotent. Returns the
   *  labels it created (empty when all were there). */
  static async init(cfg: Pkcs11Config): Promise<{ readonly created: readonly string[] }> {
    const p = await Pkcs11KeyProvider.open(cfg, { requireKeys: false });
    try {
      return { created: generateMissingKeys(p.#token) };
    } finally {
      await p.close();
    }
  }

  get initialKekId(): string {
    return this.#initialKekId;
  }

  async wrap(kekId: string, dataKey: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    return wrapOnToken(this.#token, kekId, dataKey, aad);
  }

  async unwrap(kekId: string, wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    return unwrapOnToken(this.#token, kekId, wrapped, aad);
  }

  async blindIndex(message: Uint8Array, version = 1): Promise<Uint8Array> {
    assertKeyVersion(version);
    return hmacOnToken(this.#token, message, version);
  }

  async signer(purpose: SignerPurpose, version = 1): Promise<ProviderSigner> {
    assertKeyVersion(version);
    const v = purpose === 'checkpoint' ? version : 1;
    let signer = this.#signers.get(`${purpose}/${v}`);
    if (!signer) {
      signer = tokenSigner(this.#token, purpose === 'checkpoint' ? checkpointLabel(v) : PKCS11_LABELS.evidence, v);
      this.#signers.set(`${purpose}/${v}`, signer);
    }
    return signer;
  }

  /** Generates HMAC key `keyhole-blind-index-v<version>` on the token (sensitive,
   *  non-extractable). @throws KeyholeError CONFLICT when the token has it already. */
  async createBlindIndexKey(version: number): Promise<void> {
    assertKeyVersion(version);
    const label = blindIndexLabel(version);
    generateUnlessPresent(this.#token, pkcs11js.CKO_SECRET_KEY, label, `The token already has blind-index key version ${version}.`, (s) => generateHmac(this.#token, s, label));
  }

  async destroyBlindIndexKey(version: number): Promise<boolean> {
    assertKeyVersion(version);
    return this.#token.destroy(pkcs11js.CKO_SECRET_KEY, blindIndexLabel(version));
  }

  /** Generates Ed25519 key pair `keyhole-checkpoint-v<version>` on the token.
   *  @throws KeyholeError CONFLICT when the token has it already. */
  async createSigningKey(version: number): Promise<ProviderSigner> {
    assertKeyVersion(version);
    const label = checkpointLabel(version);
    generateUnlessPresent(this.#token, pkcs11js.CKO_PRIVATE_KEY, label, `The token already has signing key version ${version}.`, (s) => generateEd25519(this.#token, s, label));
    return this.signer('checkpoint', version);
  }

  /** Destroys the private key of signing-key version `version` (the public half stays). */
  async destroySigningKey(version: number): Promise<boolean> {
    assertKeyVersion(version);
    this.#signers.delete(`checkpoint/${version}`);
    return this.#token.destroy(pkcs11js.CKO_PRIVATE_KEY, checkpointLabel(version));
  }

  async kekIds(): Promise<string[]> {
    return this.#token.run((s) => kekIdsOn(this.#token.lib, s));
  }

  /** Generates AES-256 KEK `pkcs11:<version>` on the token (sensitive, non-extractable).
   *  @throws KeyholeError CONFLICT when the token has it already. */
  async createKek(version: number): Promise<string> {
    if (!Number.isSafeInteger(version) || version < 1 || version > 999_999_999) throw new RangeError('KEK version must be a positive integer');
    const id = `pkcs11:${version}`;
    const label = kekLabel(version);
    generateUnlessPresent(this.#token, pkcs11js.CKO_SECRET_KEY, label, `The token already has KEK ${id}.`, (s) => generateAes(this.#token, s, label));
    return id;
  }

  async destroyKek(kekId: string): Promise<boolean> {
    return this.#token.destroy(pkcs11js.CKO_SECRET_KEY, kekLabel(pkcs11KekVersion(kekId)));
  }

  /** Resolves when the token answers on a logged-in session (re-opened when lost).
   *  @throws KeyholeError HSM_UNAVAILABLE. */
  async check(): Promise<void> {
    this.#token.check();
  }

  /** Every object on the token with its label, class and the two attributes that matter. */
  async objects(): Promise<TokenObject[]> {
    return this.#token.run((s) => listTokenObjects(this.#token.lib, s.handle));
  }

  async close(): Promise<void> {
    this.#token.close();
  }
}

/** Maps an error code for callers that only need to know a PKCS#11 failure happened. */
export function isHsmCode(code: ErrorCode): boolean {
  return code.startsWith('HSM_');
}
