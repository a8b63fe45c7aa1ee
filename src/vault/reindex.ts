// Blind-index key rotation by re-indexing: every blind_indexes row not under the current
// blind-index key version is recomputed from the decrypted field (through the caller's
// canonicalizer), in batches whose cursor lives in blind_index_reindex, so a run resumes where
// any instance stopped; the old version is retired once no row references it. Lookups keep
// working throughout (they try every live version). docs/design/vault.md "Blind-index key rotation".
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { KeyholeError } from '../shared/errors.js';
import { blindIndexDigest } from './blind-index.js';
import { inTransaction } from './data-keys.js';
import type { KeyProvider } from './key-provider.js';
import { liveVersions, markRetired, rotateKeyVersion, type KeyVersionDb } from './key-versions.js';
import type { VaultDb, VaultTables } from './tables.js';

/** The canonical string a stored value is indexed by (src/fields `canonicalFromValue`), or null
 *  when the field has no blind index or the value does not parse. `jurisdiction` is the
 *  customer's country hint. */
export type Canonicalizer = (field: string, value: unknown, customer: { readonly jurisdiction: string }) => string | null;

/** Decrypts `fields` of `customerId` in `trx` (Vault.readFields). */
export type FieldReader = (trx: VaultDb, customerId: string, fields: readonly string[]) => Promise<Map<string, unknown>>;

/** What a re-index run did. */
export interface ReindexResult {
  /** The current version every row is now under. */
  readonly toVersion: number;
  /** Rows recomputed by this run. */
  readonly reindexed: number;
  /** Rows deleted by this run because their value is gone or has no canonical form (such an
   *  index could never be recomputed; it would stop matching once the old key is destroyed). */
  readonly dropped: number;
  /** Versions retired at the end of this run (empty when none was live or another run did it). */
  readonly retired: readonly number[];
  /** Of `retired`, those the provider destroyed. */
  readonly destroyed: readonly number[];
}

/** Options of a run. `onRetire` runs in the retiring transaction (the CLI appends the log
 *  record there); `onProgress` gets this run's count after each batch. */
export interface ReindexOptions {
  readonly batchSize?: number;
  readonly now?: () => Date;
  readonly onProgress?: (done: number) => void;
  readonly onRetire?: (trx: VaultDb, info: { readonly versions: readonly number[]; readonly reindexed: number; readonly dropped: number }) => Promise<void>;
}

interface Row { customer_id: string; field: string; digest: Uint8Array; key_version: number; jurisdiction: string }
type ReindexDb = Kysely<any>;

/** Starts a blind-index rotation in `trx` (a transaction): creates version `max + 1` in the
 *  provider (an orphan of a rotation whose transaction failed is replaced), makes it current,
 *  the old one previous, and stores its key check value. Returns both versions.
 *  @throws KeyholeError ROTATION_IN_PROGRESS when a previous version is still live. */
export async function startBlindIndexRotation(trx: VaultDb, keys: KeyProvider, now: Date, keyCheck: (version: number) => Promise<void>): Promise<{ readonly from: number; readonly to: number }> {
  const r = await rotateKeyVersion(trx as unknown as KeyVersionDb, 'blind-index', now, async (v) => {
    try {
      await keys.createBlindIndexKey(v);
    } catch (e) {
      if (!(e instanceof KeyholeError && e.code === 'CONFLICT')) throw e;
      await keys.destroyBlindIndexKey(v); // never current: no digest can be under it
      await keys.createBlindIndexKey(v);
    }
    return {};
  });
  await keyCheck(r.to);
  return r;
}

/** Rows still to re-index (not under `toVersion`). */
export async function indexesToReindex(db: VaultDb, toVersion: number): Promise<number> {
  const r = await db.selectFrom('blind_indexes').select((eb) => eb.fn.countAll<string>().as('n')).where('key_version', '<>', toVersion).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Re-indexes every row not under the current blind-index version, then retires the older
 *  versions (row `retired`, key destroyed in the provider after commit). Each batch commits in
 *  its own transaction with the job row locked (FOR UPDATE), so instances running it at once take
 *  turns and an interrupted run resumes at the stored cursor; nothing is unfindable in between.
 *  A row changed meanwhile (rewritten, erased) is left to its writer. Idempotent: with one live
 *  version it does nothing.
 *  @throws KeyholeError DECRYPT_FAILED / KEY_UNAVAILABLE (details.customerId) when a field does
 *  not decrypt; batches before it stay committed. */
export async function reindexBlindIndexes(db: VaultDb, keys: KeyProvider, read: FieldReader, canonicalOf: Canonicalizer, opts: ReindexOptions = {}): Promise<ReindexResult> {
  const batchSize = opts.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const now = opts.now ?? (() => new Date());
  const live = await liveVersions(db as unknown as KeyVersionDb, 'blind-index');
  const to = live.current;
  let reindexed = 0;
  let dropped = 0;
  if (live.previous.length === 0) return { toVersion: to, reindexed, dropped, retired: [], destroyed: [] };
  const t0 = now();
  await db.insertInto('blind_index_reindex').values({
    to_version: to, from_version: Math.max(...live.previous), cursor_customer_id: null, cursor_field: null, reindexed: 0, dropped: 0, started_at: t0, updated_at: t0, finished_at: null,
  }).onConflict((oc) => oc.column('to_version').doNothing()).execute();
  for (;;) {
    const step = await inTransaction(db, (trx) => reindexBatch(trx, keys, read, canonicalOf, to, batchSize, now()));
    reindexed += step.reindexed;
    dropped += step.dropped;
    if (step.rows > 0) opts.onProgress?.(reindexed + dropped);
    if (step.rows === 0 && (await indexesToReindex(db, to)) === 0) break;
  }
  const retired = await inTransaction(db, async (trx) => {
    // One retirer at a time (the lock conflicts with itself, not with writers' row locks); then
    // wait for any in-flight index write so the count below is final.
    await sql`lock table key_versions in share row exclusive mode`.execute(trx);
    await sql`lock table blind_indexes in share mode`.execute(trx);
    const versions = (await liveVersions(trx as unknown as KeyVersionDb, 'blind-index')).previous;
    if (versions.length === 0 || (await indexesToReindex(trx, to)) > 0) return [];
    for (const v of versions) await markRetired(trx as unknown as KeyVersionDb, 'blind-index', v, now());
    await trx.updateTable('blind_index_reindex').set({ finished_at: now(), updated_at: now() }).where('to_version', '=', to).execute();
    await opts.onRetire?.(trx, { versions, reindexed, dropped });
    return versions;
  });
  const destroyed: number[] = [];
  for (const v of retired) if (await keys.destroyBlindIndexKey(v)) destroyed.push(v);
  return { toVersion: to, reindexed, dropped, retired, destroyed };
}

/** One batch in `trx`: lock the job row, take the next rows after its cursor, recompute them,
 *  move the cursor. At the end of the table the cursor goes back to the start (rows written
 *  behind it before the rotation committed are caught on the next pass). */
async function reindexBatch(
  trx: VaultDb, keys: KeyProvider, read: FieldReader, canonicalOf: Canonicalizer, to: number, batchSize: number, now: Date,
): Promise<{ rows: number; reindexed: number; dropped: number }> {
  const job = await trx.selectFrom('blind_index_reindex').selectAll().where('to_version', '=', to).forUpdate().executeTakeFirstOrThrow();
  const cc = job.cursor_customer_id;
  const cf = job.cursor_field ?? '';
  const rows: Row[] = await (trx as unknown as ReindexDb).selectFrom('blind_indexes as b').innerJoin('customers as c', 'c.id', 'b.customer_id')
    .select(['b.customer_id', 'b.field', 'b.digest', 'b.key_version', 'c.jurisdiction'])
    .where('b.key_version', '<>', to)
    .$if(cc !== null, (qb) => qb.where((eb) => eb.or([eb('b.customer_id', '>', cc), eb.and([eb('b.customer_id', '=', cc), eb('b.field', '>', cf)])])))
    .orderBy('b.customer_id').orderBy('b.field').limit(batchSize).execute();
  if (rows.length === 0) {
    if (cc !== null) await trx.updateTable('blind_index_reindex').set({ cursor_customer_id: null, cursor_field: null, updated_at: now }).where('to_version', '=', to).execute();
    return { rows: 0, reindexed: 0, dropped: 0 };
  }
  let reindexed = 0;
  let dropped = 0;
  const byCustomer = new Map<string, Row[]>();
  for (const r of rows) byCustomer.set(r.customer_id, [...(byCustomer.get(r.customer_id) ?? []), r]);
  for (const [customerId, mine] of byCustomer) {
    let values: Map<string, unknown>;
    try {
      values = await read(trx, customerId, mine.map((r) => r.field));
    } catch (e) {
      if (e instanceof KeyholeError && (e.code === 'CUSTOMER_ERASED' || e.code === 'NOT_FOUND')) values = new Map(); // the erase deletes its indexes
      else if (e instanceof KeyholeError) throw new KeyholeError(e.code, e.message, { cause: e.cause ?? e, details: { customerId } });
      else throw e;
    }
    for (const r of mine) {
      // Only the row as read: a row rewritten or erased meanwhile belongs to its writer.
      const unchanged = (eb: ExpressionBuilder<VaultTables, 'blind_indexes'>) => eb.and([
        eb('customer_id', '=', r.customer_id), eb('field', '=', r.field), eb('key_version', '=', r.key_version), eb('digest', '=', Buffer.from(r.digest)),
      ]);
      const value = values.get(r.field);
      const canonical = value === undefined ? null : canonicalOf(r.field, value, { jurisdiction: r.jurisdiction });
      if (canonical === null) {
        const res = await trx.deleteFrom('blind_indexes').where(unchanged).executeTakeFirst();
        dropped += Number(res.numDeletedRows);
        continue;
      }
      const digest = Buffer.from(await blindIndexDigest(keys, r.field, canonical, to));
      const res = await trx.updateTable('blind_indexes').set({ digest, key_version: to }).where(unchanged).executeTakeFirst();
      reindexed += Number(res.numUpdatedRows);
    }
  }
  const last = rows.at(-1) as Row;
  await trx.updateTable('blind_index_reindex').set((eb) => ({
    cursor_customer_id: last.customer_id, cursor_field: last.field, updated_at: now,
    reindexed: sql`${eb.ref('reindexed')} + ${reindexed}`, dropped: sql`${eb.ref('dropped')} + ${dropped}`,
  })).where('to_version', '=', to).execute();
  return { rows: rows.length, reindexed, dropped };
}
