// The PKCS#11 key provider (KEYHOLE_KEYS=pkcs11): every key lives on an HSM token, generated
// there by `keyhole keys init`, sensitive and non-extractable — AES-256 KEKs (AES-GCM wrap with
// the customer id bound as AAD), an HMAC-SHA-256 blind-index key and two Ed25519 keys (CKM_EDDSA)
// for checkpoints and evidence bundles. Through pkcs11js; tested on SoftHSM2. A lost session is
// re-opened (and logged in again) on the next operation. docs/design/vault.md "PKCS#11".
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type * as P11 from 'pkcs11js';
import pkcs11default from 'pkcs11js';
import { KeyholeError, type ErrorCode } from '../shared/errors.js';
import { decryptFailed, FORMAT_VERSION, KEY_BYTES } from './envelope.js';
import { assertKeyVersion, kekVersion, type KeyProvider, type ProviderSigner, type SignerPurpose } from './key-provider.js';

// PKCS#11 v3.0 values pkcs11js 2.1.7 does not name.
/** CKK_EC_EDWARDS (PKCS#11 v3.0 §2.3.5). */
export const CKK_EC_EDWARDS = 0x40;
/** CKM_EC_EDWARDS_KEY_PAIR_GEN. */
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
/** Session states of a logged-in user (CKS_RO_USER_FUNCTIONS, CKS_RW_USER_FUNCTIONS). */
const CKS_RO_USER_FUNCTIONS = 1;
const CKS_RW_USER_FUNCTIONS = 3;
/** CKM_EDDSA (pure Ed25519 without parameters). */
export const CKM_EDDSA = 0x1057;
/** DER of the Ed25519 curve OID 1.3.101.112, the CKA_EC_PARAMS of an Ed25519 key. */
const ED25519_OID = Buffer.from('06032b6570', 'hex');

/** Labels of the objects Keyhole keeps on the token. */
export const PKCS11_LABELS = {
  kekPrefix: 'keyhole-kek-',
  blindIndex: 'keyhole-blind-index',
  checkpoint: 'keyhole-checkpoint',
  evidence: 'keyhole-evidence',
} as const;

// pkcs11js is CommonJS without static named exports: take its values from the default export.
const pkcs11js = pkcs11default as unknown as typeof P11;

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES;

/** How to reach the token. */
export interface Pkcs11Config {
  /** Path of the PKCS#11 module (.so), e.g. /usr/lib/softhsm/libsofthsm2.so. */
  readonly module: string;
  /** CKA token label (trailing blanks ignored). */
  readonly tokenLabel: string;
  /** The user PIN (never logged, never in an error). */
  readonly pin: string;
}

/** The configuration of KEYHOLE_PKCS11_MODULE, KEYHOLE_PKCS11_TOKEN_LABEL and KEYHOLE_PKCS11_PIN
 *  or KEYHOLE_PKCS11_PIN_FILE (first line; the file MUST NOT be readable by group or other).
 *  @throws KeyholeError KEY_UNAVAILABLE when one is missing, both PIN sources are set, or the
 *  PIN file is unreadable or too open. */
export async function pkcs11ConfigFromEnv(env: Readonly<Record<string, string | undefined>>): Promise<Pkcs11Config> {
  const module = env.KEYHOLE_PKCS11_MODULE?.trim();
  const tokenLabel = env.KEYHOLE_PKCS11_TOKEN_LABEL?.trim();
  if (!module) throw new KeyholeError('KEY_UNAVAILABLE', 'KEYHOLE_KEYS=pkcs11 needs KEYHOLE_PKCS11_MODULE (the path of the PKCS#11 library).');
  if (!tokenLabel) throw new KeyholeError('KEY_UNAVAILABLE', 'KEYHOLE_KEYS=pkcs11 needs KEYHOLE_PKCS11_TOKEN_LABEL.');
  const pinEnv = env.KEYHOLE_PKCS11_PIN;
  const pinFile = env.KEYHOLE_PKCS11_PIN_FILE?.trim();
  if (pinEnv && pinFile) throw new KeyholeError('KEY_UNAVAILABLE', 'Set KEYHOLE_PKCS11_PIN or KEYHOLE_PKCS11_PIN_FILE, not both.');
  let pin = pinEnv;
  if (pinFile) {
    try {
      const st = await stat(pinFile);
      if ((st.mode & 0o077) !== 0) throw new KeyholeError('KEY_UNAVAILABLE', `The PIN file ${pinFile} is accessible by group or other; run chmod 600 on it.`);
      pin = (await readFile(pinFile, 'utf8')).split(/\r?\n/, 1)[0];
    } catch (e) {
      if (e instanceof KeyholeError) throw e;
      throw new KeyholeError('KEY_UNAVAILABLE', `Cannot read the PIN file ${pinFile}.`, { cause: e });
    }
  }
  if (!pin) throw new KeyholeError('KEY_UNAVAILABLE', 'KEYHOLE_KEYS=pkcs11 needs KEYHOLE_PKCS11_PIN or KEYHOLE_PKCS11_PIN_FILE.');
  return { module, tokenLabel, pin };
}

// --- the module: loaded and initialized once per process and path -------------------------------

interface LoadedModule {
  readonly lib: P11.PKCS11;
  users: number;
}
const modules = new Map<string, LoadedModule>();

/** The process-wide PKCS#11 instance of `path`, loaded and C_Initialize'd on first use (a module
 *  may be initialized once per process). Tests use it to inspect the token. Pair with
 *  `releaseModule`. @throws KeyholeError HSM_MODULE_MISSING when it cannot be loaded. */
export function acquireModule(path: string): P11.PKCS11 {
  let m = modules.get(path);
  if (!m) {
    const lib = new pkcs11js.PKCS11();
    try {
      lib.load(path);
    } catch (cause) {
      throw new KeyholeError('HSM_MODULE_MISSING', `The PKCS#11 module ${path} cannot be loaded.`, { cause });
    }
    try {
      lib.C_Initialize();
    } catch (e) {
      if (ckr(e) !== pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        throw new KeyholeError('HSM_MODULE_MISSING', `The PKCS#11 module ${path} does not initialize.`, { cause: e });
      }
    }
    m = { lib, users: 0 };
    modules.set(path, m);
  }
  m.users += 1;
  return m.lib;
}

/** Releases one use of `path`; the last finalizes the module. */
export function releaseModule(path: string): void {
  const m = modules.get(path);
  if (!m) return;
  m.users -= 1;
  if (m.users > 0) return;
  modules.delete(path);
  try {
    m.lib.C_Finalize();
  } catch {
    // already finalized
  }
  try {
    m.lib.close();
  } catch {
    // nothing to release
  }
}

/** The CKR_* code of a pkcs11js error, else undefined. */
function ckr(e: unknown): number | undefined {
  return e instanceof pkcs11js.Pkcs11Error ? e.code : undefined;
}

/** Return values after which the session is gone and opening a new one may help. */
const SESSION_LOST = new Set<number>([
  pkcs11js.CKR_SESSION_HANDLE_INVALID, pkcs11js.CKR_SESSION_CLOSED, pkcs11js.CKR_DEVICE_REMOVED, pkcs11js.CKR_DEVICE_ERROR,
  pkcs11js.CKR_TOKEN_NOT_PRESENT, pkcs11js.CKR_USER_NOT_LOGGED_IN, pkcs11js.CKR_CRYPTOKI_NOT_INITIALIZED,
  pkcs11js.CKR_OBJECT_HANDLE_INVALID, pkcs11js.CKR_KEY_HANDLE_INVALID, pkcs11js.CKR_OPERATION_ACTIVE,
]);

/** The slot of the token labelled `label`. @throws KeyholeError HSM_TOKEN_NOT_FOUND. */
export function findSlot(lib: P11.PKCS11, label: string): P11.Handle {
  for (const slot of lib.C_GetSlotList(true)) {
    if (lib.C_GetTokenInfo(slot).label.trim() === label) return slot;
  }
  throw new KeyholeError('HSM_TOKEN_NOT_FOUND', `No PKCS#11 token is labelled ${label}.`);
}

/** One object of the token as `keys status` and the tests see it. */
export interface TokenObject {
  readonly label: string;
  readonly class: 'secret' | 'private' | 'public' | 'other';
  readonly sensitive: boolean | null;
  readonly extractable: boolean | null;
}

interface Session {
  readonly slot: P11.Handle;
  readonly handle: P11.Handle;
}

/** Keys on a PKCS#11 token. Every call into the module is synchronous, so one session serves
 *  the whole process without interleaving. */
export class Pkcs11KeyProvider implements KeyProvider {
  readonly kind = 'pkcs11' as const;
  readonly software = false;
  readonly #cfg: Pkcs11Config;
  readonly #lib: P11.PKCS11;
  #session: Session | undefined;
  #closed = false;
  readonly #handles = new Map<string, P11.Handle>();
  readonly #signers = new Map<string, ProviderSigner>();
  #initialKekId = 'pkcs11:1';

  private constructor(cfg: Pkcs11Config, lib: P11.PKCS11) {
    this.#cfg = cfg;
    this.#lib = lib;
  }

  /** Opens a session on the token, logs in and checks that the keys are there, sensitive and
   *  non-extractable. `requireKeys: false` (for `keys init`) skips the presence check.
   *  @throws KeyholeError HSM_MODULE_MISSING, HSM_TOKEN_NOT_FOUND, HSM_LOGIN_FAILED,
   *  HSM_KEYS_MISSING, HSM_KEY_EXTRACTABLE, HSM_UNAVAILABLE. */
  static async open(cfg: Pkcs11Config, opts: { readonly requireKeys?: boolean } = {}): Promise<Pkcs11KeyProvider> {
    const lib = acquireModule(cfg.module);
    const p = new Pkcs11KeyProvider(cfg, lib);
    try {
      p.#connect();
      p.#checkObjects(opts.requireKeys ?? true);
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
      return { created: p.#initKeys() };
    } finally {
      await p.close();
    }
  }

  get initialKekId(): string {
    return this.#initialKekId;
  }

  async wrap(kekId: string, dataKey: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    if (dataKey.length !== KEY_BYTES) throw new RangeError('a data key is 32 bytes');
    const header = Buffer.concat([Buffer.of(FORMAT_VERSION), randomBytes(NONCE_BYTES)]);
    const body = this.#op((s) => {
      const key = this.#kek(s, kekId);
      this.#lib.C_EncryptInit(s.handle, gcm(header, aad), key);
      return this.#lib.C_Encrypt(s.handle, Buffer.from(dataKey), Buffer.alloc(dataKey.length + TAG_BYTES + 16));
    });
    return Buffer.concat([header, body]);
  }

  async unwrap(kekId: string, wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    if (wrapped.length < HEADER_BYTES + TAG_BYTES || wrapped[0] !== FORMAT_VERSION) throw decryptFailed(new RangeError('wrapped key is malformed'));
    const buf = Buffer.from(wrapped);
    const header = buf.subarray(0, HEADER_BYTES);
    return this.#op((s) => {
      const key = this.#kek(s, kekId);
      this.#lib.C_DecryptInit(s.handle, gcm(header, aad), key);
      try {
        return Buffer.from(this.#lib.C_Decrypt(s.handle, buf.subarray(HEADER_BYTES), Buffer.alloc(buf.length)));
      } catch (e) {
        const code = ckr(e);
        if (code !== undefined && SESSION_LOST.has(code)) throw e;
        throw decryptFailed(e); // wrong AAD, wrong KEK, flipped bit
      }
    });
  }

  async blindIndex(message: Uint8Array, version = 1): Promise<Uint8Array> {
    assertKeyVersion(version);
    return this.#op((s) => {
      this.#lib.C_SignInit(s.handle, { mechanism: pkcs11js.CKM_SHA256_HMAC }, this.#versioned(s, pkcs11js.CKO_SECRET_KEY, blindIndexLabel(version), version));
      return Buffer.from(this.#lib.C_Sign(s.handle, Buffer.from(message), Buffer.alloc(32)));
    });
  }

  async signer(purpose: SignerPurpose, version = 1): Promise<ProviderSigner> {
    assertKeyVersion(version);
    const v = purpose === 'checkpoint' ? version : 1;
    let signer = this.#signers.get(`${purpose}/${v}`);
    if (!signer) {
      const label = purpose === 'checkpoint' ? checkpointLabel(v) : PKCS11_LABELS.evidence;
      if (v > 1) this.#op((s) => this.#versioned(s, pkcs11js.CKO_PRIVATE_KEY, label, v)); // destroyed once retired
      const publicKey = this.#op((s) => ed25519Point(this.#lib.C_GetAttributeValue(s.handle, this.#object(s, pkcs11js.CKO_PUBLIC_KEY, label), [{ type: pkcs11js.CKA_EC_POINT }])[0]?.value));
      signer = Object.freeze({
        publicKey,
        sign: (msg: Uint8Array): Uint8Array => this.#op((s) => {
          this.#lib.C_SignInit(s.handle, { mechanism: CKM_EDDSA }, this.#object(s, pkcs11js.CKO_PRIVATE_KEY, label));
          return Buffer.from(this.#lib.C_Sign(s.handle, Buffer.from(msg), Buffer.alloc(64)));
        }),
      });
      this.#signers.set(`${purpose}/${v}`, signer);
    }
    return signer;
  }

  /** Generates HMAC key `keyhole-blind-index-v<version>` on the token (sensitive,
   *  non-extractable). @throws KeyholeError CONFLICT when the token has it already. */
  async createBlindIndexKey(version: number): Promise<void> {
    assertKeyVersion(version);
    this.#op((s) => {
      if (this.#find(s, pkcs11js.CKO_SECRET_KEY, blindIndexLabel(version)).length > 0) throw new KeyholeError('CONFLICT', `The token already has blind-index key version ${version}.`);
      this.#generateHmac(s, blindIndexLabel(version));
    });
  }

  async destroyBlindIndexKey(version: number): Promise<boolean> {
    assertKeyVersion(version);
    return this.#destroy(pkcs11js.CKO_SECRET_KEY, blindIndexLabel(version));
  }

  /** Generates Ed25519 key pair `keyhole-checkpoint-v<version>` on the token.
   *  @throws KeyholeError CONFLICT when the token has it already. */
  async createSigningKey(version: number): Promise<ProviderSigner> {
    assertKeyVersion(version);
    this.#op((s) => {
      if (this.#find(s, pkcs11js.CKO_PRIVATE_KEY, checkpointLabel(version)).length > 0) throw new KeyholeError('CONFLICT', `The token already has signing key version ${version}.`);
      for (const h of this.#find(s, pkcs11js.CKO_PUBLIC_KEY, checkpointLabel(version))) this.#lib.C_DestroyObject(s.handle, h); // orphan half
      this.#generateEd25519(s, checkpointLabel(version));
    });
    return this.signer('checkpoint', version);
  }

  /** Destroys the private key of signing-key version `version` (the public half stays). */
  async destroySigningKey(version: number): Promise<boolean> {
    assertKeyVersion(version);
    this.#signers.delete(`checkpoint/${version}`);
    return this.#destroy(pkcs11js.CKO_PRIVATE_KEY, checkpointLabel(version));
  }

  #destroy(cls: number, label: string): boolean {
    return this.#op((s) => {
      const found = this.#find(s, cls, label);
      for (const h of found) this.#lib.C_DestroyObject(s.handle, h);
      this.#handles.delete(`${cls}/${label}`);
      return found.length > 0;
    });
  }

  /** The handle of a versioned key; a missing version >= 1 is KEY_UNAVAILABLE (it was never
   *  made or was retired), not HSM_KEYS_MISSING. */
  #versioned(s: Session, cls: number, label: string, version: number): P11.Handle {
    try {
      return this.#object(s, cls, label);
    } catch (e) {
      if (e instanceof KeyholeError && e.code === 'HSM_KEYS_MISSING' && version > 1) throw new KeyholeError('KEY_UNAVAILABLE', `The token has no ${label}.`);
      throw e;
    }
  }

  async kekIds(): Promise<string[]> {
    return this.#op((s) => this.#kekIdsIn(s));
  }

  /** Generates AES-256 KEK `pkcs11:<version>` on the token (sensitive, non-extractable).
   *  @throws KeyholeError CONFLICT when the token has it already. */
  async createKek(version: number): Promise<string> {
    if (!Number.isSafeInteger(version) || version < 1 || version > 999_999_999) throw new RangeError('KEK version must be a positive integer');
    const id = `pkcs11:${version}`;
    this.#op((s) => {
      if (this.#find(s, pkcs11js.CKO_SECRET_KEY, kekLabel(version)).length > 0) throw new KeyholeError('CONFLICT', `The token already has KEK ${id}.`);
      this.#generateAes(s, kekLabel(version));
    });
    return id;
  }

  async destroyKek(kekId: string): Promise<boolean> {
    const v = this.#version(kekId);
    return this.#op((s) => {
      const found = this.#find(s, pkcs11js.CKO_SECRET_KEY, kekLabel(v));
      for (const h of found) this.#lib.C_DestroyObject(s.handle, h);
      this.#handles.delete(`${pkcs11js.CKO_SECRET_KEY}/${kekLabel(v)}`);
      return found.length > 0;
    });
  }

  /** Resolves when the token answers on a logged-in session (re-opened when lost).
   *  @throws KeyholeError HSM_UNAVAILABLE. */
  async check(): Promise<void> {
    this.#op((s) => {
      const info = this.#lib.C_GetSessionInfo(s.handle);
      if (info.state !== CKS_RW_USER_FUNCTIONS && info.state !== CKS_RO_USER_FUNCTIONS) {
        throw new pkcs11js.Pkcs11Error('CKR_USER_NOT_LOGGED_IN:257', pkcs11js.CKR_USER_NOT_LOGGED_IN);
      }
    });
  }

  /** Every object on the token with its label, class and the two attributes that matter. */
  async objects(): Promise<TokenObject[]> {
    return this.#op((s) => listTokenObjects(this.#lib, s.handle));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropSession();
    releaseModule(this.#cfg.module);
  }

  // --- sessions -----------------------------------------------------------------------------

  /** Runs `fn` on the session; when the session turns out lost (closed, token removed, logged
   *  out), opens a new one and retries once. @throws KeyholeError HSM_UNAVAILABLE when that
   *  fails too; KeyholeErrors of `fn` as they are. */
  #op<T>(fn: (s: Session) => T): T {
    if (this.#closed) throw new KeyholeError('HSM_UNAVAILABLE', 'The PKCS#11 provider is closed.');
    for (let attempt = 0; ; attempt += 1) {
      try {
        this.#session ??= this.#connect();
        return fn(this.#session);
      } catch (e) {
        if (e instanceof KeyholeError && e.code !== 'HSM_UNAVAILABLE') throw e;
        const code = ckr(e);
        const lost = e instanceof KeyholeError || (code !== undefined && SESSION_LOST.has(code));
        if (!lost) throw new KeyholeError('HSM_UNAVAILABLE', `The HSM failed: ${e instanceof Error ? e.message : 'error'}.`, { cause: e });
        this.#dropSession();
        if (attempt >= 1) throw e instanceof KeyholeError ? e : new KeyholeError('HSM_UNAVAILABLE', 'The HSM session is lost and cannot be re-opened.', { cause: e });
      }
    }
  }

  /** Opens and logs in a session on the configured token. */
  #connect(): Session {
    let slot: P11.Handle;
    try {
      slot = findSlot(this.#lib, this.#cfg.tokenLabel);
    } catch (e) {
      if (e instanceof KeyholeError) throw e;
      if (ckr(e) === pkcs11js.CKR_CRYPTOKI_NOT_INITIALIZED) this.#reinitialize();
      throw new KeyholeError('HSM_UNAVAILABLE', 'The PKCS#11 token list cannot be read.', { cause: e });
    }
    let handle: P11.Handle;
    try {
      handle = this.#lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    } catch (e) {
      throw new KeyholeError('HSM_UNAVAILABLE', 'No session can be opened on the PKCS#11 token.', { cause: e });
    }
    try {
      this.#lib.C_Login(handle, pkcs11js.CKU_USER, this.#cfg.pin);
    } catch (e) {
      const code = ckr(e);
      if (code !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) {
        try {
          this.#lib.C_CloseSession(handle);
        } catch {
          // the session is gone anyway
        }
        if (code === pkcs11js.CKR_PIN_INCORRECT || code === pkcs11js.CKR_PIN_INVALID || code === pkcs11js.CKR_PIN_LEN_RANGE || code === pkcs11js.CKR_PIN_LOCKED || code === pkcs11js.CKR_PIN_EXPIRED) {
          throw new KeyholeError('HSM_LOGIN_FAILED', `The token ${this.#cfg.tokenLabel} refused the PIN.`, { cause: e });
        }
        throw new KeyholeError('HSM_UNAVAILABLE', 'The PKCS#11 login failed.', { cause: e });
      }
    }
    this.#handles.clear();
    this.#session = { slot, handle };
    return this.#session;
  }

  #reinitialize(): void {
    try {
      this.#lib.C_Initialize();
    } catch {
      // try again on the next call
    }
  }

  #dropSession(): void {
    const s = this.#session;
    this.#session = undefined;
    this.#handles.clear();
    if (!s) return;
    try {
      this.#lib.C_CloseSession(s.handle);
    } catch {
      // already closed
    }
  }

  // --- objects ------------------------------------------------------------------------------

  #find(s: Session, cls: number, label: string): P11.Handle[] {
    return findObjects(this.#lib, s.handle, [{ type: pkcs11js.CKA_CLASS, value: cls }, { type: pkcs11js.CKA_LABEL, value: label }]);
  }

  /** The handle of the one object of `cls` labelled `label`. @throws KeyholeError HSM_KEYS_MISSING. */
  #object(s: Session, cls: number, label: string): P11.Handle {
    const key = `${cls}/${label}`;
    let h = this.#handles.get(key);
    if (!h) {
      const found = this.#find(s, cls, label);
      if (found.length === 0) throw new KeyholeError('HSM_KEYS_MISSING', `The token has no ${label}; run keyhole keys init.`);
      if (found.length > 1) throw new KeyholeError('HSM_KEYS_MISSING', `The token has several objects labelled ${label}; keep one.`);
      h = found[0] as P11.Handle;
      this.#handles.set(key, h);
    }
    return h;
  }

  #version(kekId: string): number {
    const v = kekVersion(kekId);
    if (v === undefined || !kekId.startsWith('pkcs11:')) throw new KeyholeError('KEY_UNAVAILABLE', `KEK ${kekId} is not a PKCS#11 KEK.`);
    return v;
  }

  #kek(s: Session, kekId: string): P11.Handle {
    const v = this.#version(kekId);
    try {
      return this.#object(s, pkcs11js.CKO_SECRET_KEY, kekLabel(v));
    } catch (e) {
      if (e instanceof KeyholeError && e.code === 'HSM_KEYS_MISSING') throw new KeyholeError('KEY_UNAVAILABLE', `The token has no KEK ${kekId}.`);
      throw e;
    }
  }

  #kekIdsIn(s: Session): string[] {
    const ids: number[] = [];
    for (const h of findObjects(this.#lib, s.handle, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY }])) {
      const label = this.#lib.C_GetAttributeValue(s.handle, h, [{ type: pkcs11js.CKA_LABEL }])[0]?.value?.toString('utf8') ?? '';
      if (label.startsWith(PKCS11_LABELS.kekPrefix)) {
        const v = kekVersion(`pkcs11:${label.slice(PKCS11_LABELS.kekPrefix.length)}`);
        if (v !== undefined) ids.push(v);
      }
    }
    return ids.sort((a, b) => a - b).map((v) => `pkcs11:${v}`);
  }

  /** Checks every Keyhole object; sets the initial KEK id to the newest KEK on the token. */
  #checkObjects(requireKeys: boolean): void {
    this.#op((s) => {
      for (const o of listTokenObjects(this.#lib, s.handle)) {
        if (!o.label.startsWith('keyhole-') || (o.class !== 'secret' && o.class !== 'private')) continue;
        if (o.sensitive !== true || o.extractable !== false) {
          throw new KeyholeError('HSM_KEY_EXTRACTABLE', `The token's ${o.label} is extractable or not sensitive; destroy it and run keyhole keys init.`);
        }
      }
      const keks = this.#kekIdsIn(s);
      if (keks.length > 0) this.#initialKekId = keks.at(-1) as string;
      if (!requireKeys) return;
      if (keks.length === 0) throw new KeyholeError('HSM_KEYS_MISSING', 'The token holds no Keyhole KEK; run keyhole keys init.');
      // Some version of each (version 1 may have been retired after a rotation).
      if (!this.#hasSomeVersion(s, pkcs11js.CKO_SECRET_KEY, PKCS11_LABELS.blindIndex)) throw new KeyholeError('HSM_KEYS_MISSING', `The token has no ${PKCS11_LABELS.blindIndex}; run keyhole keys init.`);
      if (!this.#hasSomeVersion(s, pkcs11js.CKO_PRIVATE_KEY, PKCS11_LABELS.checkpoint)) throw new KeyholeError('HSM_KEYS_MISSING', `The token has no ${PKCS11_LABELS.checkpoint}; run keyhole keys init.`);
      this.#object(s, pkcs11js.CKO_PRIVATE_KEY, PKCS11_LABELS.evidence);
      this.#object(s, pkcs11js.CKO_PUBLIC_KEY, PKCS11_LABELS.evidence);
    });
  }

  /** Whether the token holds `base` or some `base-v<n>` of class `cls`. */
  #hasSomeVersion(s: Session, cls: number, base: string): boolean {
    return findObjects(this.#lib, s.handle, [{ type: pkcs11js.CKA_CLASS, value: cls }]).some((h) => {
      const label = this.#lib.C_GetAttributeValue(s.handle, h, [{ type: pkcs11js.CKA_LABEL }])[0]?.value?.toString('utf8') ?? '';
      return label === base || new RegExp(`^${base}-v[1-9][0-9]{0,8}$`).test(label);
    });
  }

  #initKeys(): string[] {
    return this.#op((s) => {
      const created: string[] = [];
      if (this.#kekIdsIn(s).length === 0) {
        this.#generateAes(s, kekLabel(1));
        created.push(kekLabel(1));
        this.#initialKekId = 'pkcs11:1';
      }
      if (!this.#hasSomeVersion(s, pkcs11js.CKO_SECRET_KEY, PKCS11_LABELS.blindIndex)) {
        this.#generateHmac(s, PKCS11_LABELS.blindIndex);
        created.push(PKCS11_LABELS.blindIndex);
      }
      for (const label of [PKCS11_LABELS.checkpoint, PKCS11_LABELS.evidence]) {
        if (label === PKCS11_LABELS.checkpoint ? this.#hasSomeVersion(s, pkcs11js.CKO_PRIVATE_KEY, label) : this.#find(s, pkcs11js.CKO_PRIVATE_KEY, label).length > 0) continue;
        for (const h of this.#find(s, pkcs11js.CKO_PUBLIC_KEY, label)) this.#lib.C_DestroyObject(s.handle, h); // orphan half
        this.#generateEd25519(s, label);
        created.push(label);
      }
      return created;
    });
  }

  #generateHmac(s: Session, label: string): void {
    this.#lib.C_GenerateKey(s.handle, { mechanism: pkcs11js.CKM_GENERIC_SECRET_KEY_GEN }, [
      ...secretTemplate(label),
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
      { type: pkcs11js.CKA_VALUE_LEN, value: KEY_BYTES },
      { type: pkcs11js.CKA_SIGN, value: true },
      { type: pkcs11js.CKA_VERIFY, value: true },
    ]);
  }

  #generateEd25519(s: Session, label: string): void {
    this.#lib.C_GenerateKeyPair(s.handle, { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN }, [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: false },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_ID, value: Buffer.from(label) },
      { type: pkcs11js.CKA_EC_PARAMS, value: ED25519_OID },
      { type: pkcs11js.CKA_VERIFY, value: true },
    ], [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_ID, value: Buffer.from(label) },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_SIGN, value: true },
    ]);
  }

  #generateAes(s: Session, label: string): void {
    this.#lib.C_GenerateKey(s.handle, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      ...secretTemplate(label),
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_VALUE_LEN, value: KEY_BYTES },
      { type: pkcs11js.CKA_ENCRYPT, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: true },
      { type: pkcs11js.CKA_WRAP, value: false },
      { type: pkcs11js.CKA_UNWRAP, value: false },
    ]);
  }
}

/** `keyhole-blind-index` for version 1 (made by `keys init`), `keyhole-blind-index-v<n>` after. */
export function blindIndexLabel(version: number): string {
  return version === 1 ? PKCS11_LABELS.blindIndex : `${PKCS11_LABELS.blindIndex}-v${version}`;
}

/** `keyhole-checkpoint` for version 1, `keyhole-checkpoint-v<n>` after. */
export function checkpointLabel(version: number): string {
  return version === 1 ? PKCS11_LABELS.checkpoint : `${PKCS11_LABELS.checkpoint}-v${version}`;
}

function kekLabel(version: number): string {
  return `${PKCS11_LABELS.kekPrefix}${version}`;
}

function secretTemplate(label: string): P11.Template {
  return [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_LABEL, value: label },
    { type: pkcs11js.CKA_ID, value: Buffer.from(label) },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
  ];
}

/** AES-GCM parameters of the envelope layout: IV = the header's nonce, AAD = header ‖ aad,
 *  128-bit tag (as envelope.ts `sealBytes`). */
function gcm(header: Buffer, aad: Uint8Array): P11.Mechanism {
  return {
    mechanism: pkcs11js.CKM_AES_GCM,
    parameter: { type: pkcs11js.CK_PARAMS_AES_GCM, iv: Buffer.from(header.subarray(1)), aad: Buffer.concat([header, Buffer.from(aad)]), ivBits: NONCE_BYTES * 8, tagBits: TAG_BYTES * 8 } as P11.AesGCM,
  };
}

/** The 32-byte Ed25519 public key of a CKA_EC_POINT: a DER OCTET STRING (04 20 ‖ key) or, on
 *  some tokens, the raw 32 bytes. @throws KeyholeError HSM_KEYS_MISSING otherwise. */
function ed25519Point(point: Buffer | undefined): Uint8Array {
  if (point && point.length === 34 && point[0] === 0x04 && point[1] === 0x20) return Uint8Array.from(point.subarray(2));
  if (point && point.length === 32) return Uint8Array.from(point);
  throw new KeyholeError('HSM_KEYS_MISSING', 'The token\'s signing key is not an Ed25519 key.');
}

/** Handles of the objects matching `template` on `session`. */
export function findObjects(lib: P11.PKCS11, session: P11.Handle, template: P11.Template): P11.Handle[] {
  lib.C_FindObjectsInit(session, template);
  try {
    const out: P11.Handle[] = [];
    for (;;) {
      const batch = lib.C_FindObjects(session, 64);
      if (batch.length === 0) return out;
      out.push(...batch);
    }
  } finally {
    lib.C_FindObjectsFinal(session);
  }
}

/** Every object visible on `session` with label, class, CKA_SENSITIVE and CKA_EXTRACTABLE
 *  (null for public objects, which have neither). */
export function listTokenObjects(lib: P11.PKCS11, session: P11.Handle): TokenObject[] {
  return findObjects(lib, session, []).map((h) => {
    const [cls, label] = lib.C_GetAttributeValue(session, h, [{ type: pkcs11js.CKA_CLASS }, { type: pkcs11js.CKA_LABEL }]);
    const c = cls?.value?.readUInt32LE(0);
    const kind = c === pkcs11js.CKO_SECRET_KEY ? 'secret' : c === pkcs11js.CKO_PRIVATE_KEY ? 'private' : c === pkcs11js.CKO_PUBLIC_KEY ? 'public' : 'other';
    let sensitive: boolean | null = null;
    let extractable: boolean | null = null;
    if (kind === 'secret' || kind === 'private') {
      const [s, x] = lib.C_GetAttributeValue(session, h, [{ type: pkcs11js.CKA_SENSITIVE }, { type: pkcs11js.CKA_EXTRACTABLE }]);
      sensitive = s?.value ? s.value[0] === 1 : null;
      extractable = x?.value ? x.value[0] === 1 : null;
    }
    return { label: label?.value?.toString('utf8') ?? '', class: kind, sensitive, extractable };
  });
}

/** Maps an error code for callers that only need to know a PKCS#11 failure happened. */
export function isHsmCode(code: ErrorCode): boolean {
  return code.startsWith('HSM_');
}
