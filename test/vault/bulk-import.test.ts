// Bulk onboarding in stages (bulk-import.ts, Vault.prepareNewCustomers / insertPrepared), as the
// pipelined import uses it: secrets prepared outside the transaction are written under the KEK
// and blind-index version current AT INSERT (a rotation in between re-wraps and re-indexes them),
// and a subset of a sealed batch (the rest turned out to be existing customers) is written
// correctly from its views into the batch's one buffer.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { rotateCurrentKek } from '../../src/vault/kek-state.js';
import { sealNewCustomers } from '../../src/vault/bulk-import.js';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import { Vault } from '../../src/vault/vault.js';
import { DATABASES } from '../support/databases.js';
import { insertCustomer } from './helpers.js';

for (const backend of DATABASES) {
  describe(`bulk onboarding in stages (${backend.name})`, () => {
    let db: Kysely<any>;
    let cleanup: () => Promise<void>;
    const keys = new MasterKeyProvider(randomBytes(32));
    const vault = new Vault(keys, { cacheSize: 0 });
    before(async () => {
      const o = await backend.open();
      db = o.store.db;
      cleanup = o.cleanup;
      await vault.checkKeys(db);
    });
    after(() => cleanup());

    const batch = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({
      customerId: `${prefix}-${i}`, values: { email: `${prefix}${i}@example.org`, fullName: `Bulk ${prefix} ${i}`, totalBalance: i + 0.5 },
      indexes: { email: `${prefix}${i}@example.org` },
    }));

    it('writes under the KEK and blind-index version current at insert, not at preparation', async () => {
      const customers = batch('rot', 3);
      const prepared = await vault.prepareNewCustomers(db, sealNewCustomers(customers), customers.map((c) => c.indexes));
      assert.deepEqual([...new Set(prepared.map((p) => `${p.kekId}/${p.indexVersion}`))], ['master:1/1']);
      const kek = await db.transaction().execute((trx) => rotateCurrentKek(trx as never, keys, new Date()));
      const bi = await db.transaction().execute((trx) => vault.rotateBlindIndexKey(trx as never, new Date()));
      assert.deepEqual(bi, { from: 1, to: 2 });
      await db.transaction().execute(async (trx) => {
        for (const c of customers) await insertCustomer(trx, c.customerId);
        await vault.insertPrepared(trx as never, prepared);
      });
      const k = await sql<{ kek_id: string }>`select distinct kek_id from customer_keys where customer_id like 'rot-%'`.execute(db);
      assert.deepEqual(k.rows.map((r) => r.kek_id), [kek.to]);
      const v = await sql<{ key_version: number }>`select distinct key_version from blind_indexes where customer_id like 'rot-%'`.execute(db);
      assert.deepEqual(v.rows.map((r) => r.key_version), [2]);
      for (const c of customers) {
        assert.deepEqual(Object.fromEntries(await vault.readFields(db, c.customerId, ['email', 'fullName', 'totalBalance'])), c.values);
        assert.deepEqual(await vault.findByBlindIndex(db, 'email', c.indexes.email), [c.customerId]);
        assert.equal(await vault.matchesBlindIndex(db, c.customerId, 'email', c.indexes.email), true);
      }
    });

    it('writes a subset of a sealed batch (views into one buffer) byte for byte', async () => {
      const customers = batch('sub', 40);
      const prepared = await vault.prepareNewCustomers(db, sealNewCustomers(customers), customers.map((c) => c.indexes));
      const some = prepared.filter((_, i) => i % 3 === 1);
      await db.transaction().execute(async (trx) => {
        for (const p of some) await insertCustomer(trx, p.sealed.customerId);
        await vault.insertPrepared(trx as never, some);
      });
      for (const p of some) {
        const c = customers.find((x) => x.customerId === p.sealed.customerId)!;
        assert.deepEqual(Object.fromEntries(await vault.readFields(db, c.customerId, ['email', 'fullName', 'totalBalance'])), c.values);
        assert.deepEqual(await vault.findByBlindIndex(db, 'email', c.indexes.email), [c.customerId]);
      }
      const n = await sql<{ n: number }>`select count(*)::int as n from customer_fields where customer_id like 'sub-%'`.execute(db);
      assert.equal(n.rows[0]!.n, some.length * 3);
    });
  });
}
