// Per-customer data keys: creating (random 256-bit, wrapped by the current KEK), loading and
// unwrapping them through the bounded cache, and the customer-row checks every write makes
// first. Envelope encryption as in docs/design/vault.md "Data keys".
import { randomBytes } from 'node:crypto';
import { KeyholeError } from '../shared/errors.js';
import { dataKeyAad, decryptFailed, KEY_BYTES } from './envelope.js';
import type { DataKeyCache } from './data-key-cache.js';
import type { KeyProvider } from './key-provider.js';
import { currentKekId, type KekDb } from './kek-state.js';
import type { VaultDb } from './tables.js';

/** A customer_keys row as the vault uses it. */
export interface KeyRow {
  readonly kekId: string;
  readonly keyVersion: number;
  /** null once the customer was crypto-shredded. */
  readonly wrapped: Uint8Array | null;
}

/** Runs `fn` in `db` when it is already a transaction, else in a new one. */
export function inTransaction<T>(db: VaultDb, fn: (trx: VaultDb) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

/** Takes a share lock on the customer row (so an erase waits for this transaction, and this
 *  transaction sees a committed erase) and checks it is not erased.
 *  @throws KeyholeError NOT_FOUND (no such customer) or CUSTOMER_ERASED. */
export async function lockLiveCustomer(trx: VaultDb, customerId: string): Promise<void> {
  const c = await trx.selectFrom('customers').select('erased_at').where('id', '=', customerId).forShare().executeTakeFirst();
  if (!c) throw new KeyholeError('NOT_FOUND', 'No such customer.');
  if (c.erased_at !== null) throw new KeyholeError('CUSTOMER_ERASED');
}

/** Creates, loads and unwraps data keys; caches unwrapped keys in `cache`. */
export class DataKeys {
  readonly #keys: KeyProvider;
  readonly #cache: DataKeyCache;

  constructor(keys: KeyProvider, cache: DataKeyCache) {
    this.#keys = keys;
    this.#cache = cache;
  }

  /** The data key of `customerId`, created (version 1) when the customer has none. The caller
   *  MUST hold `lockLiveCustomer` in the same transaction `trx`.
   *  @throws KeyholeError CUSTOMER_ERASED (shredded key), DECRYPT_FAILED, KEY_UNAVAILABLE. */
  async ensure(trx: VaultDb, customerId: string): Promise<{ readonly keyVersion: number; readonly dataKey: Uint8Array }> {
    let row = await loadKeyRow(trx, customerId);
    if (!row) {
      const keyVersion = 1;
      const dataKey = randomBytes(KEY_BYTES);
      const kekId = await currentKekId(trx as unknown as KekDb, this.#keys);
      const wrapped = await this.#keys.wrap(kekId, dataKey, dataKeyAad(customerId, keyVersion));
      await trx.insertInto('customer_keys')
        .values({ customer_id: customerId, kek_id: kekId, key_version: keyVersion, wrapped_key: Buffer.from(wrapped) })
        .onConflict((oc) => oc.column('customer_id').doNothing())
        .execute();
      row = await loadKeyRow(trx, customerId); // another writer may have won the race
      if (!row) throw new KeyholeError('INTERNAL', 'The data key row vanished.');
    }
    return { keyVersion: row.keyVersion, dataKey: await this.unwrap(customerId, row) };
  }

  /** Unwraps `row` (the key row of `customerId`), from the cache when it holds this very row.
   *  @throws KeyholeError CUSTOMER_ERASED when the row is shredded (and evicts it),
   *  KEY_UNAVAILABLE (unknown KEK), DECRYPT_FAILED (any cryptographic failure). */
  async unwrap(customerId: string, row: KeyRow): Promise<Uint8Array> {
    if (row.wrapped === null) {
      this.#cache.delete(customerId);
      throw new KeyholeError('CUSTOMER_ERASED');
    }
    const probe = { kekId: row.kekId, keyVersion: row.keyVersion, wrapped: row.wrapped };
    const hit = this.#cache.get(customerId, probe);
    if (hit) return hit;
    const dataKey = await this.#keys.unwrap(row.kekId, row.wrapped, dataKeyAad(customerId, row.keyVersion));
    if (dataKey.length !== KEY_BYTES) throw decryptFailed(new RangeError('unwrapped data key is not 32 bytes'));
    this.#cache.set(customerId, { ...probe, wrapped: Buffer.from(row.wrapped), dataKey });
    return dataKey;
  }
}

/** The key row of `customerId`, or undefined when it has none. */
export async function loadKeyRow(db: VaultDb, customerId: string): Promise<KeyRow | undefined> {
  const r = await db.selectFrom('customer_keys').select(['kek_id', 'key_version', 'wrapped_key'])
    .where('customer_id', '=', customerId).executeTakeFirst();
  return r && { kekId: r.kek_id, keyVersion: r.key_version, wrapped: r.wrapped_key };
}
