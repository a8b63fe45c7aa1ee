// Which keys Keyhole keeps on the token and how they are found: the CKA_LABEL of each key and
// version, the KEK behind a `pkcs11:<n>` id, the versions present, and the opening check that
// every Keyhole secret or private key is CKA_SENSITIVE and not CKA_EXTRACTABLE (PKCS#11 v2.40
// §4.9 secret key / §4.8 private key attributes). docs/design/vault.md "PKCS#11".
import type * as P11 from 'pkcs11js';
import { KeyholeError } from '../shared/errors.js';
import { kekVersion } from './key-provider.js';
import { pkcs11js } from './pkcs11-module.js';
import { findObjects, listTokenObjects, objectLabel } from './pkcs11-objects.js';
import type { OpenSession, Pkcs11Session } from './pkcs11-session.js';

/** Labels of the objects Keyhole keeps on the token. */
export const PKCS11_LABELS = {
  kekPrefix: 'keyhole-kek-',
  blindIndex: 'keyhole-blind-index',
  checkpoint: 'keyhole-checkpoint',
  evidence: 'keyhole-evidence',
} as const;

/** `keyhole-blind-index` for version 1 (made by `keys init`), `keyhole-blind-index-v<n>` after. */
export function blindIndexLabel(version: number): string {
  return version === 1 ? PKCS11_LABELS.blindIndex : `${PKCS11_LABELS.blindIndex}-v${version}`;
}

/** `keyhole-checkpoint` for version 1, `keyhole-checkpoint-v<n>` after. */
export function checkpointLabel(version: number): string {
  return version === 1 ? PKCS11_LABELS.checkpoint : `${PKCS11_LABELS.checkpoint}-v${version}`;
}

/** `keyhole-kek-<n>`, the label of KEK `pkcs11:<n>`. */
export function kekLabel(version: number): string {
  return `${PKCS11_LABELS.kekPrefix}${version}`;
}

/** The version of KEK id `pkcs11:<n>`. @throws KeyholeError KEY_UNAVAILABLE for any other id. */
export function pkcs11KekVersion(kekId: string): number {
  const v = kekVersion(kekId);
  if (v === undefined || !kekId.startsWith('pkcs11:')) throw new KeyholeError('KEY_UNAVAILABLE', `KEK ${kekId} is not a PKCS#11 KEK.`);
  return v;
}

/** The handle of the AES KEK `kekId` on session `s`. @throws KeyholeError KEY_UNAVAILABLE
 *  when the id is not a PKCS#11 one or the token has no such KEK; HSM_KEYS_MISSING when it has
 *  several. */
export function kekHandle(token: Pkcs11Session, s: OpenSession, kekId: string): P11.Handle {
  const v = pkcs11KekVersion(kekId);
  try {
    return token.object(s, pkcs11js.CKO_SECRET_KEY, kekLabel(v));
  } catch (e) {
    if (e instanceof KeyholeError && e.code === 'HSM_KEYS_MISSING') throw new KeyholeError('KEY_UNAVAILABLE', `The token has no KEK ${kekId}.`);
    throw e;
  }
}

/** The handle of a versioned key; a missing version > 1 is KEY_UNAVAILABLE (it was never made
 *  or was retired), not HSM_KEYS_MISSING. @throws KeyholeError KEY_UNAVAILABLE,
 *  HSM_KEYS_MISSING. */
export function versionedKey(token: Pkcs11Session, s: OpenSession, cls: number, label: string, version: number): P11.Handle {
  try {
    return token.object(s, cls, label);
  } catch (e) {
    if (e instanceof KeyholeError && e.code === 'HSM_KEYS_MISSING' && version > 1) throw new KeyholeError('KEY_UNAVAILABLE', `The token has no ${label}.`);
    throw e;
  }
}

/** The ids `pkcs11:<n>` of the KEKs on session `s`, by ascending version. @throws Pkcs11Error. */
export function kekIdsOn(lib: P11.PKCS11, s: OpenSession): string[] {
  const ids: number[] = [];
  for (const h of findObjects(lib, s.handle, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY }])) {
    const label = objectLabel(lib, s.handle, h);
    if (label.startsWith(PKCS11_LABELS.kekPrefix)) {
      const v = kekVersion(`pkcs11:${label.slice(PKCS11_LABELS.kekPrefix.length)}`);
      if (v !== undefined) ids.push(v);
    }
  }
  return ids.sort((a, b) => a - b).map((v) => `pkcs11:${v}`);
}

/** Whether the token holds `base` or some `base-v<n>` of class `cls` (`base` is one of
 *  PKCS11_LABELS, never input). @throws Pkcs11Error. */
export function hasSomeVersion(lib: P11.PKCS11, s: OpenSession, cls: number, base: string): boolean {
  return findObjects(lib, s.handle, [{ type: pkcs11js.CKA_CLASS, value: cls }]).some((h) => {
    const label = objectLabel(lib, s.handle, h);
    return label === base || new RegExp(`^${base}-v[1-9][0-9]{0,8}$`).test(label);
  });
}

/** Checks every Keyhole object on the token and returns the newest KEK id (undefined when the
 *  token has none). `requireKeys: false` (for `keys init`) skips the presence checks.
 *  @throws KeyholeError HSM_KEY_EXTRACTABLE when a `keyhole-*` secret or private key is
 *  extractable or not sensitive; HSM_KEYS_MISSING when a KEK, some blind-index or checkpoint
 *  version, or the evidence pair is absent; HSM_UNAVAILABLE. */
export function checkTokenKeys(token: Pkcs11Session, requireKeys: boolean): string | undefined {
  return token.run((s) => {
    for (const o of listTokenObjects(token.lib, s.handle)) {
      if (!o.label.startsWith('keyhole-') || (o.class !== 'secret' && o.class !== 'private')) continue;
      if (o.sensitive !== true || o.extractable !== false) {
        throw new KeyholeError('HSM_KEY_EXTRACTABLE', `The token's ${o.label} is extractable or not sensitive; destroy it and run keyhole keys init.`);
      }
    }
    const keks = kekIdsOn(token.lib, s);
    if (!requireKeys) return keks.at(-1);
    if (keks.length === 0) throw new KeyholeError('HSM_KEYS_MISSING', 'The token holds no Keyhole KEK; run keyhole keys init.');
    // Some version of each (version 1 may have been retired after a rotation).
    if (!hasSomeVersion(token.lib, s, pkcs11js.CKO_SECRET_KEY, PKCS11_LABELS.blindIndex)) throw new KeyholeError('HSM_KEYS_MISSING', `The token has no ${PKCS11_LABELS.blindIndex}; run keyhole keys init.`);
    if (!hasSomeVersion(token.lib, s, pkcs11js.CKO_PRIVATE_KEY, PKCS11_LABELS.checkpoint)) throw new KeyholeError('HSM_KEYS_MISSING', `The token has no ${PKCS11_LABELS.checkpoint}; run keyhole keys init.`);
    token.object(s, pkcs11js.CKO_PRIVATE_KEY, PKCS11_LABELS.evidence);
    token.object(s, pkcs11js.CKO_PUBLIC_KEY, PKCS11_LABELS.evidence);
    return keks.at(-1);
  });
}
