// The versions of the blind-index key and of the checkpoint signing key
// (migrations/0082_key_versions.sql): which one is current for every server, which older ones
// are still in use (blind-index: referenced by some digest; checkpoint: signing until the end of
// the overlap), and the state changes of rotation and retirement. docs/design/vault.md
// "Blind-index key rotation", "Signing-key rotation".
import { sql, type Kysely } from 'kysely';
import { KeyholeError } from '../shared/errors.js';

/** Which versioned key: the blind-index HMAC key or the log's checkpoint signing key. */
export type VersionedKeyId = 'blind-index' | 'checkpoint';

/** One row of key_versions. */
export interface KeyVersionTable {
  key_id: VersionedKeyId;
  version: number;
  state: 'current' | 'previous' | 'retired';
  verifier_key: string | null;
  created_at: Date;
  overlap_until: Date | null;
  retired_at: Date | null;
}

/** One row of blind_index_reindex: the cursor and counts of the re-index job of a rotation. */
export interface BlindIndexReindexTable {
  to_version: number;
  from_version: number;
  cursor_customer_id: string | null;
  cursor_field: string | null;
  reindexed: string | number;
  dropped: string | number;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

/** The tables this module reads and writes. */
export interface KeyVersionTables {
  key_versions: KeyVersionTable;
  blind_index_reindex: BlindIndexReindexTable;
  blind_indexes: import('./tables.js').BlindIndexTable;
}

/** A database (or open transaction) holding at least these tables. */
export type KeyVersionDb = Kysely<KeyVersionTables>;

/** One key version as `keyhole keys status` shows it. */
export interface KeyVersionStatus {
  readonly keyId: VersionedKeyId;
  readonly version: number;
  readonly state: 'current' | 'previous' | 'retired';
  readonly verifierKey: string | null;
  readonly createdAt: string;
  readonly overlapUntil: string | null;
  readonly retiredAt: string | null;
  /** blind-index: the digests computed under this version now; checkpoint: null. */
  readonly references: number | null;
}

/** The versions of `keyId` that are not retired, current first (then newest first).
 *  `lock: 'share'` (inside a transaction) locks the current row so that a rotation waits for
 *  the transaction: a writer that computed a digest under it commits before the version changes.
 *  @throws KeyholeError KEY_UNAVAILABLE when the database has no current version. */
export async function liveVersions(db: KeyVersionDb, keyId: VersionedKeyId, opts: { readonly lock?: 'share' } = {}): Promise<{ readonly current: number; readonly previous: readonly number[]; readonly rows: readonly KeyVersionTable[] }> {
  let q = db.selectFrom('key_versions').selectAll().where('key_id', '=', keyId).where('state', '<>', 'retired').orderBy('version', 'desc');
  if (opts.lock === 'share') q = q.forShare();
  const rows = await q.execute();
  const cur = rows.find((r) => r.state === 'current');
  if (!cur) throw new KeyholeError('KEY_UNAVAILABLE', `The database records no current ${keyId} key version.`);
  return { current: cur.version, previous: rows.filter((r) => r.state === 'previous').map((r) => r.version), rows };
}

/** Makes version `max + 1` of `keyId` current in `trx` (which MUST be a transaction) after
 *  `create(next, currentVersion)` made it in the key provider; the old current becomes previous (a checkpoint
 *  key with `overlapUntil`, until which it still signs). Waits for writers holding the current
 *  row (liveVersions with lock). Returns both versions.
 *  @throws KeyholeError ROTATION_IN_PROGRESS when a blind-index rotation has not finished (an
 *  older version is still live); errors of `create`. */
export async function rotateKeyVersion(
  trx: KeyVersionDb, keyId: VersionedKeyId, now: Date,
  create: (version: number, previous: number) => Promise<{ readonly verifierKey?: string; readonly previousVerifierKey?: string }>,
  opts: { readonly overlapUntil?: Date } = {},
): Promise<{ readonly from: number; readonly to: number }> {
  await sql`lock table key_versions in share row exclusive mode`.execute(trx);
  const all = await trx.selectFrom('key_versions').selectAll().where('key_id', '=', keyId).execute();
  const cur = all.find((r) => r.state === 'current');
  if (!cur) throw new KeyholeError('KEY_UNAVAILABLE', `The database records no current ${keyId} key version.`);
  const live = all.filter((r) => r.state === 'previous');
  if (keyId === 'blind-index' && live.length > 0) {
    throw new KeyholeError('ROTATION_IN_PROGRESS', `Blind-index key version ${live.map((r) => r.version).join(', ')} is still in use; run keyhole keys reindex to finish the rotation first.`);
  }
  const next = Math.max(...all.map((r) => r.version)) + 1;
  const made = await create(next, cur.version);
  await trx.updateTable('key_versions').set({
    state: 'previous', overlap_until: opts.overlapUntil ?? null,
    ...(cur.verifier_key === null && made.previousVerifierKey !== undefined ? { verifier_key: made.previousVerifierKey } : {}),
  }).where('key_id', '=', keyId).where('version', '=', cur.version).execute();
  await trx.insertInto('key_versions').values({
    key_id: keyId, version: next, state: 'current', verifier_key: made.verifierKey ?? null, created_at: now, overlap_until: null, retired_at: null,
  }).execute();
  return { from: cur.version, to: next };
}

/** Marks version `version` of `keyId` retired in `trx` (a transaction). The caller checked that
 *  nothing uses it and destroys it in the provider.
 *  @throws KeyholeError NOT_FOUND (unknown), CONFLICT (already retired), KEY_IN_USE (current). */
export async function markRetired(trx: KeyVersionDb, keyId: VersionedKeyId, version: number, now: Date): Promise<void> {
  const row = await trx.selectFrom('key_versions').select('state').where('key_id', '=', keyId).where('version', '=', version).forUpdate().executeTakeFirst();
  if (!row) throw new KeyholeError('NOT_FOUND', `No ${keyId} key version ${version} in this database.`);
  if (row.state === 'retired') throw new KeyholeError('CONFLICT', `${keyId} key version ${version} is already retired.`);
  if (row.state === 'current') throw new KeyholeError('KEY_IN_USE', `${keyId} key version ${version} is current; rotate first.`, { details: { references: null } });
  await trx.updateTable('key_versions').set({ state: 'retired', retired_at: now }).where('key_id', '=', keyId).where('version', '=', version).execute();
}

/** Every version of both keys, oldest first, with the number of digests under each
 *  blind-index version. */
export async function keyVersionStatus(db: KeyVersionDb): Promise<KeyVersionStatus[]> {
  const rows = await db.selectFrom('key_versions').selectAll().orderBy('key_id').orderBy('version').execute();
  const counts = await db.selectFrom('blind_indexes').select(['key_version', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('key_version').execute();
  const byVersion = new Map(counts.map((c) => [c.key_version, Number(c.n)]));
  const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());
  return rows.map((r) => ({
    keyId: r.key_id, version: r.version, state: r.state, verifierKey: r.verifier_key, createdAt: new Date(r.created_at).toISOString(),
    overlapUntil: iso(r.overlap_until), retiredAt: iso(r.retired_at), references: r.key_id === 'blind-index' ? (byVersion.get(r.version) ?? 0) : null,
  }));
}
