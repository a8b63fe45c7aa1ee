// fast-check generators of realistic field values, and for each value the substrings that MUST
// NOT appear in any rendering below `revealed` (the leak oracle of the masking properties).
import fc from 'fast-check';
import type { FieldName } from '../../src/fields/catalog-types.js';
import { TWO_FACTOR_METHODS, type FieldValues, type Transaction } from '../../src/fields/values.js';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = `${LOWER}0123456789`;
const HEXU = '0123456789ABCDEF';
const chars = (alphabet: string, min: number, max: number) =>
  fc.array(fc.constantFrom(...alphabet.split('')), { minLength: min, maxLength: max }).map((a) => a.join(''));

export const arbWord = chars(LOWER, 2, 12).map((w) => w[0]!.toUpperCase() + w.slice(1));
export const arbLocal = chars(ALNUM, 1, 20);
export const arbLabel = chars(LOWER, 1, 15);
export const arbTld = fc.constantFrom('com', 'org', 'io', 'de', 'co', 'net');
export const arbEmail = fc.tuple(arbLocal, arbLabel, arbTld).map(([l, d, t]) => `${l}@${d}.${t}`);
export const arbIsoDay = fc.date({ min: new Date(Date.UTC(1900, 0, 1)), max: new Date(Date.UTC(2030, 11, 31)), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const arbIsoTime = fc.date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2035, 0, 1)), noInvalidDate: true }).map((d) => d.toISOString());
export const arbPhone = fc.tuple(fc.constantFrom('1', '44', '49', '33', '65', '81', '61'), chars('123456789', 1, 1), chars('0123456789', 7, 9)).map(([c, a, b]) => `+${c}${a}${b}`);
const arbWallet = fc.oneof(chars(ALNUM, 26, 62).map((s) => `bc1q${s}`), chars('0123456789abcdef', 40, 40).map((s) => `0x${s}`));
const arbIban = fc.tuple(fc.constantFrom('DE', 'GB', 'FR', 'NL'), chars('0123456789', 2, 2), chars('0123456789', 12, 26)).map(([c, k, b]) => `${c}${k}${b}`);
const arbIpv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const arbIpv6 = fc.array(fc.integer({ min: 1, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
const arbAsset = fc.constantFrom('BTC', 'ETH', 'SOL', 'USDC', 'XRP');
const arbUsd = fc.double({ min: 0, max: 5e7, noNaN: true, noDefaultInfinity: true });
const arbTx: fc.Arbitrary<Transaction> = fc.record({
  id: chars('0123456789abcdef', 12, 12).map((s) => `tx_${s}`),
  type: fc.constantFrom('deposit', 'withdrawal', 'trade'),
  asset: arbAsset, amount: arbUsd, usd: arbUsd, at: arbIsoTime,
  address: fc.option(arbWallet, { nil: undefined }),
  status: fc.constantFrom('pending', 'completed', 'failed'),
}).map((t) => (t.address === undefined ? (({ address: _a, ...rest }) => rest)(t) : t));

/** A generator of plausible values per field. */
export const FIELD_ARBS: { readonly [F in FieldName]: fc.Arbitrary<FieldValues[F]> } = {
  fullName: fc.array(arbWord, { minLength: 1, maxLength: 4 }).map((w) => w.join(' ')),
  email: arbEmail,
  phone: arbPhone,
  dateOfBirth: arbIsoDay,
  address: fc.record({
    line1: fc.tuple(fc.integer({ min: 1, max: 999 }), arbWord).map(([n, w]) => `${n} ${w}strasse`),
    city: arbWord, postalCode: chars('0123456789', 4, 6), country: fc.constantFrom('DE', 'GB', 'FR', 'US'),
  }),
  nationality: fc.constantFrom('DE', 'GB', 'FR', 'US'),
  governmentId: chars('ABCDEFGHJKLMNPRSTUVWXYZ0123456789', 6, 14),
  kycDocuments: fc.array(fc.record({
    type: fc.constantFrom('passport', 'id_card', 'driving_licence', 'selfie'),
    documentId: chars('0123456789abcdef', 16, 16).map((s) => `doc_${s}`), uploadedAt: arbIsoTime,
  }), { maxLength: 4 }),
  twoFactorMethod: fc.constantFrom(...TWO_FACTOR_METHODS),
  lastLoginAt: arbIsoTime,
  lastLoginIp: fc.oneof(arbIpv4, arbIpv6),
  lastLoginDevice: fc.tuple(fc.constantFrom('Chrome', 'Firefox', 'Safari'), fc.integer({ min: 100, max: 999 }), fc.constantFrom('macOS', 'Windows', 'Android'), arbWord)
    .map(([b, v, o, m]) => `${b} ${v}.0.1 on ${o} (${m}Book)`),
  withdrawalAllowlist: fc.array(fc.record({ asset: arbAsset, address: arbWallet, label: chars(LOWER, 6, 12).map((s) => `lbl-${s}`) }), { maxLength: 4 }),
  pgpFingerprint: chars(HEXU, 40, 40),
  antiPhishingCode: chars(ALNUM, 6, 20).map((s) => `apc-${s}`),
  totalBalance: arbUsd,
  holdings: fc.array(fc.record({ asset: arbAsset, amount: arbUsd, usd: arbUsd }), { maxLength: 5 }),
  transactions: fc.array(arbTx, { maxLength: 6 }),
  bankAccounts: fc.array(fc.record({ iban: arbIban, bankName: arbWord.map((w) => `${w} Bank`) }), { maxLength: 3 }),
  accountId: chars('0123456789', 8, 8).map((s) => `AC${s}`),
  tier: fc.constantFrom('basic', 'plus', 'vip'),
  accountStatus: fc.constantFrom('active', 'frozen', 'closed'),
  jurisdiction: fc.constantFrom('DE', 'GB', 'FR', 'US'),
  createdAt: arbIsoTime,
};

/** Any field with a value of its type. */
export const arbFieldAndValue: fc.Arbitrary<{ field: FieldName; value: unknown }> = fc.oneof(
  ...(Object.keys(FIELD_ARBS) as FieldName[]).map((field) => (FIELD_ARBS[field] as fc.Arbitrary<unknown>).map((value) => ({ field, value }))),
);

/** Substrings of `value` that MUST NOT appear in the JSON of any rendering below `revealed`. */
export function secretsOf(field: FieldName, value: unknown): string[] {
  const v = value as never;
  switch (field) {
    case 'fullName': {
      const w = (v as string).split(' ');
      return w.length === 1 ? [w[0]!] : [` ${w[w.length - 1]!}`, v];
    }
    case 'email': {
      const [local, domain] = (v as string).split('@') as [string, string];
      const label = domain.split('.')[0]!;
      return [v, `${local}@`, `@${domain}`, ...(label.length >= 2 ? [`@${label}`] : [])];
    }
    case 'phone': return [(v as string).slice(1), (v as string).slice(-3)];
    case 'dateOfBirth': return [v, (v as string).slice(4)];
    case 'address': { const a = v as FieldValues['address']; return [a.line1, a.postalCode]; }
    case 'governmentId': return [v, (v as string).slice(-3)];
    case 'kycDocuments': return (v as FieldValues['kycDocuments']).flatMap((d) => [d.documentId, d.uploadedAt]);
    case 'lastLoginAt': return [v];
    case 'lastLoginIp': { const s = v as string; return s.includes('.') ? [s, s.split('.').slice(0, 3).join('.')] : [s, s.split(':').slice(0, 3).join(':')]; }
    case 'lastLoginDevice': { const s = v as string; return [s, s.split(' ')[1]!, s.split('(')[1]!]; }
    case 'withdrawalAllowlist': return (v as FieldValues['withdrawalAllowlist']).flatMap((e) => [e.address, e.address.slice(0, 7), e.address.slice(-5), e.label ?? '']).filter((s) => s !== '');
    case 'pgpFingerprint': return [v, (v as string).slice(-5)];
    case 'antiPhishingCode': return [v];
    case 'transactions': return (v as FieldValues['transactions']).flatMap((t) => (t.address ? [t.address, t.address.slice(0, 7)] : []));
    case 'bankAccounts': return (v as FieldValues['bankAccounts']).flatMap((b) => [b.iban, b.iban.slice(-5)]);
    case 'holdings': return ['"amount"', '"usd"'];
    case 'totalBalance': return [];
    default: return [String(v)];
  }
}
