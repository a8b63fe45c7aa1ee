// The decrypted value of every customer field: one TS type per field kind and the FieldValues
// map from field name to its value type. The vault stores these as JSON; the seeder writes them.
// DESIGN.md "Data model".
import type { FieldName } from './catalog-types.js';

/** A postal address. `country` is ISO 3166-1 alpha-2 (e.g. `DE`). */
export interface Address {
  readonly line1: string;
  readonly line2?: string;
  readonly city: string;
  readonly postalCode: string;
  readonly region?: string;
  readonly country: string;
}

/** One asset position. `amount` in units of `asset` (e.g. BTC), `usd` its value in US dollars. */
export interface Holding {
  readonly asset: string;
  readonly amount: number;
  readonly usd: number;
}

/** The kinds of transaction. */
export type TransactionType = 'deposit' | 'withdrawal' | 'trade';

/** One deposit, withdrawal or trade. `at` is an ISO 8601 timestamp; `address` the on-chain
 *  counterparty address (deposits/withdrawals only); `status` e.g. `pending` | `completed` |
 *  `failed` | `on_hold`. */
export interface Transaction {
  readonly id: string;
  readonly type: TransactionType;
  readonly asset: string;
  readonly amount: number;
  readonly usd: number;
  readonly at: string;
  readonly address?: string;
  readonly status: string;
}

/** A linked bank account. `iban` without or with spaces (e.g. `DE89 3704 0044 0532 0130 00`). */
export interface BankAccount {
  readonly iban: string;
  readonly bankName: string;
}

/** One address the customer allowed withdrawals to; `label` is customer-chosen free text. */
export interface AllowlistEntry {
  readonly asset: string;
  readonly address: string;
  readonly label?: string;
}

/** The kinds of KYC document. */
export type KycDocumentType = 'passport' | 'id_card' | 'driving_licence' | 'selfie';

/** One KYC document; `documentId` keys the image in the document store, `uploadedAt` is ISO 8601. */
export interface KycDocument {
  readonly type: KycDocumentType;
  readonly documentId: string;
  readonly uploadedAt: string;
}

/** The second factors an account can use. */
export const TWO_FACTOR_METHODS = ['totp', 'sms', 'email', 'security_key', 'passkey', 'none'] as const;
/** A second factor. */
export type TwoFactorMethod = (typeof TWO_FACTOR_METHODS)[number];

/** The decrypted (or plain-column) value of each field.
 *  - strings: `email`, `phone` (as the customer gave it; E.164 preferred), `fullName`,
 *    `dateOfBirth` (`YYYY-MM-DD`), `lastLoginIp` (IPv4 or IPv6), `lastLoginDevice` (a
 *    description such as `Chrome 126 on macOS 14.5`), `pgpFingerprint` (40 hex digits),
 *    `antiPhishingCode`, `governmentId`, `nationality` and `jurisdiction` (ISO 3166-1 alpha-2),
 *    `tier`, `accountStatus`, `accountId`;
 *  - timestamps (`lastLoginAt`, `createdAt`): ISO 8601 strings;
 *  - `totalBalance`: a number of US dollars. */
export interface FieldValues {
  readonly fullName: string;
  readonly email: string;
  readonly phone: string;
  readonly dateOfBirth: string;
  readonly address: Address;
  readonly nationality: string;
  readonly governmentId: string;
  readonly kycDocuments: readonly KycDocument[];
  readonly twoFactorMethod: TwoFactorMethod;
  readonly lastLoginAt: string;
  readonly lastLoginIp: string;
  readonly lastLoginDevice: string;
  readonly withdrawalAllowlist: readonly AllowlistEntry[];
  readonly pgpFingerprint: string;
  readonly antiPhishingCode: string;
  readonly totalBalance: number;
  readonly holdings: readonly Holding[];
  readonly transactions: readonly Transaction[];
  readonly bankAccounts: readonly BankAccount[];
  readonly accountId: string;
  readonly tier: string;
  readonly accountStatus: string;
  readonly jurisdiction: string;
  readonly createdAt: string;
}

/** The value type of field `F`. */
export type FieldValue<F extends FieldName> = FieldValues[F];

// Compile-time check: FieldValues covers exactly the FieldNames.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const fieldValuesCoverNames: Exact<keyof FieldValues, FieldName> = true;
void fieldValuesCoverNames;
