// The vault: envelope encryption of customer fields (one data key per customer, AES-256-GCM per
// field), blind indexes for exact match and verify-only fields, KEK rotation and crypto-shredding.
// DESIGN.md invariant 5; docs/design/vault.md.
import { CompiledQuery, sql } from 'kysely';
import { systemClock, type Clock } from '../shared/clock.js';
import { KeyholeError } from '../shared/errors.js';
import { assertFieldName, blindIndexDigest, digestsEqual } from './blind-index.js';
import { DataKeyCache } from './data-key-cache.js';
import { DataKeys, inTransaction, lockLiveCustomer } from './data-keys.js';
import { decryptFailed, openField, sealField } from './envelope.js';
import type { KeyProvider } from './key-provider.js';
import { rewrapDataKeys, type RewrapProgress } from './rotation.js';
import { liveVersions, type KeyVersionDb } from './key-versions.js';
import { reindexBlindIndexes, startBlindIndexRotation, type Canonicalizer, type ReindexOptions, type ReindexResult } from './reindex.js';
import { importCustomerSecrets, insertSecrets, reindex, rewrap, wrapAndIndex, type NewCustomerSecrets, type PreparedSecrets, type SealedCustomer } from './bulk-import.js';
import { currentKekId, type KekDb } from './kek-state.js';
import type { VaultDb } from './tables.js';
import { prepared } from '../store/prepared.js';


// Precompiled (issue 13): the customer's erasure mark, data-key row and the wanted sealed fields.
const READ_FIELDS = prepared(`select c.erased_at, k.kek_id, k.key_version, k.wrapped_key, f.field, f.ciphertext
  from customers c
  left join customer_keys k on k.customer_id = c.id
  left join customer_fields f on f.customer_id = c.id and f.field = any($2::text[])
  where c.id = $1`);

/** Select-list items for a statement that has the customer's row as `c` (a `customers` alias):
 *  the customer's data-key row and every sealed field, for Vault.openPrefetched — so a request
 *  reads its ticket, customer and ciphertexts in one round trip (issue 13). Ciphertexts stay
 *  sealed until openPrefetched decrypts the fields it is asked for. Columns: `vault_key` (json
 *  {kekId, keyVersion, wrapped: base64 | null} or null) and `vault_fields` (json
 *  [{field, ciphertext: base64}] or null). */
export const SEALED_FIELDS_COLUMNS = `(select json_build_object('kekId', k.kek_id, 'keyVersion', k.key_version, 'wrapped', encode(k.wrapped_key, 'base64'))
     from customer_keys k where k.customer_id = c.id) as vault_key,
  (select json_agg(json_build_object('field', f.field, 'ciphertext', encode(f.ciphertext, 'base64')))
     from customer_fields f where f.customer_id = c.id) as vault_fields`;

/** The columns SEALED_FIELDS_COLUMNS adds to a row (json columns as the driver parses them). */
export interface SealedFieldsPrefetch {
  readonly vault_key: { kekId: string; keyVersion: number; wrapped: string | null } | null;
  readonly vault_fields: ReadonlyArray<{ field: string; ciphertext: string }> | null;
}

interface ReadFieldsRow {
  erased_at: Date | null; kek_id: string | null; key_version: number | null; wrapped_key: Uint8Array | null; field: string | null; ciphertext: Uint8Array | null;
}

/** vault_meta key of the blind-index key check value. */
export const KEY_CHECK_META = 'blind_index_key_check';
/** The message whose blind-index HMAC is the key check value (no NUL: never a blind index). */
export const KEY_CHECK_MESSAGE = 'keyhole/key-check/v1';

/** True when `db` already holds a key check value, i.e. data was indexed under some keys: a
 *  server without those keys must not create new ones. */
export async function hasKeyCheck(db: VaultDb): Promise<boolean> {
  const row = await db.selectFrom('vault_meta').select('key').where('key', '=', KEY_CHECK_META).executeTakeFirst();
  return row !== undefined;
}

/** Options of a Vault. */
export interface VaultOptions {
  /** Source of `customers.erased_at` (default the system clock). */
  readonly clock?: Clock;
  /** Unwrapped data keys kept in memory (default 1,000; 0 disables the cache). */
  readonly cacheSize?: number;
}

/** Encrypts, decrypts, indexes and shreds customer fields. Every method that takes a `db`
 *  accepts a Kysely instance or an open transaction holding at least `VaultTables`. Values are
 *  JSON-encoded before sealing, so what comes back is what JSON gives (a Date becomes a string).
 *  No method logs or puts a value or key in an error. */
export class Vault {
  readonly #keys: KeyProvider;
  readonly #clock: Clock;
  readonly #cache: DataKeyCache;
  readonly #dataKeys: DataKeys;

  constructor(keys: KeyProvider, opts: VaultOptions = {}) {
    this.#keys = keys;
    this.#clock = opts.clock ?? systemClock;
    this.#cache = new DataKeyCache(opts.cacheSize ?? 1000);
    this.#dataKeys = new DataKeys(keys, this.#cache);
  }

  /** Creates the customer's data key (random 256 bits, wrapped by the current KEK) unless it
   *  exists; idempotent. @throws KeyholeError NOT_FOUND (no customer row), CUSTOMER_ERASED,
   *  KEY_UNAVAILABLE / DECRYPT_FAILED (an existing key does not unwrap). */
  async createCustomerKey(db: VaultDb, customerId: string): Promise<void> {
    await inTransaction(db, async (trx) => {
      await lockLiveCustomer(trx, customerId);
      await this.#dataKeys.ensure(trx, customerId);
    });
  }

  /** Seals each value (JSON-encoded) under the customer's data key, bound to (customer, field,
   *  key version), and upserts it into customer_fields; creates the data key when missing. All
   *  or nothing. @throws KeyholeError BAD_REQUEST (bad field name, or a value JSON cannot encode
   *  such as undefined), NOT_FOUND, CUSTOMER_ERASED, KEY_UNAVAILABLE, DECRYPT_FAILED. */
  async writeFields(db: VaultDb, customerId: string, values: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>): Promise<void> {
    const entries = values instanceof Map ? [...values.entries()] : Object.entries(values);
    const plain = entries.map(([field, value]) => {
      assertFieldName(field);
      const json = JSON.stringify(value) as string | undefined;
      if (json === undefined) throw new KeyholeError('BAD_REQUEST', `Field ${field} has no JSON value.`);
      return { field, bytes: Buffer.from(json, 'utf8') };
    });
    await inTransaction(db, async (trx) => {
      await lockLiveCustomer(trx, customerId);
      const { keyVersion, dataKey } = await this.#dataKeys.ensure(trx, customerId);
      if (plain.length === 0) return;
      const rows = plain.map(({ field, bytes }) => ({
        customer_id: customerId, field, ciphertext: Buffer.from(sealField(dataKey, { customerId, field, keyVersion }, bytes)),
      }));
      await trx.insertInto('customer_fields').values(rows)
        .onConflict((oc) => oc.columns(['customer_id', 'field']).doUpdateSet({ ciphertext: (eb) => eb.ref('excluded.ciphertext') }))
        .execute();
    });
  }

  /** The data-key cache's hit counts and rate (see DataKeyCache.stats). */
  dataKeyCacheStats() {
    return this.#cache.stats();
  }

  /** Decrypts only the requested fields of the customer; a field never written is absent from
   *  the map. Reads key and ciphertexts in one statement (one snapshot).
   *  @throws KeyholeError NOT_FOUND (no customer row), CUSTOMER_ERASED (tombstone or shredded
   *  key, whatever the cache holds), KEY_UNAVAILABLE (KEK not in the provider), DECRYPT_FAILED
   *  (any cryptographic failure: a ciphertext moved to another customer or field, a flipped
   *  bit, a wrong key). */
  async readFields(db: VaultDb, customerId: string, fields: readonly string[]): Promise<Map<string, unknown>> {
    fields.forEach(assertFieldName);
    const wanted = [...new Set(fields)];
    const { rows } = await db.executeQuery<ReadFieldsRow>(CompiledQuery.raw(READ_FIELDS, [customerId, wanted]));
    const head = rows[0];
    if (!head) throw new KeyholeError('NOT_FOUND', 'No such customer.');
    const key = head.kek_id === null ? null : { kekId: head.kek_id, keyVersion: head.key_version as number, wrapped: head.wrapped_key };
    const sealed = rows.flatMap((r) => (r.field !== null && r.ciphertext !== null ? [{ field: r.field, ciphertext: r.ciphertext }] : []));
    return this.#open(customerId, head.erased_at !== null, key, sealed);
  }

  /** As readFields, on what a caller's own statement read with SEALED_FIELDS_COLUMNS (so a view
   *  needs no statement of its own for the vault): `prefetch` is that statement's vault_key and
   *  vault_fields columns, `erased` its customers.erased_at is not null. Only `fields` are
   *  decrypted. @throws KeyholeError as readFields (BAD_REQUEST for a malformed prefetch). */
  async openPrefetched(customerId: string, erased: boolean, prefetch: SealedFieldsPrefetch, fields: readonly string[]): Promise<Map<string, unknown>> {
    fields.forEach(assertFieldName);
    const wanted = new Set(fields);
    const k = prefetch.vault_key;
    const key = k === null ? null : { kekId: k.kekId, keyVersion: k.keyVersion, wrapped: k.wrapped === null ? null : Buffer.from(k.wrapped, 'base64') };
    const sealed = (prefetch.vault_fields ?? []).flatMap((f) => (wanted.has(f.field) ? [{ field: f.field, ciphertext: Buffer.from(f.ciphertext, 'base64') }] : []));
    return this.#open(customerId, erased, key, sealed);
  }

  async #open(
    customerId: string, erased: boolean, key: { kekId: string; keyVersion: number; wrapped: Uint8Array | null } | null,
    sealed: ReadonlyArray<{ field: string; ciphertext: Uint8Array }>,
  ): Promise<Map<string, unknown>> {
    if (erased || (key !== null && key.wrapped === null)) {
      this.#cache.delete(customerId);
      throw new KeyholeError('CUSTOMER_ERASED');
    }
    const out = new Map<string, unknown>();
    if (sealed.length === 0) return out;
    if (key === null) throw decryptFailed(new Error('fields without a data key'));
    const keyVersion = key.keyVersion;
    const dataKey = await this.#dataKeys.unwrap(customerId, { kekId: key.kekId, keyVersion, wrapped: key.wrapped });
    for (const r of sealed) {
      const bytes = openField(dataKey, { customerId, field: r.field, keyVersion }, r.ciphertext);
      try {
        out.set(r.field, JSON.parse(Buffer.from(bytes).toString('utf8')));
      } catch (cause) {
        throw decryptFailed(cause);
      }
    }
    return out;
  }

  /** HMAC-SHA-256(blind-index key version `version`, field ‖ 0x00 ‖ canonical): 32 bytes.
   *  Without `version`, version 1: callers that store or compare digests use the methods below,
   *  which pick the database's versions. The caller normalizes `canonical` (the fields module).
   *  @throws KeyholeError BAD_REQUEST (field name), KEY_UNAVAILABLE. */
  async blindIndex(field: string, canonical: string, version?: number): Promise<Uint8Array> {
    return blindIndexDigest(this.#keys, field, canonical, version);
  }

  /** The database's current blind-index key version (src/vault/key-versions.ts). */
  async currentBlindIndexVersion(db: VaultDb): Promise<number> {
    return (await liveVersions(db as unknown as KeyVersionDb, 'blind-index')).current;
  }

  /** Onboards many new customers at once (see importCustomerSecrets): their rows MUST exist
   *  without data keys. Use inside a transaction for all-or-nothing (and so that a concurrent
   *  blind-index rotation waits for it). */
  async importCustomers(db: VaultDb, customers: readonly NewCustomerSecrets[]): Promise<void> {
    await inTransaction(db, async (trx) => {
      const version = customers.length === 0 ? 1 : (await liveVersions(trx as unknown as KeyVersionDb, 'blind-index', { lock: 'share' })).current;
      await importCustomerSecrets(trx, this.#keys, customers, version);
    });
  }

  /** Stage two of a bulk onboarding (stage one is bulk-import.ts `sealNewCustomers`, which
   *  needs no keys and may run in a worker): wraps each data key under the current KEK and
   *  computes the blind indexes (`indexes[i]` belongs to `sealed[i]`) under the current
   *  blind-index version, both read from `db` without a lock; `insertPrepared` checks them
   *  again. Runs outside any transaction, e.g. while the previous batch is being written.
   *  @throws KeyholeError BAD_REQUEST (field name), KEY_UNAVAILABLE. */
  async prepareNewCustomers(db: VaultDb, sealed: readonly SealedCustomer[], indexes: ReadonlyArray<Readonly<Record<string, string>>>): Promise<PreparedSecrets[]> {
    if (sealed.length === 0) return [];
    const kekId = await currentKekId(db as unknown as KekDb, this.#keys);
    const version = (await liveVersions(db as unknown as KeyVersionDb, 'blind-index')).current;
    return wrapAndIndex(this.#keys, sealed, indexes, kekId, version);
  }

  /** Stage three: inserts prepared new customers (their rows MUST exist without data keys).
   *  Re-reads the current KEK and the blind-index version (share lock, so a concurrent
   *  rotation waits for this transaction) and re-wraps or re-indexes whatever was prepared
   *  under an older one, so nothing is written under a version that is no longer current. Use
   *  inside a transaction for all-or-nothing. @throws like importCustomers. */
  async insertPrepared(db: VaultDb, prepared: readonly PreparedSecrets[]): Promise<void> {
    if (prepared.length === 0) return;
    await inTransaction(db, async (trx) => {
      const version = (await liveVersions(trx as unknown as KeyVersionDb, 'blind-index', { lock: 'share' })).current;
      const kekId = await currentKekId(trx as unknown as KekDb, this.#keys);
      for (const p of prepared) {
        if (p.kekId !== kekId) await rewrap(this.#keys, p, kekId);
        if (p.indexVersion !== version) await reindex(this.#keys, p, version);
      }
      await insertSecrets(trx, prepared);
    });
  }

  /** Stores (replaces) the blind index of the customer's `field` under the current blind-index
   *  key version, read with a share lock so that a rotation waits for this transaction.
   *  @throws KeyholeError BAD_REQUEST, NOT_FOUND, CUSTOMER_ERASED, KEY_UNAVAILABLE. */
  async writeBlindIndex(db: VaultDb, customerId: string, field: string, canonical: string): Promise<void> {
    assertFieldName(field);
    await inTransaction(db, async (trx) => {
      await lockLiveCustomer(trx, customerId);
      const { current } = await liveVersions(trx as unknown as KeyVersionDb, 'blind-index', { lock: 'share' });
      const digest = Buffer.from(await this.blindIndex(field, canonical, current));
      await trx.insertInto('blind_indexes').values({ customer_id: customerId, field, digest, key_version: current })
        .onConflict((oc) => oc.columns(['customer_id', 'field']).doUpdateSet({ digest, key_version: current }))
        .execute();
    });
  }

  /** Ids of the non-erased customers whose `field` has exactly this canonical value, sorted.
   *  During a blind-index rotation a row is under the old or the new version, so the digest is
   *  computed under every live version and each compared with the rows of its version.
   *  @throws KeyholeError BAD_REQUEST, KEY_UNAVAILABLE. */
  async findByBlindIndex(db: VaultDb, field: string, canonical: string): Promise<string[]> {
    const pairs = await this.#liveDigests(db, field, canonical);
    const rows = await db.selectFrom('blind_indexes as b').innerJoin('customers as c', 'c.id', 'b.customer_id')
      .select('b.customer_id').where('b.field', '=', field)
      .where((eb) => eb.or(pairs.map((p) => eb.and([eb('b.digest', '=', p.digest), eb('b.key_version', '=', p.version)]))))
      .where('c.erased_at', 'is', null)
      .orderBy('b.customer_id').execute();
    return rows.map((r) => r.customer_id);
  }

  /** True when the customer's stored index of `field` equals that of `canonical` under the
   *  version the row was computed with (constant-time comparison); false when there is no index
   *  (never written, or erased).
   *  @throws KeyholeError BAD_REQUEST, KEY_UNAVAILABLE. */
  async matchesBlindIndex(db: VaultDb, customerId: string, field: string, canonical: string): Promise<boolean> {
    assertFieldName(field);
    for (let attempt = 0; ; attempt += 1) {
      const row = await db.selectFrom('blind_indexes').select(['digest', 'key_version'])
        .where('customer_id', '=', customerId).where('field', '=', field).executeTakeFirst();
      if (row === undefined) return false;
      try {
        return digestsEqual(row.digest, await this.blindIndex(field, canonical, row.key_version));
      } catch (e) {
        // The row's version was retired (and destroyed) since we read it: the row was re-indexed.
        if (attempt > 0 || !isMissingKey(e)) throw e;
      }
    }
  }

  /** The digest of (field, canonical) under each live blind-index version. A previous version
   *  whose key is gone is skipped only when the database says it was retired meanwhile. */
  async #liveDigests(db: VaultDb, field: string, canonical: string): Promise<{ version: number; digest: Buffer }[]> {
    const live = await liveVersions(db as unknown as KeyVersionDb, 'blind-index');
    const out = [{ version: live.current, digest: Buffer.from(await this.blindIndex(field, canonical, live.current)) }];
    for (const v of live.previous) {
      try {
        out.push({ version: v, digest: Buffer.from(await this.blindIndex(field, canonical, v)) });
      } catch (e) {
        if (!isMissingKey(e)) throw e;
        const again = await liveVersions(db as unknown as KeyVersionDb, 'blind-index');
        if (again.previous.includes(v) || again.current === v) throw e;
      }
    }
    return out;
  }

  /** Re-wraps every live data key not under the database's current KEK (src/vault/kek-state.ts
   *  `rotateCurrentKek` makes a new one current); field ciphertexts are untouched. Batches of
   *  `batchSize` (default 500) rows, paginated by customer id; idempotent and resumable;
   *  `onProgress` gets the running count after each batch. Clears the data-key cache.
   *  @throws KeyholeError KEY_UNAVAILABLE / DECRYPT_FAILED with details.customerId. */
  async rotateKek(db: VaultDb, opts: { readonly batchSize?: number; readonly onProgress?: RewrapProgress } = {}): Promise<{ readonly rewrapped: number }> {
    this.#cache.clear();
    try {
      return { rewrapped: await rewrapDataKeys(db, this.#keys, opts.batchSize ?? 500, opts.onProgress) };
    } finally {
      this.#cache.clear();
    }
  }

  /** Makes a new blind-index key version current for every server (reindex.ts
   *  `startBlindIndexRotation`), in `trx` (a transaction), and stores its key check value.
   *  @throws KeyholeError ROTATION_IN_PROGRESS, KEY_UNAVAILABLE / HSM_*. */
  async rotateBlindIndexKey(trx: VaultDb, now: Date): Promise<{ readonly from: number; readonly to: number }> {
    return startBlindIndexRotation(trx, this.#keys, now, (v) => this.#checkKey(trx, v));
  }

  /** Re-indexes every blind index under the current version and retires the older ones
   *  (reindex.ts `reindexBlindIndexes`); `canonicalOf` is src/fields `indexCanonical`.
   *  Resumable and safe while serving. @throws KeyholeError DECRYPT_FAILED / KEY_UNAVAILABLE. */
  async reindexBlindIndexes(db: VaultDb, canonicalOf: Canonicalizer, opts: ReindexOptions = {}): Promise<ReindexResult> {
    return reindexBlindIndexes(db, this.#keys, (trx, id, fields) => this.readFields(trx, id, fields), canonicalOf, { now: () => this.#clock.now(), ...opts });
  }

  /** The KEK ids some live data key is still wrapped under, sorted; once only the current one
   *  is left, older KEKs can be dropped from the provider. */
  async kekIdsInUse(db: VaultDb): Promise<string[]> {
    const rows = await db.selectFrom('customer_keys').select('kek_id').distinct()
      .where('wrapped_key', 'is not', null).orderBy('kek_id').execute();
    return rows.map((r) => r.kek_id);
  }

  /** Crypto-shreds the customer in one transaction: the wrapped data key becomes null, blind
   *  indexes and field ciphertexts are deleted, and customers.erased_at (the tombstone) is set
   *  unless already set. Idempotent; returns the tombstone's time. Evicts the cached key.
   *  @throws KeyholeError NOT_FOUND when there is no such customer. */
  async eraseCustomer(db: VaultDb, customerId: string): Promise<Date> {
    this.#cache.delete(customerId);
    try {
      return await inTransaction(db, async (trx) => {
        const now = this.#clock.now();
        const c = await trx.updateTable('customers').set({ erased_at: sql<Date>`coalesce(erased_at, ${now}::timestamptz)` })
          .where('id', '=', customerId).returning('erased_at').executeTakeFirst();
        if (!c) throw new KeyholeError('NOT_FOUND', 'No such customer.');
        await trx.updateTable('customer_keys').set({ wrapped_key: null }).where('customer_id', '=', customerId).execute();
        await trx.deleteFrom('blind_indexes').where('customer_id', '=', customerId).execute();
        await trx.deleteFrom('customer_fields').where('customer_id', '=', customerId).execute();
        return c.erased_at as Date;
      });
    } finally {
      this.#cache.delete(customerId);
    }
  }

  /** Checks that the provider's blind-index keys are the ones this database was indexed with:
   *  for each live version (current and previous), on first call stores HMAC(key of that
   *  version, "keyhole/key-check/v1") in vault_meta (version 1 under KEY_CHECK_META, version n
   *  under `KEY_CHECK_META/v<n>`), later compares. Call at start-up, since a wrong key would make
   *  every verify answer "no match". @throws KeyholeError KEY_UNAVAILABLE on a mismatch or a
   *  missing version. */
  async checkKeys(db: VaultDb): Promise<void> {
    const live = await liveVersions(db as unknown as KeyVersionDb, 'blind-index');
    for (const v of [live.current, ...live.previous]) await this.#checkKey(db, v);
  }

  /** Stores or compares the key check value of blind-index version `version`. */
  async #checkKey(db: VaultDb, version: number): Promise<void> {
    const metaKey = keyCheckMeta(version);
    const mine = Buffer.from(await this.#keys.blindIndex(Buffer.from(KEY_CHECK_MESSAGE, 'utf8'), version)).toString('hex');
    await db.insertInto('vault_meta').values({ key: metaKey, value: mine })
      .onConflict((oc) => oc.column('key').doNothing()).execute();
    const row = await db.selectFrom('vault_meta').select('value').where('key', '=', metaKey).executeTakeFirstOrThrow();
    if (!digestsEqual(Buffer.from(row.value, 'utf8'), Buffer.from(mine, 'utf8'))) {
      throw new KeyholeError('KEY_UNAVAILABLE', `The keys do not match this database (blind-index key version ${version}; wrong KEYHOLE_MASTER_KEY or key file?).`);
    }
  }
}

/** The vault_meta key of the key check value of blind-index version `version`. */
export function keyCheckMeta(version: number): string {
  return version === 1 ? KEY_CHECK_META : `${KEY_CHECK_META}/v${version}`;
}

/** A provider error saying the key (version) is not there. */
function isMissingKey(e: unknown): boolean {
  return e instanceof KeyholeError && (e.code === 'KEY_UNAVAILABLE' || e.code === 'HSM_KEYS_MISSING');
}
