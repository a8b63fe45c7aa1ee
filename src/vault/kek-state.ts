// The KEK versions of a database (migrations/0080_kek_versions.sql): which KEK is current for
// every server, which are still referenced, and the state changes of rotation and retirement.
// docs/design/vault.md "Rotation".
import { sql, type Kysely } from 'kysely';
import { KeyholeError } from '../shared/errors.js';
import { kekVersion, type KeyProvider } from './key-provider.js';

/** One row of kek_versions. */
export interface KekVersionTable {
  kek_id: string;
  version: number;
  state: 'current' | 'previous' | 'retired';
  created_at: Date;
  retired_at: Date | null;
}

/** The tables this module reads and writes. */
export interface KekTables {
  kek_versions: KekVersionTable;
  customer_keys: { customer_id: string; kek_id: string; key_version: number; wrapped_key: Uint8Array | null };
}

/** A database (or open transaction) holding at least the KEK tables. */
export type KekDb = Kysely<KekTables>;

/** One KEK version as `keyhole keys status` shows it. */
export interface KekStatus {
  readonly kekId: string;
  readonly version: number;
  readonly state: 'current' | 'previous' | 'retired';
  readonly createdAt: string;
  readonly retiredAt: string | null;
  /** Live (not shredded) data keys wrapped under this KEK now. */
  readonly dataKeys: number;
}

/** The id of the current KEK. On a database that has none recorded yet, records
 *  `keys.initialKekId` as current, and every other KEK id some data key references as previous
 *  (a database from before kek_versions). Concurrent first calls agree (insert … on conflict).
 *  @throws KeyholeError KEY_UNAVAILABLE when the recorded current KEK is not of this provider's
 *  kind (the database was set up with another provider). */
export async function currentKekId(db: KekDb, keys: KeyProvider, now: Date = new Date()): Promise<string> {
  let row = await db.selectFrom('kek_versions').select('kek_id').where('state', '=', 'current').executeTakeFirst();
  if (!row) {
    await seedKekVersions(db, keys, now);
    row = await db.selectFrom('kek_versions').select('kek_id').where('state', '=', 'current').executeTakeFirstOrThrow();
  }
  if (!row.kek_id.startsWith(`${keys.kind}:`)) {
    throw new KeyholeError('KEY_UNAVAILABLE', `The current KEK ${row.kek_id} is not held by the ${keys.kind} key provider this server runs on.`);
  }
  return row.kek_id;
}

async function seedKekVersions(db: KekDb, keys: KeyProvider, now: Date): Promise<void> {
  const initial = keys.initialKekId;
  const v = kekVersion(initial);
  if (v === undefined) throw new KeyholeError('KEY_UNAVAILABLE', `The key provider's KEK id ${initial} is malformed.`);
  const referenced = await db.selectFrom('customer_keys').select('kek_id').distinct().where('wrapped_key', 'is not', null).execute();
  const rows: KekVersionTable[] = [{ kek_id: initial, version: v, state: 'current', created_at: now, retired_at: null }];
  for (const r of referenced) {
    const rv = kekVersion(r.kek_id);
    if (r.kek_id !== initial && rv !== undefined && rv !== v) rows.push({ kek_id: r.kek_id, version: rv, state: 'previous', created_at: now, retired_at: null });
  }
  // One statement: either this seeding wins entirely or another server's did.
  await db.insertInto('kek_versions').values(rows).onConflict((oc) => oc.doNothing()).execute();
}

/** Every KEK version with the number of live data keys under it, oldest first; a KEK id some
 *  data key references that the table does not know is listed as `previous` with version 0. */
export async function kekStatus(db: KekDb, keys: KeyProvider): Promise<KekStatus[]> {
  await currentKekId(db, keys);
  const versions = await db.selectFrom('kek_versions').selectAll().orderBy('version').execute();
  const counts = await db.selectFrom('customer_keys').select(['kek_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('wrapped_key', 'is not', null).groupBy('kek_id').execute();
  const byId = new Map(counts.map((c) => [c.kek_id, Number(c.n)]));
  const out: KekStatus[] = versions.map((r) => ({
    kekId: r.kek_id, version: r.version, state: r.state, createdAt: new Date(r.created_at).toISOString(),
    retiredAt: r.retired_at === null ? null : new Date(r.retired_at).toISOString(), dataKeys: byId.get(r.kek_id) ?? 0,
  }));
  for (const [kekId, n] of byId) {
    if (!versions.some((r) => r.kek_id === kekId)) out.push({ kekId, version: 0, state: 'previous', createdAt: '', retiredAt: null, dataKeys: n });
  }
  return out;
}

/** The live data keys not under the current KEK: what the re-wrap job still has to do. */
export async function dataKeysToRewrap(db: KekDb, currentId: string): Promise<number> {
  const r = await db.selectFrom('customer_keys').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('wrapped_key', 'is not', null).where('kek_id', '<>', currentId).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Makes a new KEK version current, in `trx` (which MUST be a transaction): locks the table,
 *  creates KEK `max(version known to the database or the provider) + 1` in the provider and
 *  records it as current, the old current as previous. Always a new version: rotating twice
 *  gives two new versions. Returns the old and new ids.
 *  @throws KeyholeError KEY_UNAVAILABLE / HSM_* from the provider. */
export async function rotateCurrentKek(trx: KekDb, keys: KeyProvider, now: Date): Promise<{ readonly from: string; readonly to: string }> {
  const from = await currentKekId(trx, keys, now);
  await sql`lock table kek_versions in share row exclusive mode`.execute(trx);
  const rows = await trx.selectFrom('kek_versions').select(['kek_id', 'version']).execute();
  const known = [...rows.map((r) => r.version), ...(await keys.kekIds()).map((id) => kekVersion(id) ?? 0)];
  const next = Math.max(0, ...known) + 1;
  const to = await keys.createKek(next);
  await trx.updateTable('kek_versions').set({ state: 'previous' }).where('state', '=', 'current').execute();
  await trx.insertInto('kek_versions').values({ kek_id: to, version: next, state: 'current', created_at: now, retired_at: null }).execute();
  return { from, to };
}

/** Retires KEK `kekId` in `trx` (a transaction) once nothing references it: the row becomes
 *  `retired` and the provider destroys (or forgets) the key. Returns whether the provider held it.
 *  @throws KeyholeError NOT_FOUND (unknown to the database), KEK_IN_USE (current, or data keys
 *  still wrapped under it; details.dataKeys), CONFLICT (already retired). */
export async function retireKek(trx: KekDb, keys: KeyProvider, kekId: string, now: Date): Promise<{ readonly destroyed: boolean }> {
  await currentKekId(trx, keys, now);
  await sql`lock table kek_versions in share row exclusive mode`.execute(trx);
  const row = await trx.selectFrom('kek_versions').select(['state']).where('kek_id', '=', kekId).executeTakeFirst();
  if (!row) throw new KeyholeError('NOT_FOUND', `No KEK ${kekId} in this database.`);
  if (row.state === 'retired') throw new KeyholeError('CONFLICT', `KEK ${kekId} is already retired.`);
  if (row.state === 'current') throw new KeyholeError('KEK_IN_USE', `KEK ${kekId} is current; rotate first.`, { details: { dataKeys: null } });
  // Block new wraps/re-wraps under it while we count (they take row locks on customer_keys).
  await sql`lock table customer_keys in share mode`.execute(trx);
  const n = await trx.selectFrom('customer_keys').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('kek_id', '=', kekId).where('wrapped_key', 'is not', null).executeTakeFirstOrThrow();
  if (Number(n.n) > 0) {
    throw new KeyholeError('KEK_IN_USE', `${n.n} data keys are still wrapped under KEK ${kekId}; run keyhole keys rewrap first.`, { details: { dataKeys: Number(n.n) } });
  }
  await trx.updateTable('kek_versions').set({ state: 'retired', retired_at: now }).where('kek_id', '=', kekId).execute();
  return { destroyed: await keys.destroyKek(kekId) };
}
