// The PKCS#11 module (.so) of a path, loaded through pkcs11js and C_Initialize'd once per process
// (PKCS#11 v2.40 §5.4: C_Initialize/C_Finalize; a second C_Initialize answers
// CKR_CRYPTOKI_ALREADY_INITIALIZED), shared by every provider and test of that process.
import type * as P11 from 'pkcs11js';
import pkcs11default from 'pkcs11js';
import { KeyholeError } from '../shared/errors.js';

/** The runtime values of pkcs11js (constants, `PKCS11`, `Pkcs11Error`). pkcs11js is CommonJS
 *  without static named exports: they are taken from its default export. */
export const pkcs11js = pkcs11default as unknown as typeof P11;

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

/** Releases one use of `path`; the last finalizes (C_Finalize) and unloads the module. Never
 *  throws; releasing a path that is not loaded does nothing. */
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

/** The CKR_* return value (PKCS#11 v2.40 §3.6) of a pkcs11js error, else undefined. */
export function ckr(e: unknown): number | undefined {
  return e instanceof pkcs11js.Pkcs11Error ? e.code : undefined;
}
