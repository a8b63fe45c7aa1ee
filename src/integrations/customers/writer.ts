// Writes checked customer records (record.ts) inside the caller's transaction: new customers
// in bulk (rows, data keys, sealed fields and blind indexes in a few multi-row inserts),
// existing ones field by field under their own data key. Upsert by externalId, so writing the
// same records twice leaves the same state. Used by the file import and the service API.
import { CompiledQuery, type Kysely } from 'kysely';
import { newId } from '../../access/ids.js';
import type { PreparedSecrets } from '../../vault/bulk-import.js';
import type { Vault } from '../../vault/vault.js';
import type { VaultDb } from '../../vault/tables.js';
import type { IntegrationDb } from '../tables.js';
import type { CustomerRecord } from './record.js';

/** One record with where it came from (its line; 0 for an API call). `prepared`: its values
 *  already sealed, wrapped and indexed for a new customer (Vault.prepareNewCustomers), used
 *  (with its customer id) when the externalId is new, ignored when it exists. */
export interface WriteItem {
  readonly line: number;
  readonly record: CustomerRecord;
  readonly prepared?: PreparedSecrets | undefined;
  /** The whole record, when `record.values` were left out because `prepared` carries them
   *  sealed (an import row: seal-rows.ts); called only if the externalId already exists. */
  readonly full?: (() => CustomerRecord) | undefined;
}

// Precompiled, one statement whatever the batch size: arrays instead of a VALUES list.
const LOCK_EXISTING = `select id, external_id, erased_at, import_id, import_line from customers
  where external_id = any($1::text[]) for update`;
const INSERT_CUSTOMERS = `insert into customers (id, external_id, account_id, jurisdiction, tier, status, created_at, erased_at, import_id, import_line)
  select id, e, a, j, t, s, c, null, $8::text, l
  from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $9::bigint[]) as u(id, e, a, j, t, s, c, l)`;

interface ExistingRow {
  id: string; external_id: string; erased_at: Date | null; import_id: string | null; import_line: number | null;
}

/** What happened to each item. */
export interface WriteOutcome {
  readonly created: Array<{ line: number; externalId: string; customerId: string; fields: string[] }>;
  readonly updated: Array<{ line: number; externalId: string; customerId: string; fields: string[] }>;
  readonly rejected: Array<{ line: number; externalId: string; reason: string }>;
}

/** How to write: `merge` sets the fields given (imports, PATCH); `replace` also removes every
 *  protected field the record does not give (PUT). `importId` marks rows with the import and
 *  line, so a second occurrence of an id later in the same file is refused as a duplicate. */
export interface WriteOptions {
  readonly mode: 'merge' | 'replace';
  readonly importId?: string;
  readonly now: Date;
}

/** Upserts `items` in `trx` (which MUST be a transaction: all or nothing with the caller's
 *  cursor and audit records). Items are refused (not written) for: the same externalId twice
 *  in one file, an erased customer, or a new customer without a jurisdiction.
 *  @throws the database's error on anything else (e.g. an accountId used by another
 *  customer); the caller's transaction then rolls back. */
export async function writeCustomers(trx: IntegrationDb, vault: Vault, items: readonly WriteItem[], opts: WriteOptions): Promise<WriteOutcome> {
  const out: WriteOutcome = { created: [], updated: [], rejected: [] };
  if (items.length === 0) return out;
  const ids = [...new Set(items.map((i) => i.record.externalId))];
  const existing = new Map<string, { id: string; erased: boolean; importId: string | null; importLine: number | null }>();
  const { rows } = await trx.executeQuery<ExistingRow>(CompiledQuery.raw(LOCK_EXISTING, [ids]));
  for (const r of rows) existing.set(r.external_id, { id: r.id, erased: r.erased_at !== null, importId: r.import_id, importLine: r.import_line === null ? null : Number(r.import_line) });
  const seen = new Set<string>();
  const fresh: Array<{ item: WriteItem; customerId: string }> = [];
  const changes: Array<{ item: WriteItem; customerId: string }> = [];
  for (const item of items) {
    const { externalId } = item.record;
    const before = existing.get(externalId);
    if (seen.has(externalId) || (opts.importId !== undefined && before?.importId === opts.importId && (before.importLine ?? 0) < item.line)) {
      out.rejected.push({ line: item.line, externalId, reason: 'duplicate externalId in this file' });
      continue;
    }
    seen.add(externalId);
    if (before?.erased) {
      out.rejected.push({ line: item.line, externalId, reason: 'customer was erased' });
    } else if (before) {
      changes.push({ item, customerId: before.id });
    } else if (item.record.plain.jurisdiction === undefined) {
      out.rejected.push({ line: item.line, externalId, reason: 'jurisdiction is required for a new customer' });
    } else {
      fresh.push({ item, customerId: item.prepared?.sealed.customerId ?? newId('cus') });
    }
  }
  await insertFresh(trx, vault, fresh, opts);
  for (const f of fresh) {
    out.created.push({ line: f.item.line, externalId: f.item.record.externalId, customerId: f.customerId, fields: fieldNames(f.item.record, f.item.prepared?.sealed.fields) });
  }
  for (const c of changes) {
    const item = c.item.full === undefined ? c.item : { ...c.item, record: c.item.full() };
    await updateExisting(trx, vault, c.customerId, item, opts);
    out.updated.push({ line: item.line, externalId: item.record.externalId, customerId: c.customerId, fields: fieldNames(item.record) });
  }
  return out;
}

/** The catalog names a record writes: its protected fields (`sealedFields` when its values
 *  were left out for being sealed) and its plain columns. */
function fieldNames(r: CustomerRecord, sealedFields?: readonly string[]): string[] {
  const plain: Record<string, string> = { account_id: 'accountId', tier: 'tier', status: 'accountStatus', jurisdiction: 'jurisdiction', created_at: 'createdAt' };
  return [...(sealedFields ?? Object.keys(r.values)), ...Object.keys(r.plain).map((k) => plain[k] as string)].sort();
}

async function insertFresh(trx: IntegrationDb, vault: Vault, fresh: ReadonlyArray<{ item: WriteItem; customerId: string }>, opts: WriteOptions): Promise<void> {
  if (fresh.length === 0) return;
  const col = (f: (x: { item: WriteItem; customerId: string }) => string | number | null) => fresh.map(f);
  await trx.executeQuery(CompiledQuery.raw(INSERT_CUSTOMERS, [
    col((f) => f.customerId), col((f) => f.item.record.externalId), col((f) => f.item.record.plain.account_id ?? f.item.record.externalId),
    col((f) => f.item.record.plain.jurisdiction as string), col((f) => f.item.record.plain.tier ?? 'standard'), col((f) => f.item.record.plain.status ?? 'active'),
    col((f) => (f.item.record.plain.created_at ?? opts.now).toISOString()), opts.importId ?? null, col((f) => (opts.importId === undefined ? null : f.item.line)),
  ]));
  const vdb = trx as unknown as VaultDb;
  await vault.insertPrepared(vdb, fresh.flatMap((f) => (f.item.prepared ? [f.item.prepared] : [])));
  const rest = fresh.filter((f) => f.item.prepared === undefined);
  await vault.importCustomers(vdb, rest.map(({ item, customerId }) => ({ customerId, values: item.record.values, indexes: item.record.indexes })));
}

async function updateExisting(trx: IntegrationDb, vault: Vault, customerId: string, item: WriteItem, opts: WriteOptions): Promise<void> {
  const r = item.record;
  const plain = { ...r.plain, ...(opts.importId === undefined ? {} : { import_id: opts.importId, import_line: item.line }) };
  if (Object.keys(plain).length > 0) await trx.updateTable('customers').set(plain).where('id', '=', customerId).execute();
  const vdb = trx as unknown as VaultDb;
  await vault.writeFields(vdb, customerId, r.values);
  for (const [field, canonical] of Object.entries(r.indexes)) await vault.writeBlindIndex(vdb, customerId, field, canonical);
  const keep = Object.keys(r.values);
  const drop = opts.mode === 'replace' ? undefined : r.removed;
  await removeFields(trx, customerId, drop, keep);
}

/** Removes the protected fields `drop` (or, when `drop` is undefined, every field not in
 *  `keep`) with their blind indexes. */
async function removeFields(trx: IntegrationDb, customerId: string, drop: readonly string[] | undefined, keep: readonly string[]): Promise<void> {
  if (drop !== undefined && drop.length === 0) return;
  const db = trx as unknown as Kysely<{ customer_fields: { customer_id: string; field: string }; blind_indexes: { customer_id: string; field: string } }>;
  for (const table of ['customer_fields', 'blind_indexes'] as const) {
    let q = db.deleteFrom(table).where('customer_id', '=', customerId);
    if (drop !== undefined) q = q.where('field', 'in', drop);
    else if (keep.length > 0) q = q.where('field', 'not in', keep);
    await q.execute();
  }
}
