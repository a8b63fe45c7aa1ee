// Plain words for customers and regulators: what each field is and what each level showed.
// Used by notifications, the customer portal and the regulator report. Browser-safe.
import type { Level } from '../fields/levels.js';
import { EXISTENCE } from './exposure.js';

/** What a field is, addressed to the customer ("your …"). */
export const FIELD_WORDS: Readonly<Record<string, string>> = {
  fullName: 'your name', email: 'your e-mail address', phone: 'your phone number', dateOfBirth: 'your date of birth',
  address: 'your home address', nationality: 'your nationality', governmentId: 'your government ID number',
  kycDocuments: 'your identity documents', twoFactorMethod: 'which two-factor method you use', lastLoginAt: 'when you last signed in',
  lastLoginIp: 'the IP address you last signed in from', lastLoginDevice: 'the device you last signed in with',
  withdrawalAllowlist: 'your list of withdrawal addresses', pgpFingerprint: 'your PGP key fingerprint', antiPhishingCode: 'your anti-phishing code',
  totalBalance: 'your total balance', holdings: 'your holdings per asset', transactions: 'your transactions', bankAccounts: 'your linked bank accounts',
  accountId: 'your account number', tier: 'your account tier', accountStatus: 'your account status', jurisdiction: 'your country of residence',
  createdAt: 'when you opened your account', [EXISTENCE]: 'that you are our customer',
};

/** The data category of a field for a regulator (GDPR Art. 33(3)(a) "categories of records"). */
export const FIELD_CATEGORY: Readonly<Record<string, string>> = {
  fullName: 'identity', email: 'contact details', phone: 'contact details', dateOfBirth: 'identity', address: 'contact details',
  nationality: 'identity', governmentId: 'identity documents', kycDocuments: 'identity documents', twoFactorMethod: 'account security',
  lastLoginAt: 'account security', lastLoginIp: 'account security', lastLoginDevice: 'account security', withdrawalAllowlist: 'financial',
  pgpFingerprint: 'account security', antiPhishingCode: 'account security', totalBalance: 'financial', holdings: 'financial',
  transactions: 'financial', bankAccounts: 'financial', accountId: 'account', tier: 'account', accountStatus: 'account',
  jurisdiction: 'account', createdAt: 'account', [EXISTENCE]: 'customer relationship',
};

/** What a level showed, in plain words, without an example (examples are per field:
 *  LEVEL_EXAMPLES). */
export const LEVEL_WORDS: Readonly<Record<Level, string>> = {
  hidden: 'not shown',
  verify_only: 'not shown: the agent could only check an answer against it (match or no match)',
  masked: 'partly hidden',
  banded: 'as a range, not the exact amount',
  revealed: 'in full',
};

/** An example of what a masked or banded field looked like, per field; a field without one gets
 *  no example (an e-mail example under "your phone number" would mislead, issue 19). Made-up
 *  values in the shapes of src/fields/masking.ts and bands.ts (never a customer's). */
export const LEVEL_EXAMPLES: Readonly<Partial<Record<Level, Readonly<Record<string, string>>>>> = {
  masked: {
    email: 'j***@g***.com', phone: '+•• ••• •••• ••42', fullName: 'Jane D.', dateOfBirth: '1990-••-••', address: 'the city and country only',
    governmentId: '••••42', kycDocuments: 'the document type only', lastLoginAt: 'the day only', lastLoginIp: '203.0.x.x', lastLoginDevice: 'Chrome on macOS',
    withdrawalAllowlist: 'bc1qar…5mdq', pgpFingerprint: '•••• ABCD', bankAccounts: 'DE•• •••• 1234',
  },
  banded: { totalBalance: '$10k–$100k', holdings: 'BTC $10k–$100k' },
};

/** "partly hidden (for example J*** S***)" for `field` at `level`, or the level's words alone
 *  when the field has no example at that level. */
export function levelWords(field: string, level: Level): string {
  const example = LEVEL_EXAMPLES[level]?.[field];
  return example === undefined ? LEVEL_WORDS[level] : `${LEVEL_WORDS[level]} (for example ${example})`;
}

/** Account attributes that are not sensitive on their own (tier, status, country…): shown to
 *  every agent on every ticket, so they are never counted as "revealed" (issue 14 item 6). */
export const PLAIN_ATTRIBUTES: ReadonlySet<string> = new Set(['accountId', 'tier', 'accountStatus', 'jurisdiction', 'createdAt']);

/** How `level` showed `field` in plain words: a plain attribute shown in full is "shown (not
 *  sensitive on its own)"; otherwise levelWords (the field's own example, or none). */
export function levelWordsFor(field: string, level: Level): string {
  if (level === 'revealed' && PLAIN_ATTRIBUTES.has(field)) return 'shown (not sensitive on its own)';
  return levelWords(field, level);
}

/** "your phone number" for a field name (the name itself when unknown). */
export function fieldWords(field: string): string {
  return FIELD_WORDS[field] ?? field;
}

/** A line saying how a field was seen, e.g. "your phone number — partly hidden …, 3 times
 *  between 2026-01-05 09:00 and 10:12 UTC". Existence reads "that you are our customer". */
export function seenLine(f: { readonly field: string; readonly level: Level; readonly count: number; readonly firstAt: string; readonly lastAt: string }): string {
  const when = f.firstAt === f.lastAt ? `on ${utc(f.firstAt)}` : `between ${utc(f.firstAt)} and ${utc(f.lastAt)}`;
  const times = f.count === 1 ? 'once' : `${f.count} times`;
  if (f.field === EXISTENCE) return `${fieldWords(f.field)} (looked up ${times}, ${when})`;
  return `${fieldWords(f.field)}: ${levelWordsFor(f.field, f.level)}; ${times}, ${when}`;
}

/** `2026-01-05 09:00 UTC` of an ISO time. */
export function utc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
