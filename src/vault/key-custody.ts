// Key custody at start-up: the key provider is opened and checked against the database before
// anything else is created (no stray key file when the server refuses to start), the current KEK
// is recorded or checked, software keys outside demo mode draw a loud warning, and
// `keysUsable()` is what a readiness probe asks. docs/design/vault.md "Key custody".
import { KeyholeError } from '../shared/errors.js';
import { currentKekId, type KekDb } from './kek-state.js';
import { keyProviderFromEnv, type KeyProvider } from './key-provider.js';
import { hasKeyCheck, Vault } from './vault.js';
import type { VaultDb } from './tables.js';

/** Opens the provider the environment names for database `db`: a key file is created only when
 *  the database has never been indexed under any keys. Then checks the keys match the database
 *  (blind-index key check) and records or checks the current KEK; on failure the provider is
 *  closed again. @throws KeyholeError KEY_UNAVAILABLE (wrong keys, no keys, another provider
 *  kind), HSM_* from the PKCS#11 provider. */
export async function openKeysFor(db: VaultDb, opts: { readonly dataDir: string | undefined; readonly env: Readonly<Record<string, string | undefined>> }): Promise<KeyProvider> {
  const keys = await keyProviderFromEnv({ dataDir: opts.dataDir, env: opts.env, createKeyFile: !(await hasKeyCheck(db)) });
  try {
    await checkKeysAgainst(db, keys);
    return keys;
  } catch (e) {
    await keys.close();
    throw e;
  }
}

/** The blind-index key check (Vault.checkKeys) and the current KEK of `db` for `keys`.
 *  @throws KeyholeError KEY_UNAVAILABLE on a mismatch. */
export async function checkKeysAgainst(db: VaultDb, keys: KeyProvider): Promise<void> {
  await new Vault(keys, { cacheSize: 0 }).checkKeys(db);
  await currentKekId(db as unknown as KekDb, keys);
}

/** The start-up warning for software keys outside demo mode, or undefined when there is none. */
export function softwareKeysWarning(keys: KeyProvider, demo: boolean): string | undefined {
  if (!keys.software || demo) return undefined;
  return `keyhole: WARNING: running on SOFTWARE keys (${keys.kind} provider): anyone who can read this server's environment or data directory can decrypt every customer field and sign log checkpoints. Use an HSM (KEYHOLE_KEYS=pkcs11) in production.`;
}

/** True when the keys answer now (for the PKCS#11 provider: the token is reachable and the
 *  session logged in, re-opened if it was lost); never throws. */
export async function keysUsable(keys: KeyProvider): Promise<boolean> {
  try {
    await keys.check();
    return true;
  } catch (e) {
    if (e instanceof KeyholeError || e instanceof Error) return false;
    return false;
  }
}
