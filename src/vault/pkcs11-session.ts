// One logged-in PKCS#11 session on the configured token: the slot found by token label, the
// session opened read/write and logged in as the user (PKCS#11 v2.40 §5.5 C_GetSlotList /
// C_GetTokenInfo, §5.6 C_OpenSession / C_Login / C_GetSessionInfo), re-opened when it is lost,
// with the object handles it found cached until then. Every call into the module is
// synchronous, so one session serves the whole process without interleaving.
import type * as P11 from 'pkcs11js';
import { KeyholeError } from '../shared/errors.js';
import type { Pkcs11Config } from './pkcs11-config.js';
import { ckr, pkcs11js, releaseModule } from './pkcs11-module.js';
import { findObjects } from './pkcs11-objects.js';

/** Session states of a logged-in user (CKS_RO_USER_FUNCTIONS, CKS_RW_USER_FUNCTIONS; v2.40 §5.6). */
const CKS_RO_USER_FUNCTIONS = 1;
const CKS_RW_USER_FUNCTIONS = 3;

/** Return values after which the session is gone and opening a new one may help. */
const SESSION_LOST = new Set<number>([
  pkcs11js.CKR_SESSION_HANDLE_INVALID, pkcs11js.CKR_SESSION_CLOSED, pkcs11js.CKR_DEVICE_REMOVED, pkcs11js.CKR_DEVICE_ERROR,
  pkcs11js.CKR_TOKEN_NOT_PRESENT, pkcs11js.CKR_USER_NOT_LOGGED_IN, pkcs11js.CKR_CRYPTOKI_NOT_INITIALIZED,
  pkcs11js.CKR_OBJECT_HANDLE_INVALID, pkcs11js.CKR_KEY_HANDLE_INVALID, pkcs11js.CKR_OPERATION_ACTIVE,
]);

/** Whether `e` is a pkcs11js error whose CKR_* value means the session is gone (closed, token
 *  removed, logged out, stale handle), so that a new session may succeed. */
export function isSessionLost(e: unknown): boolean {
  const code = ckr(e);
  return code !== undefined && SESSION_LOST.has(code);
}

/** The slot of the token labelled `label`. @throws KeyholeError HSM_TOKEN_NOT_FOUND. */
export function findSlot(lib: P11.PKCS11, label: string): P11.Handle {
  for (const slot of lib.C_GetSlotList(true)) {
    if (lib.C_GetTokenInfo(slot).label.trim() === label) return slot;
  }
  throw new KeyholeError('HSM_TOKEN_NOT_FOUND', `No PKCS#11 token is labelled ${label}.`);
}

/** An open, logged-in session: its slot and session handle. */
export interface OpenSession {
  readonly slot: P11.Handle;
  readonly handle: P11.Handle;
}

/** The provider's session on the token of `cfg` through the acquired module `lib`; `close`
 *  releases that module once. */
export class Pkcs11Session {
  /** The acquired module (pkcs11-module.ts `acquireModule`). */
  readonly lib: P11.PKCS11;
  readonly #cfg: Pkcs11Config;
  #session: OpenSession | undefined;
  #closed = false;
  readonly #handles = new Map<string, P11.Handle>();

  constructor(cfg: Pkcs11Config, lib: P11.PKCS11) {
    this.#cfg = cfg;
    this.lib = lib;
  }

  /** Runs `fn` on the session; when the session turns out lost (closed, token removed, logged
   *  out), opens a new one and retries once. @throws KeyholeError HSM_UNAVAILABLE when that
   *  fails too, when the module fails otherwise, or after `close`; KeyholeErrors of `fn` as
   *  they are. */
  run<T>(fn: (s: OpenSession) => T): T {
    if (this.#closed) throw new KeyholeError('HSM_UNAVAILABLE', 'The PKCS#11 provider is closed.');
    for (let attempt = 0; ; attempt += 1) {
      try {
        this.#session ??= this.connect();
        return fn(this.#session);
      } catch (e) {
        if (e instanceof KeyholeError && e.code !== 'HSM_UNAVAILABLE') throw e;
        const lost = e instanceof KeyholeError || isSessionLost(e);
        if (!lost) throw new KeyholeError('HSM_UNAVAILABLE', `The HSM failed: ${e instanceof Error ? e.message : 'error'}.`, { cause: e });
        this.#dropSession();
        if (attempt >= 1) throw e instanceof KeyholeError ? e : new KeyholeError('HSM_UNAVAILABLE', 'The HSM session is lost and cannot be re-opened.', { cause: e });
      }
    }
  }

  /** Opens and logs in a session on the configured token (read/write, CKU_USER); a token that
   *  says CKR_USER_ALREADY_LOGGED_IN is used as it is. Clears the handle cache.
   *  @throws KeyholeError HSM_TOKEN_NOT_FOUND, HSM_LOGIN_FAILED (the PIN is incorrect, invalid,
   *  of the wrong length, locked or expired), HSM_UNAVAILABLE. */
  connect(): OpenSession {
    let slot: P11.Handle;
    try {
      slot = findSlot(this.lib, this.#cfg.tokenLabel);
    } catch (e) {
      if (e instanceof KeyholeError) throw e;
      if (ckr(e) === pkcs11js.CKR_CRYPTOKI_NOT_INITIALIZED) this.#reinitialize();
      throw new KeyholeError('HSM_UNAVAILABLE', 'The PKCS#11 token list cannot be read.', { cause: e });
    }
    let handle: P11.Handle;
    try {
      handle = this.lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    } catch (e) {
      throw new KeyholeError('HSM_UNAVAILABLE', 'No session can be opened on the PKCS#11 token.', { cause: e });
    }
    this.#login(handle);
    this.#handles.clear();
    this.#session = { slot, handle };
    return this.#session;
  }

  #login(handle: P11.Handle): void {
    try {
      this.lib.C_Login(handle, pkcs11js.CKU_USER, this.#cfg.pin);
    } catch (e) {
      const code = ckr(e);
      if (code === pkcs11js.CKR_USER_ALREADY_LOGGED_IN) return;
      try {
        this.lib.C_CloseSession(handle);
      } catch {
        // the session is gone anyway
      }
      if (code === pkcs11js.CKR_PIN_INCORRECT || code === pkcs11js.CKR_PIN_INVALID || code === pkcs11js.CKR_PIN_LEN_RANGE || code === pkcs11js.CKR_PIN_LOCKED || code === pkcs11js.CKR_PIN_EXPIRED) {
        throw new KeyholeError('HSM_LOGIN_FAILED', `The token ${this.#cfg.tokenLabel} refused the PIN.`, { cause: e });
      }
      throw new KeyholeError('HSM_UNAVAILABLE', 'The PKCS#11 login failed.', { cause: e });
    }
  }

  #reinitialize(): void {
    try {
      this.lib.C_Initialize();
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
      this.lib.C_CloseSession(s.handle);
    } catch {
      // already closed
    }
  }

  /** Handles of the objects of class `cls` (a CKO_* value) labelled `label`. @throws Pkcs11Error. */
  find(s: OpenSession, cls: number, label: string): P11.Handle[] {
    return findObjects(this.lib, s.handle, [{ type: pkcs11js.CKA_CLASS, value: cls }, { type: pkcs11js.CKA_LABEL, value: label }]);
  }

  /** The handle of the one object of `cls` labelled `label`, cached until the session is
   *  re-opened. @throws KeyholeError HSM_KEYS_MISSING when there is none or several. */
  object(s: OpenSession, cls: number, label: string): P11.Handle {
    const key = `${cls}/${label}`;
    let h = this.#handles.get(key);
    if (!h) {
      const found = this.find(s, cls, label);
      if (found.length === 0) throw new KeyholeError('HSM_KEYS_MISSING', `The token has no ${label}; run keyhole keys init.`);
      if (found.length > 1) throw new KeyholeError('HSM_KEYS_MISSING', `The token has several objects labelled ${label}; keep one.`);
      h = found[0] as P11.Handle;
      this.#handles.set(key, h);
    }
    return h;
  }

  /** Destroys every object of `cls` labelled `label` (C_DestroyObject) and forgets its cached
   *  handle. Returns false when there was none. @throws KeyholeError as `run`. */
  destroy(cls: number, label: string): boolean {
    return this.run((s) => {
      const found = this.find(s, cls, label);
      for (const h of found) this.lib.C_DestroyObject(s.handle, h);
      this.#handles.delete(`${cls}/${label}`);
      return found.length > 0;
    });
  }

  /** Returns when the token answers and the session is logged in as the user (re-opened when
   *  it was lost). @throws KeyholeError HSM_UNAVAILABLE. */
  check(): void {
    this.run((s) => {
      const info = this.lib.C_GetSessionInfo(s.handle);
      if (info.state !== CKS_RW_USER_FUNCTIONS && info.state !== CKS_RO_USER_FUNCTIONS) {
        throw new pkcs11js.Pkcs11Error('CKR_USER_NOT_LOGGED_IN:257', pkcs11js.CKR_USER_NOT_LOGGED_IN);
      }
    });
  }

  /** Closes the session and releases the module; idempotent. Later `run`s throw
   *  HSM_UNAVAILABLE. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropSession();
    releaseModule(this.#cfg.module);
  }
}
