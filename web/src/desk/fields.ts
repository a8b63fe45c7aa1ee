// The customer fields as the desk shows them: a label, a group and, for verify-only fields, a
// hint of the answer format. The server decides levels and values; this is presentation only.

export interface FieldInfo {
  readonly label: string;
  readonly group: 'Identity' | 'Security' | 'Financial' | 'Account';
  readonly hint?: string;
  /** What the server compares when this field is checked (src/fields/normalize.ts), in words. */
  readonly compares?: string;
}

export const FIELD_INFO: Readonly<Record<string, FieldInfo>> = {
  fullName: { label: 'Full name', group: 'Identity', hint: 'Full name as the caller says it', compares: 'Compares the whole name, ignoring case and accents.' },
  email: { label: 'E-mail', group: 'Identity', hint: 'name@example.com', compares: 'Compares the whole address, ignoring case.' },
  phone: { label: 'Phone', group: 'Identity', hint: '+44 20 7946 0958', compares: 'Compares the full number (country code from the account if not given).' },
  dateOfBirth: { label: 'Date of birth', group: 'Identity', hint: 'YYYY-MM-DD or DD/MM/YYYY', compares: 'Compares the full date.' },
  address: { label: 'Residential address', group: 'Identity', hint: 'Postal code only, e.g. SW1A 1AA', compares: 'Compares the postal code only — not the street or city.' },
  nationality: { label: 'Nationality', group: 'Identity' },
  governmentId: { label: 'Government ID', group: 'Identity', hint: 'Document number', compares: 'Compares the document number, ignoring spaces and dashes.' },
  kycDocuments: { label: 'KYC documents', group: 'Identity' },
  twoFactorMethod: { label: '2FA method', group: 'Security' },
  lastLoginAt: { label: 'Last login', group: 'Security' },
  lastLoginIp: { label: 'Last login IP', group: 'Security' },
  lastLoginDevice: { label: 'Last login device', group: 'Security' },
  withdrawalAllowlist: { label: 'Withdrawal allowlist', group: 'Security' },
  pgpFingerprint: { label: 'PGP fingerprint', group: 'Security' },
  antiPhishingCode: { label: 'Anti-phishing code', group: 'Security', hint: 'The code the customer set', compares: 'Compares the code exactly, case included.' },
  totalBalance: { label: 'Total balance', group: 'Financial' },
  holdings: { label: 'Holdings', group: 'Financial' },
  transactions: { label: 'Transactions', group: 'Financial' },
  bankAccounts: { label: 'Bank accounts', group: 'Financial' },
  accountId: { label: 'Account ID', group: 'Account' },
  tier: { label: 'Tier', group: 'Account' },
  accountStatus: { label: 'Status', group: 'Account' },
  jurisdiction: { label: 'Jurisdiction', group: 'Account' },
  createdAt: { label: 'Customer since', group: 'Account' },
};

export const GROUPS = ['Identity', 'Security', 'Financial', 'Account'] as const;

/** The label of a field name. */
export const fieldLabel = (name: string) => FIELD_INFO[name]?.label ?? name;
