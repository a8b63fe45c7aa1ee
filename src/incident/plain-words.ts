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

/** What a level showed, in plain words. */
export const LEVEL_WORDS: Readonly<Record<Level, string>> = {
  hidden: 'not shown',
  verify_only: 'not shown: the agent could only check an answer against it (match or no match)',
  masked: 'partly hidden (for example j***@g***.com)',
  banded: 'as a range (for example $10k–$100k), not the exact amount',
  revealed: 'in full',
};

/** What "partly hidden" meant for each field, with an example of that field's own mask
 *  (src/fields/masking.ts), so a phone number is not illustrated by an e-mail mask. */
export const MASKED_WORDS: Readonly<Record<string, string>> = {
  fullName: 'partly hidden (first name and last initial, for example Jane D.)',
  email: 'partly hidden (for example j***@g***.com)',
  phone: 'partly hidden (only the last two digits, for example +•• ••• •••• ••42)',
  dateOfBirth: 'partly hidden (the year only, for example 1990-••-••)',
  address: 'partly hidden (city and country only)',
  governmentId: 'partly hidden (the last characters only)',
  lastLoginIp: 'partly hidden (the network only, for example 203.0.x.x)',
  withdrawalAllowlist: 'partly hidden (the start and end of each address)',
  bankAccounts: 'partly hidden (the last digits of each account)',
  holdings: 'partly hidden (which assets, not the amounts)',
};

/** Account attributes that are not sensitive on their own (tier, status, country…): shown to
 *  every agent on every ticket, so they are never counted as "revealed" (issue 14 item 6). */
export const PLAIN_ATTRIBUTES: ReadonlySet<string> = new Set(['accountId', 'tier', 'accountStatus', 'jurisdiction', 'createdAt']);

/** How `level` showed `field` in plain words (a field-specific example for masked). */
export function levelWordsFor(field: string, level: Level): string {
  if (level === 'masked') return MASKED_WORDS[field] ?? 'partly hidden';
  if (level === 'revealed' && PLAIN_ATTRIBUTES.has(field)) return 'shown (not sensitive on its own)';
  return LEVEL_WORDS[level];
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
