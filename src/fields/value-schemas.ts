// Run-time shapes of the field values (values.ts) as zod schemas: the vault's decrypted JSON and
// the seeder's input are parsed here before anything masks them, so a malformed value fails
// loudly instead of slipping through a masking function unmasked.
import { z } from 'zod';
import type { FieldName } from './catalog-types.js';
import { KeyholeError } from '../shared/errors.js';
import { TWO_FACTOR_METHODS, type FieldValues } from './values.js';

const str = z.string().max(10_000);
const num = z.number().finite();
const iso = str.refine((s) => Number.isFinite(Date.parse(s)), 'not an ISO 8601 timestamp');
const day = str.regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/);

const address = z.object({ line1: str, line2: str.optional(), city: str, postalCode: str, region: str.optional(), country: str });
const holding = z.object({ asset: str, amount: num, usd: num });
const transaction = z.object({
  id: str, type: z.enum(['deposit', 'withdrawal', 'trade']), asset: str, amount: num, usd: num, at: iso, address: str.optional(), status: str,
});
const bankAccount = z.object({ iban: str, bankName: str });
const allowlistEntry = z.object({ asset: str, address: str, label: str.optional() });
const kycDocument = z.object({ type: z.enum(['passport', 'id_card', 'driving_licence', 'selfie']), documentId: str, uploadedAt: iso });

/** One schema per field; each parses to exactly `FieldValues[F]`. */
export const FIELD_VALUE_SCHEMAS: { readonly [F in FieldName]: z.ZodType<FieldValues[F]> } = {
  fullName: str, email: str, phone: str, dateOfBirth: day, address, nationality: str, governmentId: str,
  kycDocuments: z.array(kycDocument),
  twoFactorMethod: z.enum(TWO_FACTOR_METHODS), lastLoginAt: iso, lastLoginIp: str, lastLoginDevice: str,
  withdrawalAllowlist: z.array(allowlistEntry), pgpFingerprint: str, antiPhishingCode: str,
  totalBalance: num, holdings: z.array(holding), transactions: z.array(transaction), bankAccounts: z.array(bankAccount),
  accountId: str, tier: str, accountStatus: str, jurisdiction: str, createdAt: iso,
};

/** Parses `value` (e.g. decrypted JSON) as the value of `field`.
 *  @returns the value, typed `FieldValues[F]`.
 *  @throws KeyholeError FIELD_VALUE_INVALID when the shape is wrong; the message names only the
 *  field, never the value (the zod issue paths are in `cause`, values stripped). */
export function parseFieldValue<F extends FieldName>(field: F, value: unknown): FieldValues[F] {
  const r = FIELD_VALUE_SCHEMAS[field].safeParse(value);
  if (r.success) return r.data;
  const paths = r.error.issues.map((i) => `${i.path.join('.')}: ${i.code}`);
  throw new KeyholeError('FIELD_VALUE_INVALID', `The stored value of ${field} has the wrong shape.`, { cause: new Error(paths.join('; ')) });
}
