// The CPU half of an import batch: check each source row against the catalog (record.ts) and
// seal the protected values of every row that could be a new customer under a fresh data key
// and customer id (bulk-import.ts `sealNewCustomers`). Pure (no I/O, no key provider), so it
// runs in-process or in the seal worker (seal-thread.ts) alike. Errors name fields, never values.
import { newSortableId } from '../../access/ids.js';
import { sealNewCustomers, type SealedCustomer } from '../../vault/bulk-import.js';
import { parseCustomerRecord, RecordError, type CustomerRecord } from './record.js';
import { sourceValue, type SourceRow } from './sources.js';

/** A checked row; `sealed` (when it has a jurisdiction, i.e. may be a new customer) holds its
 *  values sealed for a customer id that is used only if the externalId turns out to be new.
 *  The `record.values` of a sealed row are left out (`{}`): its ciphertexts carry them, and the
 *  worker would otherwise post every plaintext value back to the main thread for the few rows
 *  whose externalId already exists; those are re-parsed from their source row (`recheck`). */
export interface CheckedRow {
  readonly line: number;
  readonly record: CustomerRecord;
  readonly sealed?: SealedCustomer | undefined;
}

/** A row refused before the database: its line, its externalId when well-formed, why. */
export interface RefusedRow {
  readonly line: number;
  readonly externalId: string | null;
  readonly reason: string;
}

/** Checks and seals `rows` (`json`: NDJSON values; `text`: CSV cells). */
export function sealRows(rows: readonly SourceRow[], mode: 'json' | 'text'): { checked: CheckedRow[]; refused: RefusedRow[] } {
  const refused: RefusedRow[] = [];
  const records: Array<{ line: number; record: CustomerRecord }> = [];
  for (const row of rows) {
    const { value, error } = sourceValue(row);
    if (error !== undefined) {
      refused.push({ line: row.line, externalId: null, reason: error });
      continue;
    }
    try {
      records.push({ line: row.line, record: parseCustomerRecord(value, { mode }) });
    } catch (e) {
      const ext = value.externalId;
      refused.push({ line: row.line, externalId: typeof ext === 'string' && ext.length <= 128 ? ext : null, reason: e instanceof RecordError ? e.message : 'invalid row' });
    }
  }
  const fresh = records.filter((r) => r.record.plain.jurisdiction !== undefined);
  const sealed = sealNewCustomers(fresh.map((r) => ({ customerId: newSortableId('cus', Date.now()), values: r.record.values })));
  const byLine = new Map(fresh.map((r, i) => [r.line, sealed[i]]));
  return {
    checked: records.map((r) => {
      const s = byLine.get(r.line);
      return s === undefined ? r : { line: r.line, record: { ...r.record, values: {} }, sealed: s };
    }),
    refused,
  };
}

/** The whole record of a row `sealRows` checked (values included), parsed again from `row`.
 *  @throws RecordError if it no longer parses (it cannot: parsing is deterministic). */
export function recheck(row: SourceRow, mode: 'json' | 'text'): CustomerRecord {
  const { value, error } = sourceValue(row);
  if (error !== undefined) throw new RecordError(error);
  return parseCustomerRecord(value, { mode });
}
