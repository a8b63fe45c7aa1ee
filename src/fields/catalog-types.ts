// Names shared by the field catalog, the purpose table and the policy: fields, groups,
// ticket purposes and approval kinds. DESIGN.md "Data model".

/** Every customer field Keyhole knows, by group. */
export const FIELD_NAMES = [
  // identity
  'fullName', 'email', 'phone', 'dateOfBirth', 'address', 'nationality', 'governmentId', 'kycDocuments',
  // security
  'twoFactorMethod', 'lastLoginAt', 'lastLoginIp', 'lastLoginDevice', 'withdrawalAllowlist', 'pgpFingerprint', 'antiPhishingCode',
  // financial
  'totalBalance', 'holdings', 'transactions', 'bankAccounts',
  // account
  'accountId', 'tier', 'accountStatus', 'jurisdiction', 'createdAt',
] as const;

/** A customer field name. */
export type FieldName = (typeof FIELD_NAMES)[number];

/** True when `name` is a FieldName. */
export function isFieldName(name: unknown): name is FieldName {
  return typeof name === 'string' && (FIELD_NAMES as readonly string[]).includes(name);
}

/** The groups of DESIGN.md. */
export type FieldGroup = 'identity' | 'security' | 'financial' | 'account';

/** The standard support ticket categories; `fraud_investigation` is for the security team only. */
export const PURPOSES = [
  'account_access', 'withdrawal_issue', 'deposit_missing', 'kyc_review', 'account_closure', 'general_inquiry', 'fraud_investigation',
] as const;

/** A ticket purpose (category). */
export type Purpose = (typeof PURPOSES)[number];

/** Who must approve a reveal above the default level: a supervisor (four-eyes), the customer
 *  (consent), or both. `none` is never used for reveals of protected fields. */
export type Approval = 'supervisor' | 'customer' | 'supervisor_and_customer';

/** One cell of the purpose table: what a ticket of a purpose shows of a field by default, the
 *  most a grant can raise it to, and who must approve such a grant. A field a purpose does not
 *  list is `hidden` with ceiling `hidden`. */
export interface PurposeRule {
  readonly default: import('./levels.js').Level;
  readonly ceiling: import('./levels.js').Level;
  readonly approval: Approval;
}
