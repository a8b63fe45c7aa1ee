// Bulk onboarding: data keys, sealed fields and blind indexes of many new customers written
// with three multi-row inserts instead of a dozen statements per customer. Same envelope
// format as Vault.writeFields (docs/design/vault.md); used by the demo seeder and imports.
import { randomBytes } from 'node:crypto';
import { assertFieldName, blindIndexDigest } from './blind-index.js';
import { dataKeyAad, KEY_BYTES, sealField } from './envelope.js';
import type { KeyProvider } from './key-provider.js';
import { currentKekId, type KekDb } from './kek-state.js';
import type { VaultDb } from './tables.js';
import { KeyholeError } from '../shared/errors.js';

/** One new customer: its protected values (JSON-encodable) and the canonical strings of its
 *  blind-indexed fields. The customers row MUST exist and have no data key yet. */
export interface NewCustomerSecrets {
  readonly customerId: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly indexes: Readonly<Record<string, string>>;
}

/** Writes keys, ciphertexts and blind indexes of `customers` in `db` (call it inside a
 *  transaction for all-or-nothing). @throws KeyholeError BAD_REQUEST (field name or a value
 *  JSON cannot encode); the database's unique violation when a customer already has a key.
 *  `indexVersion` is the blind-index key version to index under (the caller reads the current
 *  one with a share lock: Vault.importCustomers). */
export async function importCustomerSecrets(db: VaultDb, keys: KeyProvider, customers: readonly NewCustomerSecrets[], indexVersion = 1): Promise<void> {
  const kekId = customers.length === 0 ? '' : await currentKekId(db as unknown as KekDb, keys);
  const keyRows = [];
  const fieldRows = [];
  const indexRows = [];
  for (const c of customers) {
    const dataKey = randomBytes(KEY_BYTES);
    const wrapped = await keys.wrap(kekId, dataKey, dataKeyAad(c.customerId, 1));
    keyRows.push({ customer_id: c.customerId, kek_id: kekId, key_version: 1, wrapped_key: Buffer.from(wrapped) });
    for (const [field, value] of Object.entries(c.values)) {
      assertFieldName(field);
      const json = JSON.stringify(value) as string | undefined;
      if (json === undefined) throw new KeyholeError('BAD_REQUEST', `Field ${field} has no JSON value.`);
      const sealed = sealField(dataKey, { customerId: c.customerId, field, keyVersion: 1 }, Buffer.from(json, 'utf8'));
      fieldRows.push({ customer_id: c.customerId, field, ciphertext: Buffer.from(sealed) });
    }
    for (const [field, canonical] of Object.entries(c.indexes)) {
      assertFieldName(field);
      indexRows.push({ customer_id: c.customerId, field, digest: Buffer.from(await blindIndexDigest(keys, field, canonical, indexVersion)), key_version: indexVersion });
    }
  }
  // PostgreSQL allows 65,535 bind parameters a statement; at most 4 a row.
  for (let i = 0; i < keyRows.length; i += 5000) await db.insertInto('customer_keys').values(keyRows.slice(i, i + 5000)).execute();
  for (let i = 0; i < fieldRows.length; i += 20_000) await db.insertInto('customer_fields').values(fieldRows.slice(i, i + 20_000)).execute();
  for (let i = 0; i < indexRows.length; i += 16_000) await db.insertInto('blind_indexes').values(indexRows.slice(i, i + 16_000)).execute();
}
