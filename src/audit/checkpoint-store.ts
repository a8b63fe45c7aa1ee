// The signed checkpoints of the log (tlog_checkpoints): every checkpoint the integrator signed,
// kept forever so a verifier can check each one against the current tree. C2SP tlog-checkpoint.
import type { Kysely } from 'kysely';
import type { AuditTables } from './tables.js';

/** A stored checkpoint: `size` leaves, 32-byte `rootHash`, the signed `note` verbatim. The
 *  columns come from the database: only `note`, opened with the log's key, is evidence. */
export interface StoredCheckpoint {
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly note: string;
}

const toStored = (r: { size: number; root: Uint8Array; note: string }): StoredCheckpoint =>
  Object.freeze({ size: Number(r.size), rootHash: new Uint8Array(r.root.buffer, r.root.byteOffset, r.root.byteLength), note: r.note });

/** The checkpoint with the largest size, or undefined before the first one is signed. */
export async function latestCheckpoint(db: Kysely<AuditTables>): Promise<StoredCheckpoint | undefined> {
  const r = await db.selectFrom('tlog_checkpoints').select(['size', 'root', 'note']).orderBy('size', 'desc').limit(1).executeTakeFirst();
  return r && toStored(r);
}

/** The checkpoint signed at exactly `size`, or undefined. */
export async function checkpointAt(db: Kysely<AuditTables>, size: number): Promise<StoredCheckpoint | undefined> {
  const r = await db.selectFrom('tlog_checkpoints').select(['size', 'root', 'note']).where('size', '=', size).executeTakeFirst();
  return r && toStored(r);
}

/** Up to `limit` checkpoints with size > `after`, by size ascending (pagination by key). */
export async function checkpointsAfter(db: Kysely<AuditTables>, after: number, limit: number): Promise<readonly StoredCheckpoint[]> {
  const rows = await db.selectFrom('tlog_checkpoints').select(['size', 'root', 'note']).where('size', '>', after).orderBy('size').limit(limit).execute();
  return rows.map(toStored);
}

/** Records a signed checkpoint. MUST run in the transaction that stores the tiles and entries
 *  of that size. A second checkpoint of the same size fails (primary key). */
export async function insertCheckpoint(trx: Kysely<AuditTables>, cp: StoredCheckpoint, signedAt: Date): Promise<void> {
  await trx.insertInto('tlog_checkpoints').values({ size: cp.size, root: cp.rootHash, note: cp.note, signed_at: signedAt }).execute();
}
