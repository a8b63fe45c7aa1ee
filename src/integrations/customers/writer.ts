// Writes checked customer records (record.ts) inside the caller's transaction: new customers
// in bulk (rows, data keys, sealed fields and blind indexes in a few multi-row inserts),
// existing ones field by field under their own data key. Upsert by externalId, so writing the
// same records twice leaves the same state. Used by the file import and the service API.
import type { Kysely } from 'kysely';
import { newId } from '../../access/ids.js';
import type { Vault } from '../../vault/vault.js';
import type { VaultDb } from '../../vault/tables.js';
import type { IntegrationDb } from '../tables.js';
import type { CustomerRecord } from './record.js';

/** One record with where it came from (its line; 0 for an API call). */
export interface WriteItem {
  readonly line: number;
  readonly record: CustomerRecord;
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
  for (let i = 0; i < ids.length; i += 5000) {
    const rows = await trx.selectFrom('customers').select(['id', 'external_id', 'erased_at', 'import_id', 'import_line'])
      .where('external_id', 'in', ids.slice(i, i + 5000)).forUpdate().execute();
    for (const r of rows) existing.set(r.external_id as string, { id: r.id, erased: r.erased_at !== null, importId: r.import_id, importLine: r.import_line });
  }
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
      fresh.push({ item, customerId: newId('cus') });
    }
  }
  await insertFresh(trx, vault, fresh, opts);
  for (const f of fresh) out.created.push({ line: f.item.line, externalId: f.item.record.externalId, customerId: f.customerId, fields: fieldNames(f.item.record) });
  for (const c of changes) {
    await updateExisting(trx, vault, c.customerId, c.item, opts);
    out.updated.push({ line: c.item.line, externalId: c.item.record.externalId, customerId: c.customerId, fields: fieldNames(c.item.record) });
  }
  return out;
}

function fieldNames(r: CustomerRecord): string[] {
  const plain: Record<string, string> = { account_id: 'accountId', tier: 'tier', status: 'accountStatus', jurisdiction: 'jurisdiction', created_at: 'createdAt' };
  return [...Object.keys(r.values), ...Object.keys(r.plain).map((k) => plain[k] as string)].sort();
}

async function insertFresh(trx: IntegrationDb, vault: Vault, fresh: ReadonlyArray<{ item: WriteItem; customerId: string }>, opts: WriteOptions): Promise<void> {
  for (let i = 0; i < fresh.length; i += 2000) {
    const part = fresh.slice(i, i + 2000);
    await trx.insertInto('customers').values(part.map(({ item, customerId }) => {
      const p = item.record.plain;
      return {
        id: customerId, external_id: item.record.externalId, account_id: p.account_id ?? item.record.externalId, jurisdiction: p.jurisdiction as string,
        tier: p.tier ?? 'standard', status: p.status ?? 'active', created_at: p.created_at ?? opts.now, erased_at: null,
        import_id: opts.importId ?? null, import_line: opts.importId === undefined ? null : item.line,
      };
    })).execute();
  }
  await vault.importCustomers(trx as unknown as VaultDb, fresh.map(({ item, customerId }) => ({ customerId, values: item.record.values, indexes: item.record.indexes })));
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
