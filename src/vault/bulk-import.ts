// Bulk onboarding: data keys, sealed fields and blind indexes of many new customers, in three
// stages so an import can overlap them: `sealNewCustomers` (pure, node:crypto only, so it runs
// in a worker thread too), `wrapAndIndex` (the key provider: wrap each data key, HMAC each blind
// index) and `insertSecrets` (one binary COPY per table). Same envelope format as
// Vault.writeFields (docs/design/vault.md);
// used by the demo seeder and imports.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { copyRows, type CopyValue } from '../store/copy-in.js';
import { assertFieldName, blindIndexDigest, DIGEST_BYTES } from './blind-index.js';
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

/** A new customer's fields sealed under a fresh data key (key version 1). `ciphertexts[i]` is
 *  field `fields[i]`; the views of one batch lie back to back in one buffer (one copy when the
 *  seal worker posts the batch). `dataKey` is plain key material: keep it in memory only. */
export interface SealedCustomer {
  readonly customerId: string;
  readonly dataKey: Uint8Array;
  readonly fields: readonly string[];
  readonly ciphertexts: readonly Uint8Array[];
}

/** A sealed customer ready to insert: its data key wrapped under `kekId`, its blind indexes
 *  under `indexVersion` (32 bytes each, in `indexFields` order). */
export interface PreparedSecrets {
  readonly sealed: SealedCustomer;
  readonly indexes: Readonly<Record<string, string>>;
  kekId: string;
  wrapped: Uint8Array;
  indexVersion: number;
  indexFields: string[];
  digests: Uint8Array[];
}

/** Customers between two yields to the event loop in wrapAndIndex (~5 ms of work). */
const YIELD_EVERY = 100;

/** Seals each customer's values (JSON-encoded) under a fresh random data key, bound to
 *  (customer, field, key version 1). Pure: no I/O, no key provider.
 *  @throws KeyholeError BAD_REQUEST (field name, or a value JSON cannot encode). */
export function sealNewCustomers(customers: ReadonlyArray<Pick<NewCustomerSecrets, 'customerId' | 'values'>>): SealedCustomer[] {
  const parts: Array<{ customerId: string; dataKey: Uint8Array; fields: string[]; sealed: Uint8Array[] }> = [];
  const keys = randomBytes(KEY_BYTES * customers.length);
  let total = 0;
  customers.forEach((c, n) => {
    const dataKey = keys.subarray(n * KEY_BYTES, (n + 1) * KEY_BYTES);
    const fields: string[] = [];
    const sealed: Uint8Array[] = [];
    for (const [field, value] of Object.entries(c.values)) {
      assertFieldName(field);
      const json = JSON.stringify(value) as string | undefined;
      if (json === undefined) throw new KeyholeError('BAD_REQUEST', `Field ${field} has no JSON value.`);
      const ct = sealField(dataKey, { customerId: c.customerId, field, keyVersion: 1 }, Buffer.from(json, 'utf8'));
      fields.push(field);
      sealed.push(ct);
      total += ct.length;
    }
    parts.push({ customerId: c.customerId, dataKey, fields, sealed });
  });
  // One buffer for the batch: posted from the seal worker as one ArrayBuffer, not thousands.
  const all = Buffer.allocUnsafe(total);
  let at = 0;
  return parts.map((p) => ({
    customerId: p.customerId, dataKey: p.dataKey, fields: p.fields,
    ciphertexts: p.sealed.map((ct) => {
      all.set(ct, at);
      at += ct.length;
      return all.subarray(at - ct.length, at);
    }),
  }));
}

/** Wraps each data key under `kekId` and computes each blind index under `indexVersion`
 *  through the key provider. Yields to the event loop every YIELD_EVERY customers, so that the
 *  I/O of a write running meanwhile (the import's pipeline) is not held up for a whole batch.
 *  @throws KeyholeError BAD_REQUEST (field name), KEY_UNAVAILABLE. */
export async function wrapAndIndex(keys: KeyProvider, sealed: readonly SealedCustomer[], indexes: ReadonlyArray<Readonly<Record<string, string>>>, kekId: string, indexVersion: number): Promise<PreparedSecrets[]> {
  const out: PreparedSecrets[] = [];
  for (let i = 0; i < sealed.length; i++) {
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise<void>((resolve) => setImmediate(resolve));
    const p: PreparedSecrets = { sealed: sealed[i] as SealedCustomer, indexes: indexes[i] ?? {}, kekId: '', wrapped: new Uint8Array(0), indexVersion: 0, indexFields: [], digests: [] };
    await rewrap(keys, p, kekId);
    await reindex(keys, p, indexVersion);
    out.push(p);
  }
  return out;
}

/** (Re)wraps `p`'s data key under `kekId` (when the current KEK changed since it was wrapped). */
export async function rewrap(keys: KeyProvider, p: PreparedSecrets, kekId: string): Promise<void> {
  p.wrapped = await keys.wrap(kekId, p.sealed.dataKey, dataKeyAad(p.sealed.customerId, 1));
  p.kekId = kekId;
}

/** (Re)computes `p`'s blind indexes under `version`. */
export async function reindex(keys: KeyProvider, p: PreparedSecrets, version: number): Promise<void> {
  const fields: string[] = [];
  const digests: Uint8Array[] = [];
  for (const [field, canonical] of Object.entries(p.indexes)) {
    fields.push(field);
    digests.push(await blindIndexDigest(keys, field, canonical, version));
  }
  p.indexFields = fields;
  p.digests = digests;
  p.indexVersion = version;
}

/** Inserts the keys, ciphertexts and blind indexes of `prepared` in `db` (call it inside a
 *  transaction for all-or-nothing): one binary COPY per table whatever the count
 *  (src/store/copy-in.ts), so no value is parsed from text or hex and the server inserts rows
 *  page by page; constraints and foreign keys are checked as for INSERT.
 *  @throws the database's unique violation when a customer already has a key. */
export async function insertSecrets(db: VaultDb, prepared: readonly PreparedSecrets[]): Promise<void> {
  if (prepared.length === 0) return;
  const kdb = db as unknown as Kysely<any>;
  await copyRows(kdb, 'customer_keys', ['customer_id', 'kek_id', 'key_version', 'wrapped_key'], ['text', 'text', 'int4', 'bytea'],
    prepared.map((p) => [p.sealed.customerId, p.kekId, 1, p.wrapped]));
  const fields: CopyValue[][] = [];
  const indexes: CopyValue[][] = [];
  for (const p of prepared) {
    const s = p.sealed;
    for (let i = 0; i < s.fields.length; i++) fields.push([s.customerId, s.fields[i] as string, s.ciphertexts[i] as Uint8Array]);
    for (let i = 0; i < p.indexFields.length; i++) {
      const digest = p.digests[i] as Uint8Array;
      if (digest.length !== DIGEST_BYTES) throw new KeyholeError('KEY_UNAVAILABLE', 'The blind index is not 32 bytes.');
      indexes.push([s.customerId, p.indexFields[i] as string, digest, p.indexVersion]);
    }
  }
  await copyRows(kdb, 'customer_fields', ['customer_id', 'field', 'ciphertext'], ['text', 'text', 'bytea'], fields);
  await copyRows(kdb, 'blind_indexes', ['customer_id', 'field', 'digest', 'key_version'], ['text', 'text', 'bytea', 'int4'], indexes);
}

/** Writes keys, ciphertexts and blind indexes of `customers` in `db` (call it inside a
 *  transaction for all-or-nothing). @throws KeyholeError BAD_REQUEST (field name or a value
 *  JSON cannot encode); the database's unique violation when a customer already has a key.
 *  `indexVersion` is the blind-index key version to index under (the caller reads the current
 *  one with a share lock: Vault.importCustomers). */
export async function importCustomerSecrets(db: VaultDb, keys: KeyProvider, customers: readonly NewCustomerSecrets[], indexVersion = 1): Promise<void> {
  if (customers.length === 0) return;
  const kekId = await currentKekId(db as unknown as KekDb, keys);
  const sealed = sealNewCustomers(customers);
  await insertSecrets(db, await wrapAndIndex(keys, sealed, customers.map((c) => c.indexes), kekId, indexVersion));
}
