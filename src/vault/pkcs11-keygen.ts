// Generating Keyhole's keys on the token, all CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE and not
// CKA_EXTRACTABLE: AES-256 KEKs (CKM_AES_KEY_GEN, v2.40 §2.8), the HMAC-SHA-256 blind-index key
// (CKM_GENERIC_SECRET_KEY_GEN, v2.40 §2.36) and Ed25519 pairs (CKM_EC_EDWARDS_KEY_PAIR_GEN,
// v3.0 §2.3.5), for `keys init` and for new key versions. docs/design/vault.md "PKCS#11".
import type * as P11 from 'pkcs11js';
import { KeyholeError } from '../shared/errors.js';
import { KEY_BYTES } from './envelope.js';
import { pkcs11js } from './pkcs11-module.js';
import { hasSomeVersion, kekIdsOn, kekLabel, PKCS11_LABELS } from './pkcs11-keys.js';
import type { OpenSession, Pkcs11Session } from './pkcs11-session.js';

// PKCS#11 v3.0 values pkcs11js 2.1.7 does not name.
/** CKK_EC_EDWARDS (PKCS#11 v3.0 §2.3.5). */
export const CKK_EC_EDWARDS = 0x40;
/** CKM_EC_EDWARDS_KEY_PAIR_GEN. */
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
/** DER of the Ed25519 curve OID 1.3.101.112, the CKA_EC_PARAMS of an Ed25519 key. */
const ED25519_OID = Buffer.from('06032b6570', 'hex');

/** Generates on the token whatever of the Keyhole keys is missing (KEK 1, blind-index key,
 *  checkpoint and evidence pairs; some version of each counts, except for the evidence key)
 *  and returns the labels it created (empty when all were there). A public key without its
 *  private half is destroyed and the pair made again. @throws KeyholeError HSM_UNAVAILABLE. */
export function generateMissingKeys(token: Pkcs11Session): string[] {
  return token.run((s) => {
    const created: string[] = [];
    if (kekIdsOn(token.lib, s).length === 0) {
      generateAes(token, s, kekLabel(1));
      created.push(kekLabel(1));
    }
    if (!hasSomeVersion(token.lib, s, pkcs11js.CKO_SECRET_KEY, PKCS11_LABELS.blindIndex)) {
      generateHmac(token, s, PKCS11_LABELS.blindIndex);
      created.push(PKCS11_LABELS.blindIndex);
    }
    for (const label of [PKCS11_LABELS.checkpoint, PKCS11_LABELS.evidence]) {
      if (label === PKCS11_LABELS.checkpoint ? hasSomeVersion(token.lib, s, pkcs11js.CKO_PRIVATE_KEY, label) : token.find(s, pkcs11js.CKO_PRIVATE_KEY, label).length > 0) continue;
      generateEd25519(token, s, label);
      created.push(label);
    }
    return created;
  });
}

/** Runs `generate` unless the token has an object of `cls` labelled `label`.
 *  @throws KeyholeError CONFLICT with `conflict` as message when it has; HSM_UNAVAILABLE. */
export function generateUnlessPresent(token: Pkcs11Session, cls: number, label: string, conflict: string, generate: (s: OpenSession) => void): void {
  token.run((s) => {
    if (token.find(s, cls, label).length > 0) throw new KeyholeError('CONFLICT', conflict);
    generate(s);
  });
}

/** Generates a 32-byte generic secret `label` for CKM_SHA256_HMAC (CKA_SIGN, CKA_VERIFY).
 *  @throws Pkcs11Error. */
export function generateHmac(token: Pkcs11Session, s: OpenSession, label: string): void {
  token.lib.C_GenerateKey(s.handle, { mechanism: pkcs11js.CKM_GENERIC_SECRET_KEY_GEN }, [
    ...secretTemplate(label),
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
    { type: pkcs11js.CKA_VALUE_LEN, value: KEY_BYTES },
    { type: pkcs11js.CKA_SIGN, value: true },
    { type: pkcs11js.CKA_VERIFY, value: true },
  ]);
}

/** Generates an AES-256 key `label` for CKM_AES_GCM (CKA_ENCRYPT, CKA_DECRYPT; not CKA_WRAP or
 *  CKA_UNWRAP). @throws Pkcs11Error. */
export function generateAes(token: Pkcs11Session, s: OpenSession, label: string): void {
  token.lib.C_GenerateKey(s.handle, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
    ...secretTemplate(label),
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_VALUE_LEN, value: KEY_BYTES },
    { type: pkcs11js.CKA_ENCRYPT, value: true },
    { type: pkcs11js.CKA_DECRYPT, value: true },
    { type: pkcs11js.CKA_WRAP, value: false },
    { type: pkcs11js.CKA_UNWRAP, value: false },
  ]);
}

/** Generates Ed25519 pair `label` (public: CKA_VERIFY, not private; private: CKA_SIGN,
 *  sensitive, non-extractable), first destroying any public key `label` left without its
 *  private half. @throws Pkcs11Error. */
export function generateEd25519(token: Pkcs11Session, s: OpenSession, label: string): void {
  for (const h of token.find(s, pkcs11js.CKO_PUBLIC_KEY, label)) token.lib.C_DestroyObject(s.handle, h); // orphan half
  token.lib.C_GenerateKeyPair(s.handle, { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN }, [
    ...storedAs(label, false),
    { type: pkcs11js.CKA_EC_PARAMS, value: ED25519_OID },
    { type: pkcs11js.CKA_VERIFY, value: true },
  ], [
    ...storedAs(label, true),
    ...NEVER_LEAVES,
    { type: pkcs11js.CKA_SIGN, value: true },
  ]);
}

/** A secret key object (CKO_SECRET_KEY) `label` that never leaves the token. */
function secretTemplate(label: string): P11.Template {
  return [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY }, ...storedAs(label, true), ...NEVER_LEAVES];
}

/** A token object (CKA_TOKEN) with CKA_PRIVATE `isPrivate` (readable only after C_Login) and
 *  CKA_LABEL and CKA_ID both `label`. */
function storedAs(label: string, isPrivate: boolean): P11.Template {
  return [
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: isPrivate },
    { type: pkcs11js.CKA_LABEL, value: label },
    { type: pkcs11js.CKA_ID, value: Buffer.from(label) },
  ];
}

/** CKA_SENSITIVE and not CKA_EXTRACTABLE: the key value can never be read or wrapped out. */
const NEVER_LEAVES: P11.Template = [
  { type: pkcs11js.CKA_SENSITIVE, value: true },
  { type: pkcs11js.CKA_EXTRACTABLE, value: false },
];
