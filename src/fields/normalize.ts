// Canonical forms for verify-only comparison and exact-match lookup. The vault HMACs these
// strings into blind indexes, so the stored side (canonicalFromValue) and the caller's side
// (canonicalFromAnswer) MUST agree on every format of the same value. Methods: catalog.ts.
import { FIELD_CATALOG, type VerifyMethod } from './catalog.js';
import type { FieldName } from './catalog-types.js';
import { KeyholeError } from '../shared/errors.js';
import { canonicalDate } from './normalize-date.js';
import { canonicalPhone } from './normalize-phone.js';

/** Context for national formats: `country` is the customer's jurisdiction (ISO 3166-1 alpha-2). */
export interface NormalizeHint {
  readonly country?: string;
}

const WS = /\s+/gu;
const HAS_WS = /\s/u;
const MARKS = /\p{M}+/gu;
/** Letters NFD does not decompose, folded by hand. */
const FOLDS: Readonly<Record<string, string>> = { ß: 'ss', ø: 'o', æ: 'ae', œ: 'oe', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };
/** Dropped from names (`O'Brien` = `OBrien`, `St. John` = `St John`). */
const NAME_DROP = new Set(["'", '\u2019', '\u2018', '`', '.', ',']);
/** Separators dropped from IDs and postal codes. */
const ID_SEPARATORS = new Set([' ', '-', '.', '/', '_', '\u00a0', '\u2010', '\u2011', '\u2013']);

/** E-mail: NFKC, trimmed, lowercase; null unless it has one `@` with text on both sides and no
 *  whitespace. (Local parts are treated case-insensitively, as every large provider does.) */
export function canonicalEmail(text: string): string | null {
  const e = text.normalize('NFKC').trim().toLowerCase();
  const at = e.indexOf('@');
  if (at <= 0 || at !== e.lastIndexOf('@') || at === e.length - 1 || HAS_WS.test(e)) return null;
  return e;
}

/** Names: NFKC, lowercase, diacritics folded (`José Müller` = `jose muller`, `ß` = `ss`),
 *  apostrophes and periods dropped, hyphens as spaces, whitespace collapsed; null when empty. */
export function canonicalName(text: string): string | null {
  const base = text.normalize('NFKC').toLowerCase().normalize('NFD').replace(MARKS, '').normalize('NFC');
  const folded = Array.from(base)
    .filter((c) => !NAME_DROP.has(c))
    .map((c) => (c === '-' || c === '\u2010' ? ' ' : (FOLDS[c] ?? c)))
    .join('');
  const out = folded.replace(WS, ' ').trim();
  return out === '' ? null : out;
}

/** Postal codes: NFKC, uppercase, spaces and dashes removed (`sw1a 1aa` = `SW1A1AA`,
 *  `100-0001` = `1000001`); for the US only the 5-digit ZIP (ZIP+4 dropped). Null when empty. */
export function canonicalPostalCode(text: string, country?: string): string | null {
  const c = stripSeparators(text.normalize('NFKC').toUpperCase());
  if (c === '' || c.length > 16) return null;
  return country?.toUpperCase() === 'US' && c.length === 9 ? c.slice(0, 5) : c;
}

/** Government IDs: NFKC, uppercase, separators (spaces, dashes, dots, slashes) removed. */
export function canonicalId(text: string): string | null {
  const c = stripSeparators(text.normalize('NFKC').toUpperCase());
  return c === '' ? null : c;
}

/** Exact text (anti-phishing codes): NFKC and trimmed, case kept. */
export function canonicalText(text: string): string | null {
  const t = text.normalize('NFKC').trim();
  return t === '' ? null : t;
}

function stripSeparators(s: string): string {
  return Array.from(s.trim()).filter((ch) => !ID_SEPARATORS.has(ch)).join('');
}

function byMethod(method: VerifyMethod, text: string, hint: NormalizeHint): string | null {
  switch (method) {
    case 'date': return canonicalDate(text, hint.country);
    case 'phone': return canonicalPhone(text, hint.country);
    case 'email': return canonicalEmail(text);
    case 'name': return canonicalName(text);
    case 'postal_code': return canonicalPostalCode(text, hint.country);
    case 'exact_id': return canonicalId(text);
    case 'exact_text': return canonicalText(text);
  }
}

function methodOf(field: FieldName): VerifyMethod {
  const method = FIELD_CATALOG[field].verify;
  if (method === undefined) throw new KeyholeError('FIELD_NOT_VERIFIABLE', `${field} has no verification method.`);
  return method;
}

/** The canonical form of a stored value (the vault's blind-index input): a string field through
 *  its method; an address → its postal code under its own `country` (only the postal code is
 *  compared, so an agent can check "what is your postcode?" without seeing the address).
 *  Phone values SHOULD be stored in E.164; a national one needs `hint.country`.
 *  @returns the canonical string, or null when the value does not parse.
 *  @throws KeyholeError FIELD_NOT_VERIFIABLE when the field has no verification method. */
export function canonicalFromValue(field: FieldName, storedValue: unknown, hint: NormalizeHint = {}): string | null {
  const method = methodOf(field);
  if (method === 'postal_code') {
    if (typeof storedValue !== 'object' || storedValue === null) return null;
    const { postalCode, country } = storedValue as { postalCode?: unknown; country?: unknown };
    if (typeof postalCode !== 'string') return null;
    return canonicalPostalCode(postalCode, typeof country === 'string' ? country : hint.country);
  }
  return typeof storedValue === 'string' ? byMethod(method, storedValue, hint) : null;
}

/** The canonical form of a caller's answer (`answer` is attacker-controlled free text, at most
 *  1,000 characters are considered; longer → null). For `address` the answer is the postal code.
 *  `hint.country` (the customer's jurisdiction) decides national phone numbers, month-first
 *  dates (US) and ZIP codes.
 *  @returns the canonical string, or null when the answer does not parse (a failed attempt).
 *  @throws KeyholeError FIELD_NOT_VERIFIABLE when the field has no verification method. */
export function canonicalFromAnswer(field: FieldName, answer: string, hint: NormalizeHint = {}): string | null {
  const method = methodOf(field);
  if (typeof answer !== 'string' || answer.length > 1000) return null;
  return byMethod(method, answer, hint);
}
