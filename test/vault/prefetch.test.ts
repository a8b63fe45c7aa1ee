// Vault.openPrefetched on what SEALED_FIELDS_COLUMNS reads inside a caller's own statement (the
// view's single ticket statement, issue 13): the same values and the same refusals as
// readFields — only the asked-for fields are opened, a shredded or erased customer is
// CUSTOMER_ERASED, a ciphertext moved to another field or customer is DECRYPT_FAILED.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import { SEALED_FIELDS_COLUMNS, Vault, type SealedFieldsPrefetch } from '../../src/vault/vault.js';
import { DATABASES } from '../support/databases.js';
import { code, insertCustomer, suiteStore } from './helpers.js';

let seq = 0;
const newId = (p: string) => `${p}-${++seq}-${randomBytes(3).toString('hex')}`;

async function prefetch(db: Kysely<any>, id: string): Promise<{ erased: boolean; sealed: SealedFieldsPrefetch }> {
  const r = await sql.raw<{ erased_at: Date | null; vault_key: unknown; vault_fields: unknown }>(
    `select c.erased_at, ${SEALED_FIELDS_COLUMNS} from customers c where c.id = '${id.replace(/'/g, "''")}'`).execute(db);
  const row = r.rows[0]!;
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return { erased: row.erased_at !== null, sealed: { vault_key: json(row.vault_key), vault_fields: json(row.vault_fields) } };
}

for (const backend of DATABASES) {
  describe(`vault prefetch on ${backend.name}`, () => {
    let db: Kysely<any>;
    suiteStore(backend, (d) => { db = d; });
    const keys = new MasterKeyProvider(randomBytes(32));
    const vault = new Vault(keys);

    it('opens exactly the asked-for fields, as readFields does (property)', async () => {
      const fieldName = fc.constantFrom('email', 'phone', 'dateOfBirth', 'address', 'govId', 'holdings');
      await fc.assert(fc.asyncProperty(
        fc.dictionary(fieldName, fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxKeys: 6 }), fc.uniqueArray(fieldName, { maxLength: 6 }),
        async (values, wanted) => {
          const id = newId('pf');
          await insertCustomer(db, id);
          await vault.writeFields(db, id, values);
          const p = await prefetch(db, id);
          const viaPrefetch = await new Vault(keys, { cacheSize: 0 }).openPrefetched(id, p.erased, p.sealed, wanted);
          assert.deepEqual(Object.fromEntries(viaPrefetch), Object.fromEntries(await vault.readFields(db, id, wanted)));
          assert.deepEqual([...viaPrefetch.keys()].sort(), wanted.filter((f) => f in values).sort());
        }), { numRuns: 12 });
    });

    it('a customer without a data key has no fields; a bad field name is refused', async () => {
      const id = newId('nokey');
      await insertCustomer(db, id);
      const p = await prefetch(db, id);
      assert.deepEqual(p.sealed, { vault_key: null, vault_fields: null });
      assert.deepEqual(await vault.openPrefetched(id, p.erased, p.sealed, ['email']), new Map());
      await assert.rejects(vault.openPrefetched(id, p.erased, p.sealed, ['bad\u0000name']), code('BAD_REQUEST'));
    });

    it('an erased or shredded customer is CUSTOMER_ERASED, whatever the cache holds', async () => {
      const id = newId('gone');
      await insertCustomer(db, id);
      await vault.writeFields(db, id, { email: 'x@example.org' });
      const before = await prefetch(db, id);
      assert.equal((await vault.openPrefetched(id, before.erased, before.sealed, ['email'])).get('email'), 'x@example.org'); // key now cached
      await assert.rejects(vault.openPrefetched(id, true, before.sealed, ['email']), code('CUSTOMER_ERASED'));
      await vault.eraseCustomer(db, id);
      const after = await prefetch(db, id);
      assert.equal(after.erased, true);
      await assert.rejects(vault.openPrefetched(id, after.erased, after.sealed, ['email']), code('CUSTOMER_ERASED'));
      // a shredded key row alone (tombstone not yet read) refuses too
      await assert.rejects(vault.openPrefetched(id, false, { ...before.sealed, vault_key: { ...before.sealed.vault_key!, wrapped: null } }, ['email']), code('CUSTOMER_ERASED'));
    });

    it('a ciphertext under another field or customer name does not open', async () => {
      const a = newId('a');
      const b = newId('b');
      await insertCustomer(db, a);
      await insertCustomer(db, b);
      await vault.writeFields(db, a, { email: 'a@example.org', phone: '+4930123456' });
      await vault.writeFields(db, b, { email: 'b@example.org' });
      const pa = await prefetch(db, a);
      const pb = await prefetch(db, b);
      const emailA = pa.sealed.vault_fields!.find((f) => f.field === 'email')!;
      const moved = { ...pa.sealed, vault_fields: [{ field: 'phone', ciphertext: emailA.ciphertext }] };
      await assert.rejects(vault.openPrefetched(a, false, moved, ['phone']), code('DECRYPT_FAILED'));
      await assert.rejects(vault.openPrefetched(b, false, { ...pb.sealed, vault_fields: [emailA] }, ['email']), code('DECRYPT_FAILED'));
      // a field that was not asked for is not opened, so its damage is not noticed either
      assert.deepEqual(Object.fromEntries(await vault.openPrefetched(a, false, moved, ['email'])), {});
      // fields without a data key cannot be real
      await assert.rejects(vault.openPrefetched(a, false, { vault_key: null, vault_fields: [emailA] }, ['email']), code('DECRYPT_FAILED'));
    });
  });
}
