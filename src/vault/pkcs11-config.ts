// How the PKCS#11 provider reaches its token: the module path, the token label and the user PIN,
// read from KEYHOLE_PKCS11_* (PKCS#11 v2.40 §5.4 C_GetTokenInfo label, §5.6 C_Login user PIN).
// docs/design/vault.md "PKCS#11".
import { readFile, stat } from 'node:fs/promises';
import { KeyholeError } from '../shared/errors.js';

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
