// The purpose table: for each ticket category, which fields it shows, at what level by default,
// how far a just-in-time grant may raise them and who must approve that. One declarative table
// (DESIGN.md "Data model", "Ticket purposes"); the Cedar policies and the broker read it.
import type { Approval, FieldName, Purpose, PurposeRule } from './catalog-types.js';
import type { Level } from './levels.js';

/** A purpose's rules; a field it does not list is hidden with ceiling hidden. */
export type PurposeRules = Readonly<Partial<Record<FieldName, PurposeRule>>>;

/** One cell: shown at `d`, raisable to `c` (default: not raisable) with `a`'s approval. */
const rule = (d: Level, c: Level = d, a: Approval = 'supervisor'): PurposeRule => Object.freeze({ default: d, ceiling: c, approval: a });

/** Account attributes live in plain columns and are shown for every purpose. */
const ACCOUNT: PurposeRules = {
  accountId: rule('revealed'),
  tier: rule('revealed'),
  accountStatus: rule('revealed'),
  jurisdiction: rule('revealed'),
  createdAt: rule('revealed'),
};

/** The caller-identification set most purposes share: name as first name + initial, contact
 *  details masked, the rest verify-only ("verify, don't view"). */
const IDENTIFY: PurposeRules = {
  fullName: rule('masked', 'revealed'),
  email: rule('masked', 'revealed'),
  phone: rule('masked', 'revealed'),
  dateOfBirth: rule('verify_only'),
  address: rule('verify_only'),
  governmentId: rule('verify_only'),
  twoFactorMethod: rule('revealed'),
};

/** The purpose table. Reveals of the full address, total balance, holdings, government ID
 *  number and KYC documents always need the customer's consent (`customer` or
 *  `supervisor_and_customer`); every other raise needs a supervisor (four-eyes). Transactions
 *  are further limited to the ticket's referenced ones by `renderField`, except for
 *  `fraud_investigation`, which the policy restricts to the security team. */
export const PURPOSE_TABLE: Readonly<Record<Purpose, PurposeRules>> = Object.freeze({
  // Locked out, lost 2FA, suspicious login: contact details, login trail, 2FA.
  account_access: Object.freeze({
    ...ACCOUNT,
    ...IDENTIFY,
    antiPhishingCode: rule('verify_only'),
    lastLoginAt: rule('masked', 'revealed'),
    lastLoginIp: rule('masked', 'revealed'),
    lastLoginDevice: rule('masked', 'revealed'),
  }),
  // A withdrawal is stuck or rejected: the referenced transactions, the allowlist, the balance band.
  withdrawal_issue: Object.freeze({
    ...ACCOUNT,
    ...IDENTIFY,
    phone: rule('masked'),
    lastLoginAt: rule('masked', 'revealed'),
    lastLoginIp: rule('masked'),
    withdrawalAllowlist: rule('masked', 'revealed'),
    totalBalance: rule('banded', 'revealed', 'customer'),
    holdings: rule('banded', 'revealed', 'customer'),
    transactions: rule('revealed'),
    bankAccounts: rule('masked', 'revealed'),
  }),
  // A deposit has not arrived: the referenced transactions and the linked bank accounts.
  deposit_missing: Object.freeze({
    ...ACCOUNT,
    ...IDENTIFY,
    phone: rule('masked'),
    transactions: rule('revealed'),
    bankAccounts: rule('masked', 'revealed'),
    totalBalance: rule('banded', 'revealed', 'customer'),
    holdings: rule('masked', 'revealed', 'customer'),
  }),
  // Identity verification: identity stays verify-only; documents only with both approvals.
  kyc_review: Object.freeze({
    ...ACCOUNT,
    ...IDENTIFY,
    dateOfBirth: rule('verify_only', 'revealed'),
    address: rule('verify_only', 'revealed', 'supervisor_and_customer'),
    nationality: rule('revealed'),
    governmentId: rule('verify_only', 'revealed', 'supervisor_and_customer'),
    kycDocuments: rule('masked', 'revealed', 'supervisor_and_customer'),
  }),
  // Closing the account: balance band, where the money goes (bank accounts, allowlist).
  account_closure: Object.freeze({
    ...ACCOUNT,
    ...IDENTIFY,
    totalBalance: rule('banded', 'revealed', 'customer'),
    holdings: rule('banded', 'revealed', 'customer'),
    transactions: rule('masked', 'revealed'),
    bankAccounts: rule('masked', 'revealed'),
    withdrawalAllowlist: rule('masked'),
  }),
  // Anything else: enough to greet and identify the caller, nothing more.
  general_inquiry: Object.freeze({
    ...ACCOUNT,
    fullName: rule('masked'),
    email: rule('masked'),
    dateOfBirth: rule('verify_only'),
    twoFactorMethod: rule('revealed'),
  }),
  // Security team only (the policy enforces the role): wide masked view, high ceilings.
  fraud_investigation: Object.freeze({
    ...ACCOUNT,
    ...IDENTIFY,
    dateOfBirth: rule('verify_only', 'revealed'),
    address: rule('masked', 'revealed', 'supervisor_and_customer'),
    nationality: rule('revealed'),
    governmentId: rule('masked', 'revealed', 'supervisor_and_customer'),
    kycDocuments: rule('masked', 'revealed', 'supervisor_and_customer'),
    lastLoginAt: rule('masked', 'revealed'),
    lastLoginIp: rule('masked', 'revealed'),
    lastLoginDevice: rule('masked', 'revealed'),
    withdrawalAllowlist: rule('masked', 'revealed'),
    pgpFingerprint: rule('masked', 'revealed'),
    antiPhishingCode: rule('verify_only'),
    totalBalance: rule('banded', 'revealed', 'supervisor_and_customer'),
    holdings: rule('banded', 'revealed', 'supervisor_and_customer'),
    transactions: rule('masked', 'revealed'),
    bankAccounts: rule('masked', 'revealed'),
  }),
});

/** The rule of an unlisted field: hidden, not raisable. */
export const HIDDEN_RULE: PurposeRule = rule('hidden', 'hidden', 'supervisor');

/** The rule of `field` under `purpose`: `{default, ceiling, approval}` from PURPOSE_TABLE, or
 *  HIDDEN_RULE (`{default:'hidden', ceiling:'hidden', approval:'supervisor'}`) when the purpose
 *  does not list the field. Total over Purpose × FieldName; never throws. */
export function purposeRule(purpose: Purpose, field: FieldName): PurposeRule {
  // Own properties only: a purpose or field read from storage must not reach Object.prototype.
  const rules = Object.hasOwn(PURPOSE_TABLE, purpose) ? PURPOSE_TABLE[purpose] : undefined;
  return (rules !== undefined && Object.hasOwn(rules, field) ? rules[field] : undefined) ?? HIDDEN_RULE;
}
