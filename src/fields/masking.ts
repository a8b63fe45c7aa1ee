// The `masked` (and `banded`) renderings, one pure function per field kind. Each keeps only what
// DESIGN.md's field catalog allows (first name + initial, `j***@g***.com`, IP /16, last digits)
// and its output has a fixed shape wherever the length itself would say something.
import { bandUsd, type MoneyBand } from './bands.js';
import { parseIp } from './ip.js';
import type { Address, AllowlistEntry, BankAccount, Holding, KycDocument, KycDocumentType, Transaction } from './values.js';

/** The mask character. */
export const DOT = '•';

const WS = /\s+/u;
const codePoints = (s: string): string[] => Array.from(s);

/** `jane.doe@gmail.com` → `j***@g***.com`: the first character of the local part, the first
 *  character of the first domain label and the last label (TLD). Nothing else, whatever the
 *  lengths. A value without `@` masks to `***`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return '***';
  const local = codePoints(email.slice(0, at).trim());
  const labels = email.slice(at + 1).trim().split('.').filter((l) => l !== '');
  const first = codePoints(labels[0] ?? '')[0] ?? '';
  const tld = labels.length >= 2 ? `.${labels[labels.length - 1] as string}` : '';
  return `${local[0] ?? ''}***@${first}***${tld}`;
}

/** Any phone number → `+•• ••• •••• ••42`: only the last two digits, in a fixed shape that hides
 *  the country code and the length. Fewer than 6 digits shows no digit at all. */
export function maskPhone(phone: string): string {
  const digits = codePoints(phone).filter((c) => c >= '0' && c <= '9');
  const tail = digits.length >= 6 ? digits.slice(-2).join('') : DOT.repeat(2);
  return `+${DOT.repeat(2)} ${DOT.repeat(3)} ${DOT.repeat(4)} ${DOT.repeat(2)}${tail}`;
}

/** `Jane Mary Doe` → `Jane D.`: the first given name and the initial of the last name. A single
 *  word (a mononym) shows only its initial (`S.`), so the full value never appears. */
export function maskName(name: string): string {
  const words = name.trim().split(WS).filter((w) => w !== '');
  const initial = (w: string | undefined) => `${(codePoints(w ?? '')[0] ?? '').toUpperCase()}.`;
  if (words.length === 0) return '';
  if (words.length === 1) return initial(words[0]);
  return `${words[0] as string} ${initial(words[words.length - 1])}`;
}

/** A date of birth `1990-03-07` → `1990-••-••` (the year only); anything else → `unknown`. */
export function maskDate(date: string): string {
  const m = /^([0-9]{4})-[0-9]{2}-[0-9]{2}$/.exec(date.trim());
  return m ? `${m[1] as string}-${DOT.repeat(2)}-${DOT.repeat(2)}` : 'unknown';
}

/** An address → its city and country only (no street, postal code or region). */
export function maskAddress(address: Address): { readonly city: string; readonly country: string } {
  return { city: address.city, country: address.country };
}

/** IPv4 → its /16 (`203.0.x.x`); IPv6 → its /32 (`2001:db8:x:x:x:x:x:x`); an IPv4-mapped IPv6
 *  address masks as IPv4. Unparseable input → `unknown`. */
export function maskIp(ip: string): string {
  const p = parseIp(ip);
  if (!p) return 'unknown';
  if (p.v === 4) return `${p.octets[0] as number}.${p.octets[1] as number}.x.x`;
  return `${(p.groups[0] as number).toString(16)}:${(p.groups[1] as number).toString(16)}:x:x:x:x:x:x`;
}

const BROWSERS: readonly (readonly [string, string])[] = [
  ['edge', 'Edge'], ['opera', 'Opera'], ['brave', 'Brave'], ['samsungbrowser', 'Samsung Internet'], ['firefox', 'Firefox'],
  ['chrome', 'Chrome'], ['chromium', 'Chromium'], ['safari', 'Safari'], ['app', 'Mobile app'],
];
const SYSTEMS: readonly (readonly [string, string])[] = [
  ['windows', 'Windows'], ['ipados', 'iPadOS'], ['ipad', 'iPadOS'], ['ios', 'iOS'], ['iphone', 'iOS'], ['macos', 'macOS'], ['mac', 'macOS'],
  ['android', 'Android'], ['chromeos', 'ChromeOS'], ['linux', 'Linux'], ['ubuntu', 'Linux'],
];

/** A device description (`Chrome 126.0.1 on macOS 14.5 (MacBookPro18,3)`) → its family only
 *  (`Chrome on macOS`), chosen from a fixed list of browser and OS names, so no version, model or
 *  free text passes through. Nothing recognized → `Unknown device`. */
export function maskDevice(device: string): string {
  const words = new Set(device.toLowerCase().split(/[^a-z0-9]+/));
  const browser = BROWSERS.find(([w]) => words.has(w))?.[1];
  const os = SYSTEMS.find(([w]) => words.has(w))?.[1];
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? 'Unknown device';
}

/** A wallet address → its first 6 and last 4 characters (`bc1qar…5mdq`). Addresses shorter than
 *  20 characters show 2 + 2, shorter than 12 nothing (`…`): never more than half the characters. */
export function maskWalletAddress(address: string): string {
  const c = codePoints(address.trim());
  if (c.length >= 20) return `${c.slice(0, 6).join('')}…${c.slice(-4).join('')}`;
  if (c.length >= 12) return `${c.slice(0, 2).join('')}…${c.slice(-2).join('')}`;
  return '…';
}

/** The allowlist with every address masked and the customer's free-text label dropped. */
export function maskAllowlist(list: readonly AllowlistEntry[]): readonly { readonly asset: string; readonly address: string }[] {
  return list.map((e) => ({ asset: e.asset, address: maskWalletAddress(e.address) }));
}

/** An IBAN → its country code and last 4 characters (`DE•• •••• 1234`); fewer than 10
 *  characters shows the country only. */
export function maskIban(iban: string): string {
  const c = codePoints(iban.toUpperCase()).filter((ch) => (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'));
  const country = c.slice(0, 2).join('');
  const tail = c.length >= 10 ? c.slice(-4).join('') : DOT.repeat(4);
  return `${country}${DOT.repeat(2)} ${DOT.repeat(4)} ${tail}`;
}

/** Bank accounts with masked IBANs; the bank's name stays. */
export function maskBankAccounts(list: readonly BankAccount[]): readonly BankAccount[] {
  return list.map((b) => ({ iban: maskIban(b.iban), bankName: b.bankName }));
}

/** A government ID number → `••••42` (last 2 letters or digits, fixed width); fewer than 6
 *  characters shows none. */
export function maskGovernmentId(id: string): string {
  const c = codePoints(id.toUpperCase()).filter((ch) => (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'));
  return `${DOT.repeat(4)}${c.length >= 6 ? c.slice(-2).join('') : DOT.repeat(2)}`;
}

/** A PGP fingerprint → `•••• ABCD` (its last 4 hex digits); fewer than 16 hex digits → `••••`. */
export function maskFingerprint(fingerprint: string): string {
  const hex = codePoints(fingerprint.toUpperCase()).filter((ch) => (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F'));
  return hex.length >= 16 ? `${DOT.repeat(4)} ${hex.slice(-4).join('')}` : DOT.repeat(4);
}

/** Free text (e.g. an anti-phishing code) → a fixed `••••••`, whatever its length. */
export function maskText(_text: string): string {
  return DOT.repeat(6);
}

/** An ISO 8601 timestamp → its UTC day (`2026-01-05`); unparseable → `unknown`. */
export function maskTimestamp(iso: string): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : 'unknown';
}

/** KYC documents → type and upload day only; the document ID (the key to the image) never. */
export function maskDocuments(docs: readonly KycDocument[]): readonly { readonly type: KycDocumentType; readonly uploadedOn: string }[] {
  return docs.map((d) => ({ type: d.type, uploadedOn: maskTimestamp(d.uploadedAt) }));
}

/** Holdings → the assets held, without amounts (the `masked` level). */
export function maskHoldings(holdings: readonly Holding[]): readonly { readonly asset: string }[] {
  return holdings.map((h) => ({ asset: h.asset }));
}

/** Holdings → each asset with the band of its USD value, no amount (the `banded` level). */
export function bandHoldings(holdings: readonly Holding[]): readonly { readonly asset: string; readonly band: MoneyBand }[] {
  return holdings.map((h) => ({ asset: h.asset, band: bandUsd(h.usd) }));
}

/** The transactions in scope of a ticket: those whose `id` is in `referenced`, or all of them
 *  when `all` is true (fraud investigations). Order is kept. */
export function scopeTransactions(txs: readonly Transaction[], referenced: readonly string[], all: boolean): readonly Transaction[] {
  if (all) return txs;
  const ids = new Set(referenced);
  return txs.filter((t) => ids.has(t.id));
}

/** Transactions with the counterparty address masked (`maskWalletAddress`); the rest is kept
 *  (the agent needs amount, time and status to resolve the ticket). Scope them first. */
export function maskTransactions(txs: readonly Transaction[]): readonly Transaction[] {
  return txs.map((t) => (t.address === undefined ? { ...t } : { ...t, address: maskWalletAddress(t.address) }));
}
