// The customer field catalog: for every field its group, value kind, label, whether it is
// encrypted at rest, the disclosure levels that make sense for it and how a verify-only
// comparison normalizes an answer. DESIGN.md "Data model" (field catalog).
import { KeyholeError } from '../shared/errors.js';
import { isFieldName, type FieldGroup, type FieldName } from './catalog-types.js';
import { levelRank, type Level } from './levels.js';

/** The value kinds; each has one masking function (masking.ts) and one value type (values.ts). */
export type FieldKind =
  | 'name' | 'email' | 'phone' | 'date' | 'address' | 'country' | 'government_id' | 'documents'
  | 'enum' | 'timestamp' | 'ip' | 'device' | 'wallet_list' | 'fingerprint' | 'text'
  | 'money' | 'holdings' | 'transactions' | 'iban_list' | 'account_id';

/** How a verify-only comparison normalizes both sides (normalize.ts):
 *  `date` → YYYY-MM-DD; `phone` → E.164; `email` → NFKC, trimmed, lowercase; `name` → NFKC,
 *  lowercase, diacritics folded, whitespace collapsed; `postal_code` → the address's postal code,
 *  uppercase without spaces (only the postal code of an address is compared); `exact_id` →
 *  uppercase with separators removed; `exact_text` → NFKC, trimmed, case kept. */
export type VerifyMethod = 'date' | 'phone' | 'email' | 'name' | 'postal_code' | 'exact_id' | 'exact_text';

/** One catalog entry. `levels` is ascending and always starts with `hidden`; `verify_only` is in
 *  it exactly when `verify` is defined. `protected` = encrypted at rest under the customer's
 *  data key (false only for the account attributes kept in plain columns). */
export interface FieldSpec {
  readonly name: FieldName;
  readonly group: FieldGroup;
  readonly kind: FieldKind;
  readonly label: string;
  readonly protected: boolean;
  readonly levels: readonly Level[];
  readonly verify: VerifyMethod | undefined;
}

type Entry = Omit<FieldSpec, 'name' | 'levels'> & { readonly levels: readonly Level[] };

const H: Level = 'hidden';
const V: Level = 'verify_only';
const M: Level = 'masked';
const B: Level = 'banded';
const R: Level = 'revealed';

const ENTRIES: Record<FieldName, Entry> = {
  fullName: { group: 'identity', kind: 'name', label: 'Full name', protected: true, levels: [H, V, M, R], verify: 'name' },
  email: { group: 'identity', kind: 'email', label: 'E-mail', protected: true, levels: [H, V, M, R], verify: 'email' },
  phone: { group: 'identity', kind: 'phone', label: 'Phone', protected: true, levels: [H, V, M, R], verify: 'phone' },
  dateOfBirth: { group: 'identity', kind: 'date', label: 'Date of birth', protected: true, levels: [H, V, M, R], verify: 'date' },
  address: { group: 'identity', kind: 'address', label: 'Residential address', protected: true, levels: [H, V, M, R], verify: 'postal_code' },
  nationality: { group: 'identity', kind: 'country', label: 'Nationality', protected: true, levels: [H, R], verify: undefined },
  governmentId: { group: 'identity', kind: 'government_id', label: 'Government ID number', protected: true, levels: [H, V, M, R], verify: 'exact_id' },
  kycDocuments: { group: 'identity', kind: 'documents', label: 'KYC documents', protected: true, levels: [H, M, R], verify: undefined },
  twoFactorMethod: { group: 'security', kind: 'enum', label: '2FA method', protected: true, levels: [H, R], verify: undefined },
  lastLoginAt: { group: 'security', kind: 'timestamp', label: 'Last login time', protected: true, levels: [H, M, R], verify: undefined },
  lastLoginIp: { group: 'security', kind: 'ip', label: 'Last login IP', protected: true, levels: [H, M, R], verify: undefined },
  lastLoginDevice: { group: 'security', kind: 'device', label: 'Last login device', protected: true, levels: [H, M, R], verify: undefined },
  withdrawalAllowlist: { group: 'security', kind: 'wallet_list', label: 'Withdrawal allowlist', protected: true, levels: [H, M, R], verify: undefined },
  pgpFingerprint: { group: 'security', kind: 'fingerprint', label: 'PGP key fingerprint', protected: true, levels: [H, M, R], verify: undefined },
  antiPhishingCode: { group: 'security', kind: 'text', label: 'Anti-phishing code', protected: true, levels: [H, V, R], verify: 'exact_text' },
  totalBalance: { group: 'financial', kind: 'money', label: 'Total balance (USD)', protected: true, levels: [H, B, R], verify: undefined },
  holdings: { group: 'financial', kind: 'holdings', label: 'Holdings', protected: true, levels: [H, M, B, R], verify: undefined },
  transactions: { group: 'financial', kind: 'transactions', label: 'Deposits and withdrawals', protected: true, levels: [H, M, R], verify: undefined },
  bankAccounts: { group: 'financial', kind: 'iban_list', label: 'Linked bank accounts', protected: true, levels: [H, M, R], verify: undefined },
  accountId: { group: 'account', kind: 'account_id', label: 'Account ID', protected: false, levels: [H, R], verify: undefined },
  tier: { group: 'account', kind: 'enum', label: 'Tier', protected: false, levels: [H, R], verify: undefined },
  accountStatus: { group: 'account', kind: 'enum', label: 'Account status', protected: false, levels: [H, R], verify: undefined },
  jurisdiction: { group: 'account', kind: 'country', label: 'Jurisdiction', protected: false, levels: [H, R], verify: undefined },
  createdAt: { group: 'account', kind: 'timestamp', label: 'Created at', protected: false, levels: [H, R], verify: undefined },
};

/** The catalog, keyed by field name (frozen). */
export const FIELD_CATALOG: Readonly<Record<FieldName, FieldSpec>> = Object.freeze(
  Object.fromEntries(
    (Object.keys(ENTRIES) as FieldName[]).map((name) => [name, Object.freeze({ name, ...ENTRIES[name], levels: Object.freeze([...ENTRIES[name].levels]) })]),
  ) as Record<FieldName, FieldSpec>,
);

/** The catalog entry of `name` (attacker-controlled at the HTTP edge).
 *  @throws KeyholeError UNKNOWN_FIELD when `name` is not a FieldName. */
export function fieldSpec(name: string): FieldSpec {
  if (!isFieldName(name)) throw new KeyholeError('UNKNOWN_FIELD');
  return FIELD_CATALOG[name];
}

/** True when `field` has a rendering at exactly `level`. */
export function supportsLevel(field: FieldName, level: Level): boolean {
  return FIELD_CATALOG[field].levels.includes(level);
}

/** The highest level `field` supports that is not above `level` (always defined, since every
 *  field supports `hidden`). E.g. `effectiveLevel('totalBalance', 'masked')` is `hidden`. */
export function effectiveLevel(field: FieldName, level: Level): Level {
  const rank = levelRank(level);
  let best: Level = 'hidden';
  for (const l of FIELD_CATALOG[field].levels) if (levelRank(l) <= rank && levelRank(l) > levelRank(best)) best = l;
  return best;
}

/** The fields that are encrypted at rest. */
export const PROTECTED_FIELDS: readonly FieldName[] = Object.freeze((Object.keys(ENTRIES) as FieldName[]).filter((f) => ENTRIES[f].protected));
