// Searching a PKCS#11 session's objects (PKCS#11 v2.40 §5.7: C_FindObjectsInit / C_FindObjects /
// C_FindObjectsFinal; C_GetAttributeValue) and describing them as `keys status` and the tests see
// them. Knows nothing of which keys Keyhole keeps (pkcs11-keys.ts).
import type * as P11 from 'pkcs11js';
import { pkcs11js } from './pkcs11-module.js';

/** One object of the token as `keys status` and the tests see it. */
export interface TokenObject {
  readonly label: string;
  readonly class: 'secret' | 'private' | 'public' | 'other';
  readonly sensitive: boolean | null;
  readonly extractable: boolean | null;
}

/** Handles of the objects matching `template` on `session` (all of them, read 64 at a time);
 *  the search is always finalized. @throws Pkcs11Error from the module. */
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

/** The CKA_LABEL of object `h` as UTF-8 ('' when it has none). @throws Pkcs11Error. */
export function objectLabel(lib: P11.PKCS11, session: P11.Handle, h: P11.Handle): string {
  return lib.C_GetAttributeValue(session, h, [{ type: pkcs11js.CKA_LABEL }])[0]?.value?.toString('utf8') ?? '';
}

/** Every object visible on `session` with label, class, CKA_SENSITIVE and CKA_EXTRACTABLE
 *  (null for public objects, which have neither). @throws Pkcs11Error from the module. */
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
