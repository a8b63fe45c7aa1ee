// One customer record from the exchange (an import line or a service API body), parsed and
// checked against the field catalog before anything is written: keys are catalog field names
// plus `externalId`; each value must have its field's shape (src/fields/value-schemas.ts) and,
// for verifiable fields, normalize (src/fields/normalize.ts). Errors name fields, never values.
import { FIELD_CATALOG } from '../../fields/catalog.js';
import { isFieldName, type FieldName } from '../../fields/catalog-types.js';
import { canonicalFromValue } from '../../fields/normalize.js';
import { FIELD_VALUE_SCHEMAS } from '../../fields/value-schemas.js';

/** The exchange's id of a customer: 1–128 printable ASCII characters without spaces or `/`. */
export const EXTERNAL_ID = /^[A-Za-z0-9._:@+-]{1,128}$/;

/** The plain (unprotected) account columns a record may set. */
export interface PlainColumns {
  account_id?: string;
  tier?: string;
  status?: string;
  jurisdiction?: string;
  created_at?: Date;
}

/** A checked record: protected values to seal, canonical strings to blind-index, plain
 *  columns, and the protected fields it explicitly removes (`null` in a PATCH). */
export interface CustomerRecord {
  readonly externalId: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly indexes: Readonly<Record<string, string>>;
  readonly plain: Readonly<PlainColumns>;
  readonly removed: readonly FieldName[];
}

/** Why a record was refused (no value in it). */
export class RecordError extends Error {
  override readonly name = 'RecordError';
}

const PLAIN: Partial<Record<FieldName, keyof PlainColumns>> = {
  accountId: 'account_id', tier: 'tier', accountStatus: 'status', jurisdiction: 'jurisdiction', createdAt: 'created_at',
};

/** How to read values: `json` (NDJSON, API bodies) takes them as given; `text` (CSV cells)
 *  takes a string-valued field as the cell and parses any other kind as JSON; an empty cell is
 *  absent. `allowNull` (PATCH) lets `null` remove a protected field. */
export interface ParseOptions {
  readonly mode: 'json' | 'text';
  readonly allowNull?: boolean;
}

/** Parses one record (attacker-controlled: it comes from a file or a service).
 *  @throws RecordError naming the offending key and the reason, never its value. */
export function parseCustomerRecord(input: unknown, opts: ParseOptions): CustomerRecord {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new RecordError('not an object');
  const obj = input as Record<string, unknown>;
  const externalId = obj.externalId;
  if (typeof externalId !== 'string' || !EXTERNAL_ID.test(externalId)) throw new RecordError('externalId missing or malformed');
  const values: Record<string, unknown> = {};
  const indexes: Record<string, string> = {};
  const plain: PlainColumns = {};
  const removed: FieldName[] = [];
  for (const [key, raw] of Object.entries(obj)) {
    if (key === 'externalId') continue;
    if (!isFieldName(key)) throw new RecordError(`unknown field ${JSON.stringify(key.slice(0, 64))}`);
    if (opts.mode === 'text' && raw === '') continue;
    if (raw === null) {
      if (opts.allowNull && FIELD_CATALOG[key].protected) {
        removed.push(key);
        continue;
      }
      throw new RecordError(`${key}: null is not allowed here`);
    }
    const value = opts.mode === 'text' ? fromCell(key, raw) : raw;
    const parsed = FIELD_VALUE_SCHEMAS[key].safeParse(value);
    if (!parsed.success) throw new RecordError(`${key}: invalid value for its kind (${FIELD_CATALOG[key].kind})`);
    const column = PLAIN[key];
    if (column !== undefined) {
      setPlain(plain, column, parsed.data);
      continue;
    }
    values[key] = parsed.data;
    if (FIELD_CATALOG[key].verify !== undefined) {
      const canonical = canonicalFromValue(key, parsed.data, { country: countryHint(obj) });
      if (canonical === null) throw new RecordError(`${key}: invalid value for its kind (${FIELD_CATALOG[key].kind})`);
      indexes[key] = canonical;
    }
  }
  return { externalId, values, indexes, plain, removed };
}

function setPlain(plain: PlainColumns, column: keyof PlainColumns, v: unknown): void {
  if (column === 'created_at') plain.created_at = new Date(v as string);
  else plain[column] = String(v);
  if (column === 'jurisdiction' && !/^[A-Z]{2}$/.test(plain.jurisdiction ?? '')) throw new RecordError('jurisdiction: invalid value for its kind (country)');
}

const STRING_KINDS = new Set(['name', 'email', 'phone', 'date', 'country', 'government_id', 'enum', 'timestamp', 'ip', 'device', 'fingerprint', 'text', 'account_id']);

function fromCell(field: FieldName, cell: unknown): unknown {
  if (typeof cell !== 'string') return cell;
  if (STRING_KINDS.has(FIELD_CATALOG[field].kind)) return cell;
  try {
    return JSON.parse(cell) as unknown;
  } catch {
    throw new RecordError(`${field}: invalid value for its kind (${FIELD_CATALOG[field].kind}: a JSON cell is expected)`);
  }
}

function countryHint(obj: Record<string, unknown>): string | undefined {
  return typeof obj.jurisdiction === 'string' && obj.jurisdiction !== '' ? obj.jurisdiction : undefined;
}
