import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { FixedClock } from '../../src/shared/clock.js';
import { FileKeyProvider } from '../../src/vault/file-key-provider.js';
import { dataKeyAad, openField } from '../../src/vault/envelope.js';
import type { VaultTables } from '../../src/vault/tables.js';
import { Vault } from '../../src/vault/vault.js';
import { DATABASES } from '../support/databases.js';
import { code, insertCustomer, tempDir } from './helpers.js';

for (const backend of DATABASES) {
  describe(`crypto-shredding on ${backend.name}`, () => {
    let db: Kysely<any>;
    let cleanup: () => Promise<void>;
    let keys: FileKeyProvider;
    const t = tempDir();
    const clock = new FixedClock();
    before(async () => {
      const o = await backend.open();
      db = o.store.db;
      cleanup = o.cleanup;
      keys = await FileKeyProvider.open(t.dir);
    });
    after(async () => {
      await cleanup();
      t.rm();
    });

    async function seed(vault: Vault, id: string): Promise<void> {
      await insertCustomer(db, id);
      await vault.writeFields(db, id, { email: `${id}@erase.example`, dateOfBirth: '1980-05-06' });
      await vault.writeBlindIndex(db, id, 'email', `${id}@erase.example`);
      await vault.writeBlindIndex(db, id, 'dateOfBirth', '1980-05-06');
    }

    it('destroys the data key, blind indexes and ciphertexts; keeps a tombstone; nothing can decrypt afterwards', async () => {
      const vault = new Vault(keys, { clock });
      await seed(vault, 'victim');
      await seed(vault, 'bystander');
      const ct = await sql<{ ciphertext: Uint8Array }>`select ciphertext from customer_fields where customer_id = 'victim' and field = 'email'`.execute(db);
      const oldCiphertext = ct.rows[0]!.ciphertext;
      assert.equal((await vault.readFields(db, 'victim', ['email'])).get('email'), 'victim@erase.example'); // key now cached

      const erasedAt = await vault.eraseCustomer(db, 'victim');
      assert.equal(erasedAt.getTime(), clock.now().getTime());
      await assert.rejects(vault.readFields(db, 'victim', ['email']), code('CUSTOMER_ERASED')); // despite the cache
      const fresh = new Vault(await FileKeyProvider.open(t.dir)); // same key file, no cache
      await assert.rejects(fresh.readFields(db, 'victim', ['email']), code('CUSTOMER_ERASED'));
      await assert.rejects(fresh.readFields(db, 'victim', []), code('CUSTOMER_ERASED'));

      const key = await sql<{ wrapped_key: Uint8Array | null }>`select wrapped_key from customer_keys where customer_id = 'victim'`.execute(db);
      assert.equal(key.rows[0]!.wrapped_key, null);
      const left = await sql<{ n: number }>`select (select count(*) from customer_fields where customer_id = 'victim')
        + (select count(*) from blind_indexes where customer_id = 'victim') as n`.execute(db);
      assert.equal(Number(left.rows[0]!.n), 0);
      const tomb = await sql<{ erased_at: Date }>`select erased_at from customers where id = 'victim'`.execute(db);
      assert.equal(tomb.rows[0]!.erased_at.getTime(), erasedAt.getTime());
      assert.deepEqual(await fresh.findByBlindIndex(db, 'email', 'victim@erase.example'), []);
      assert.equal(await fresh.matchesBlindIndex(db, 'victim', 'dateOfBirth', '1980-05-06'), false);

      // Even someone holding the key file and a copy of the old ciphertext has no data key to use:
      // the KEK does not open a field ciphertext.
      await assert.rejects(keys.unwrap(keys.initialKekId, oldCiphertext, dataKeyAad('victim', 1)), code('DECRYPT_FAILED'));

      // the bystander is untouched
      assert.equal((await fresh.readFields(db, 'bystander', ['email'])).get('email'), 'bystander@erase.example');
      assert.deepEqual(await fresh.findByBlindIndex(db, 'email', 'bystander@erase.example'), ['bystander']);
    });

    it('is idempotent, keeps the first tombstone time, and refuses new data for the erased customer', async () => {
      const vault = new Vault(keys, { clock });
      await seed(vault, 'twice');
      const first = await vault.eraseCustomer(db, 'twice');
      clock.advance(60_000);
      assert.equal((await vault.eraseCustomer(db, 'twice')).getTime(), first.getTime());
      await assert.rejects(vault.writeFields(db, 'twice', { email: 'back@erase.example' }), code('CUSTOMER_ERASED'));
      await assert.rejects(vault.writeBlindIndex(db, 'twice', 'email', 'back@erase.example'), code('CUSTOMER_ERASED'));
      await assert.rejects(vault.createCustomerKey(db, 'twice'), code('CUSTOMER_ERASED'));
      await assert.rejects(vault.eraseCustomer(db, 'nobody'), code('NOT_FOUND'));
      const n = await sql<{ n: number }>`select count(*)::int as n from customer_fields where customer_id = 'twice'`.execute(db);
      assert.equal(n.rows[0]!.n, 0);
    });

    it('an erase by another vault instance (another server) is seen by a vault that cached the key', async () => {
      const cached = new Vault(keys);
      await seed(cached, 'remote');
      await cached.readFields(db, 'remote', ['email']);
      await new Vault(keys).eraseCustomer(db, 'remote');
      await assert.rejects(cached.readFields(db, 'remote', ['email']), code('CUSTOMER_ERASED'));
    });

    it('an erase rolled back with its caller transaction erases nothing', async () => {
      const vault = new Vault(keys);
      await seed(vault, 'rollback');
      await assert.rejects((db as Kysely<VaultTables>).transaction().execute(async (trx) => {
        await vault.eraseCustomer(trx, 'rollback');
        await assert.rejects(vault.readFields(trx, 'rollback', ['email']), code('CUSTOMER_ERASED'));
        throw new Error('abort');
      }), /abort/);
      assert.equal((await vault.readFields(db, 'rollback', ['email'])).get('email'), 'rollback@erase.example');
      assert.equal(await vault.matchesBlindIndex(db, 'rollback', 'dateOfBirth', '1980-05-06'), true);
    });
  });
}
