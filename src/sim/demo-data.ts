// The demo exchange, generated deterministically from a seed: customers with log-normal
// balances (a few whales), jurisdictions, assets and transaction histories; staff in three
// vendors and regions; tickets across purposes. Names and addresses come from @faker-js/faker.
import { de, en, en_AU, en_CA, en_GB, en_US, es, Faker, fr, ja, nl, base, type LocaleDefinition } from '@faker-js/faker';
import type { Purpose } from '../fields/catalog-types.js';

/** Jurisdictions with their share of customers, faker locale and phone country code. */
export const JURISDICTIONS = [
  { code: 'US', share: 0.28, locale: [en_US, en, base], dial: '1' },
  { code: 'GB', share: 0.14, locale: [en_GB, en, base], dial: '44' },
  { code: 'DE', share: 0.14, locale: [de, en, base], dial: '49' },
  { code: 'FR', share: 0.10, locale: [fr, en, base], dial: '33' },
  { code: 'NL', share: 0.06, locale: [nl, en, base], dial: '31' },
  { code: 'ES', share: 0.06, locale: [es, en, base], dial: '34' },
  { code: 'CA', share: 0.07, locale: [en_CA, en, base], dial: '1' },
  { code: 'SG', share: 0.05, locale: [en, base], dial: '65' },
  { code: 'JP', share: 0.05, locale: [ja, en, base], dial: '81' },
  { code: 'AU', share: 0.05, locale: [en_AU, en, base], dial: '61' },
] as const;

/** Support regions and the jurisdictions each covers. */
export const REGIONS: Readonly<Record<string, readonly string[]>> = {
  EMEA: ['GB', 'DE', 'FR', 'NL', 'ES'],
  AMER: ['US', 'CA'],
  APAC: ['SG', 'JP', 'AU'],
};

/** Vendors: the exchange's own staff and two outsourcing firms. */
export const VENDORS = ['in-house', 'northwind-bpo', 'atlas-cx'] as const;

const ASSETS = [
  { asset: 'BTC', usd: 64_000 }, { asset: 'ETH', usd: 3_100 }, { asset: 'USDC', usd: 1 }, { asset: 'SOL', usd: 140 }, { asset: 'XRP', usd: 0.55 },
] as const;
const PURPOSE_MIX: ReadonlyArray<readonly [Purpose, number]> = [
  ['account_access', 0.27], ['withdrawal_issue', 0.24], ['deposit_missing', 0.17], ['kyc_review', 0.12], ['account_closure', 0.06], ['general_inquiry', 0.14],
];

/** A generated customer: plain account attributes and the protected field values. */
export interface DemoCustomer {
  readonly id: string;
  readonly accountId: string;
  readonly jurisdiction: string;
  readonly tier: string;
  readonly status: string;
  readonly createdAt: Date;
  readonly isDecoy: boolean;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A generated staff member. */
export interface DemoAgent {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly role: 'agent' | 'supervisor' | 'security';
  readonly team: string;
  readonly vendor: string;
  readonly regions: readonly string[];
}

/** A generated ticket. */
export interface DemoTicket {
  readonly id: string;
  readonly customerId: string;
  readonly purpose: Purpose;
  readonly assigneeId: string;
  readonly channel: 'phone' | 'email' | 'chat';
  readonly subject: string;
  readonly referencedTx: readonly string[];
  readonly createdAt: Date;
}

/** Sizes and seed of a demo exchange. */
export interface DemoSpec {
  readonly customers: number;
  readonly agents: number;
  readonly tickets: number;
  readonly seed: number;
  /** The "now" the data is generated around (default 2026-01-05T09:00Z). */
  readonly now?: Date;
  /** Decoy (honeytoken) customers to plant, each with an unassigned decoy ticket (default 0). */
  readonly decoys?: number;
  /** Write shift rosters for the staff (default true; the test harness turns them off so its
   *  fixed 09:00 UTC clock does not put two regions off shift). */
  readonly rosters?: boolean;
  /** Days of benign background work to write before `now` (seed-activity.ts; default 0). */
  readonly activityDays?: number;
}

const pick = <T>(f: Faker, weighted: ReadonlyArray<readonly [T, number]>): T => {
  let r = f.number.float({ min: 0, max: 1 });
  for (const [v, w] of weighted) if ((r -= w) <= 0) return v;
  return (weighted.at(-1) as readonly [T, number])[0];
};
const pad = (n: number, w: number) => String(n).padStart(w, '0');
const gaussian = (f: Faker) => {
  const u = Math.max(f.number.float({ min: 0, max: 1 }), 1e-12);
  const v = f.number.float({ min: 0, max: 1 });
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
};

const ROOT_LOCALE = [en, base];
const FAKERS = new Map<unknown, Faker>();

/** One Faker per locale list, reseeded for each customer: building a Faker merges its locale
 *  definitions, which cost more than the customer itself (a million-customer seed). A reseeded
 *  instance gives exactly what a new one with that seed gives (test/demo-data.test.ts). */
function fakerFor(locale: readonly LocaleDefinition[]): Faker {
  let f = FAKERS.get(locale);
  if (!f) {
    f = new Faker({ locale: [...locale] });
    FAKERS.set(locale, f);
  }
  return f;
}

/** Generates customer `i` of the demo with the given seed; same inputs, same customer. */
export function demoCustomer(seed: number, i: number, now: Date): DemoCustomer {
  const root = fakerFor(ROOT_LOCALE);
  root.seed([seed, i]);
  const j = pick(root, JURISDICTIONS.map((x) => [x, x.share] as const));
  const f = fakerFor(j.locale);
  f.seed([seed, i, 1]);
  const sex = f.helpers.arrayElement(['female', 'male'] as const);
  const first = f.person.firstName(sex);
  const last = f.person.lastName(sex);
  const balance = Math.round(Math.exp(7.2 + 2.1 * gaussian(f)) * 100) / 100; // log-normal: median ≈ $1.3k, a few whales
  const weights = ASSETS.map(() => f.number.float({ min: 0, max: 1 }));
  const wsum = weights.reduce((a, b) => a + b, 0);
  const holdings = ASSETS.map((a, k) => {
    const usd = Math.round((balance * (weights[k] as number)) / wsum * 100) / 100;
    return { asset: a.asset, amount: Number((usd / a.usd).toFixed(8)), usd };
  }).filter((h) => h.usd >= 1);
  const created = f.date.between({ from: new Date(now.getTime() - 6 * 365 * 864e5), to: new Date(now.getTime() - 30 * 864e5) });
  const txCount = f.number.int({ min: 3, max: 14 });
  const transactions = Array.from({ length: txCount }, (_, k) => {
    const a = f.helpers.arrayElement(ASSETS);
    const type = f.helpers.arrayElement(['deposit', 'withdrawal', 'trade'] as const);
    const usd = Math.round(f.number.float({ min: 20, max: Math.max(50, balance * 0.4) }) * 100) / 100;
    return {
      id: `tx_${pad(i, 6)}_${pad(k, 2)}`, type, asset: a.asset, amount: Number((usd / a.usd).toFixed(8)), usd,
      at: f.date.between({ from: created, to: now }).toISOString(),
      ...(type === 'trade' ? {} : { address: a.asset === 'BTC' ? f.finance.bitcoinAddress() : f.finance.ethereumAddress() }),
      status: f.helpers.weightedArrayElement([{ value: 'completed', weight: 9 }, { value: 'pending', weight: 1 }]),
    };
  }).sort((x, y) => x.at.localeCompare(y.at));
  const national = String(f.number.int({ min: 200_000_000, max: 999_999_999 })) + String(f.number.int({ min: 0, max: 9 }));
  const fields: Record<string, unknown> = {
    fullName: `${first} ${last}`,
    email: f.internet.email({ firstName: first, lastName: last, provider: f.helpers.arrayElement(['gmail.com', 'outlook.com', 'proton.me', 'yahoo.com', 'icloud.com', 'gmx.de']) }).toLowerCase(),
    phone: `+${j.dial}${national.slice(0, j.dial === '1' ? 10 : 10)}`,
    dateOfBirth: f.date.birthdate({ mode: 'age', min: 18, max: 80, refDate: now }).toISOString().slice(0, 10),
    address: { line1: f.location.streetAddress(), city: f.location.city(), postalCode: f.location.zipCode(), country: j.code },
    nationality: f.helpers.weightedArrayElement([{ value: j.code, weight: 8 }, { value: f.helpers.arrayElement(JURISDICTIONS).code, weight: 2 }]),
    governmentId: `${j.code}${f.string.alphanumeric({ length: 9, casing: 'upper' })}`,
    kycDocuments: [
      { type: f.helpers.arrayElement(['passport', 'id_card', 'driving_licence'] as const), documentId: `doc_${pad(i, 6)}_1`, uploadedAt: created.toISOString() },
      { type: 'selfie', documentId: `doc_${pad(i, 6)}_2`, uploadedAt: created.toISOString() },
    ],
    twoFactorMethod: f.helpers.weightedArrayElement([{ value: 'sms', weight: 4 }, { value: 'totp', weight: 4 }, { value: 'passkey', weight: 1 }, { value: 'security_key', weight: 1 }]),
    lastLoginAt: f.date.recent({ days: 20, refDate: now }).toISOString(),
    lastLoginIp: f.internet.ipv4(),
    lastLoginDevice: f.helpers.arrayElement(['iPhone 15 · iOS 18 · app', 'Pixel 8 · Android 15 · app', 'MacBook · Safari 18', 'Windows 11 · Chrome 131', 'Linux · Firefox 133']),
    withdrawalAllowlist: Array.from({ length: f.number.int({ min: 0, max: 3 }) }, () => ({ asset: 'ETH', address: f.finance.ethereumAddress(), label: f.word.noun() })),
    // Absent optional protections are absent fields (not null): the view shows them as hidden/empty.
    ...(f.datatype.boolean(0.1) ? { pgpFingerprint: f.string.hexadecimal({ length: 40, prefix: '', casing: 'upper' }) } : {}),
    ...(f.datatype.boolean(0.35) ? { antiPhishingCode: f.word.adjective().toUpperCase() } : {}),
    totalBalance: balance,
    holdings,
    transactions,
    bankAccounts: f.datatype.boolean(0.7) ? [{ iban: f.finance.iban({ formatted: false, countryCode: ['DE', 'FR', 'NL', 'ES', 'GB'].includes(j.code) ? j.code : 'DE' }), bankName: `${f.company.name()} Bank` }] : [],
  };
  return {
    id: `cus_${pad(i, 6)}`,
    // A bijection of i onto 8-digit numbers (7919 is prime to 9·10^7): unique and not sequential.
    accountId: `KX-${10_000_000 + ((i * 7919 + seed * 104_729) % 90_000_000)}`,
    jurisdiction: j.code,
    tier: balance > 250_000 ? 'vip' : balance > 25_000 ? 'pro' : 'standard',
    status: f.helpers.weightedArrayElement([{ value: 'active', weight: 95 }, { value: 'restricted', weight: 4 }, { value: 'frozen', weight: 1 }]),
    createdAt: created,
    isDecoy: false,
    fields,
  };
}

/** Decoy (honeytoken) customer `k` of a demo with `customers` real ones: a plausible VIP with a
 *  large balance (the most attractive entry of any list it is planted in) whose id follows the
 *  real ones. No workflow routes a ticket to it or gives its identifiers to a caller, so any
 *  access to it is an insider's (docs/design/detect.md "Decoys"). */
export function demoDecoy(seed: number, customers: number, k: number, now: Date): DemoCustomer {
  const c = demoCustomer(seed, customers + k, now);
  const balance = 300_000 + ((k * 7919) % 9) * 150_000;
  return { ...c, tier: 'vip', status: 'active', isDecoy: true, fields: { ...c.fields, totalBalance: balance } };
}

/** Generates the staff: `agents` front-line agents spread over vendors, regions and teams,
 *  plus one supervisor per vendor and region and three security engineers. */
export function demoStaff(seed: number, agents: number): DemoAgent[] {
  const f = new Faker({ locale: [en, base] });
  f.seed([seed, 424242]);
  const regionNames = Object.keys(REGIONS);
  const out: DemoAgent[] = [];
  const person = (id: string, role: DemoAgent['role'], vendor: string, region: string, team: string): DemoAgent => {
    const first = f.person.firstName();
    const last = f.person.lastName();
    return { id, name: `${first} ${last}`, email: `${id}@${vendor === 'in-house' ? 'keyhole-exchange.example' : `${vendor}.example`}`, role, team, vendor, regions: REGIONS[region] ?? [] };
  };
  for (let k = 0; k < agents; k++) {
    const vendor = VENDORS[k % VENDORS.length] as string;
    const region = regionNames[Math.floor(k / VENDORS.length) % regionNames.length] as string;
    out.push(person(`agt_${pad(k + 1, 3)}`, 'agent', vendor, region, `${region.toLowerCase()}-${vendor}`));
  }
  let s = 1;
  for (const vendor of VENDORS) for (const region of regionNames) out.push(person(`sup_${pad(s++, 2)}`, 'supervisor', vendor, region, `${region.toLowerCase()}-${vendor}`));
  for (let k = 1; k <= 3; k++) out.push({ ...person(`sec_${pad(k, 2)}`, 'security', 'in-house', 'EMEA', 'security'), regions: Object.values(REGIONS).flat() });
  return out;
}

/** Generates `n` open tickets over `customers` (an array, or `{ count, at(i) }`), each assigned to an agent covering the
 *  customer's jurisdiction; withdrawal and deposit tickets reference one of their transactions. */
export function demoTickets(
  seed: number, n: number, customers: readonly DemoCustomer[] | { readonly count: number; at(i: number): DemoCustomer }, staff: readonly DemoAgent[], now: Date,
): DemoTicket[] {
  const f = new Faker({ locale: [en, base] });
  f.seed([seed, 777]);
  const agents = staff.filter((a) => a.role === 'agent');
  // An array, or a count and a generator (a million customers need not sit in memory).
  const count = 'count' in customers ? customers.count : customers.length;
  const at = 'count' in customers ? (i: number) => customers.at(i) : (i: number) => customers[i] as DemoCustomer;
  return Array.from({ length: n }, (_, k) => {
    const c = at(f.number.int({ min: 0, max: count - 1 }));
    const purpose = pick(f, PURPOSE_MIX);
    const eligible = agents.filter((a) => a.regions.includes(c.jurisdiction));
    const assignee = f.helpers.arrayElement(eligible.length > 0 ? eligible : agents);
    const txs = (c.fields.transactions as Array<{ id: string; type: string }>);
    const wanted = purpose === 'withdrawal_issue' ? 'withdrawal' : purpose === 'deposit_missing' ? 'deposit' : undefined;
    const tx = wanted ? txs.find((t) => t.type === wanted) ?? txs[0] : undefined;
    return {
      id: `tkt_${pad(k + 1, 5)}`,
      customerId: c.id,
      purpose,
      assigneeId: assignee.id,
      channel: f.helpers.arrayElement(['phone', 'email', 'chat'] as const),
      subject: SUBJECTS[purpose],
      referencedTx: tx ? [tx.id] : [],
      createdAt: new Date(now.getTime() - f.number.int({ min: 5, max: 72 * 60 }) * 60_000),
    };
  });
}

const SUBJECTS: Readonly<Record<Purpose, string>> = {
  account_access: 'Cannot log in after changing phone',
  withdrawal_issue: 'Withdrawal pending for hours',
  deposit_missing: 'Deposit not credited',
  kyc_review: 'Verification documents rejected',
  account_closure: 'Please close my account',
  general_inquiry: 'Question about fees',
  fraud_investigation: 'Suspicious activity review',
};
