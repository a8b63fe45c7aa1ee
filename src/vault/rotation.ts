// KEK rotation: re-wraps every data key that is not under the database's current KEK, in
// batches paginated by customer id, without touching a single field ciphertext. Resumable, and
// safe while serving and with several instances (each row is updated only if unchanged).
// docs/design/vault.md "Rotation".
import { KeyholeError } from '../shared/errors.js';
import { dataKeyAad } from './envelope.js';
import { inTransaction } from './data-keys.js';
import { currentKekId, type KekDb } from './kek-state.js';
import type { KeyProvider } from './key-provider.js';
import type { VaultDb } from './tables.js';

/** Progress of a re-wrap run: rows re-wrapped so far in this run. */
export type RewrapProgress = (rewrapped: number) => void;

/** Re-wraps, under the database's current KEK, each live data key wrapped under another KEK;
 *  each batch of `batchSize` rows commits in its own transaction (or all in `db` when it is
 *  one), so an interrupted run resumes where it stopped and nothing is unreadable in between
 *  (the old KEK stays until retired). A row changed meanwhile (erased, re-wrapped by another
 *  instance) is skipped. Returns the number of rows this run re-wrapped.
 *  @throws KeyholeError KEY_UNAVAILABLE / DECRYPT_FAILED (details.customerId) when a data key
 *  cannot be unwrapped; batches before it stay committed. */
export async function rewrapDataKeys(db: VaultDb, keys: KeyProvider, batchSize: number, onProgress?: RewrapProgress): Promise<number> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const target = await currentKekId(db as unknown as KekDb, keys);
  let after: string | undefined;
  let rewrapped = 0;
  for (;;) {
    const rows = await db.selectFrom('customer_keys').select(['customer_id', 'kek_id', 'key_version', 'wrapped_key'])
      .where('wrapped_key', 'is not', null).where('kek_id', '<>', target)
      .$if(after !== undefined, (qb) => qb.where('customer_id', '>', after as string))
      .orderBy('customer_id').limit(batchSize).execute();
    if (rows.length === 0) return rewrapped;
    rewrapped += await inTransaction(db, async (trx) => {
      let n = 0;
      for (const r of rows) {
        const aad = dataKeyAad(r.customer_id, r.key_version);
        const old = r.wrapped_key as Uint8Array;
        let next: Uint8Array;
        try {
          next = await keys.wrap(target, await keys.unwrap(r.kek_id, old, aad), aad);
        } catch (e) {
          if (e instanceof KeyholeError) throw new KeyholeError(e.code, e.message, { cause: e.cause ?? e, details: { customerId: r.customer_id } });
          throw e;
        }
        const res = await trx.updateTable('customer_keys').set({ kek_id: target, wrapped_key: Buffer.from(next) })
          .where('customer_id', '=', r.customer_id).where('kek_id', '=', r.kek_id).where('wrapped_key', '=', Buffer.from(old))
          .executeTakeFirst();
        n += Number(res.numUpdatedRows);
      }
      return n;
    });
    onProgress?.(rewrapped);
    after = (rows.at(-1) as { customer_id: string }).customer_id;
    if (rows.length < batchSize) return rewrapped;
  }
}
