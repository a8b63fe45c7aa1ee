import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { FileKeyProvider, KEY_FILE_NAME } from '../../src/vault/file-key-provider.js';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import { Vault } from '../../src/vault/vault.js';
import { rotateCurrentKek } from '../../src/vault/kek-state.js';
import { DATABASES } from '../support/databases.js';
import { code, fieldSnapshot, hex, insertCustomer, tempDir } from './helpers.js';

async function keyRows(db: Kysely<any>): Promise<{ customer_id: string; kek_id: string; wrapped: string | null }[]> {
  const r = await sql<{ customer_id: string; kek_id: string; wrapped_key: Uint8Array | null }>`
    select customer_id, kek_id, wrapped_key from customer_keys order by customer_id`.execute(db);
  return r.rows.map((x) => ({ customer_id: x.customer_id, kek_id: x.kek_id, wrapped: hex(x.wrapped_key) }));
}

for (const backend of DATABASES) {
  describe(`KEK rotation on ${backend.name}`, () => {
    let db: Kysely<any>;
    let cleanup: () => Promise<void>;
    const t = tempDir();
    const ids = Array.from({ length: 10 }, (_, i) => `rot-${String(i).padStart(2, '0')}`);
    const value = (id: string) => ({ email: `${id}@rotate.example`, holdings: [{ asset: 'ETH', qty: id }] });
    before(async () => {
      const o = await backend.open();
      db = o.store.db;
      cleanup = o.cleanup;
    });
    after(async () => {
      await cleanup();
      t.rm();
    });

    it('re-wraps every data key in batches without changing any customer_fields row; the old KEK can then be dropped', async () => {
      const keys = await FileKeyProvider.open(t.dir);
      const vault = new Vault(keys);
      for (const id of ids) {
        await insertCustomer(db, id);
        await vault.writeFields(db, id, value(id));
      }
      await vault.eraseCustomer(db, 'rot-03'); // a shredded key stays shredded
      const fieldsBefore = await fieldSnapshot(db);
      const keysBefore = await keyRows(db);
      assert.deepEqual(await vault.kekIdsInUse(db), ['file:1']);

      assert.deepEqual(await db.transaction().execute((trx) => rotateCurrentKek(trx as never, keys, new Date())), { from: 'file:1', to: 'file:2' });
      // written after rotate() but before rotateKek: already under the new KEK
      await insertCustomer(db, 'rot-10');
      await vault.writeFields(db, 'rot-10', value('rot-10'));
      const { rewrapped } = await vault.rotateKek(db, { batchSize: 3 });
      assert.equal(rewrapped, 9);
      assert.deepEqual(await fieldSnapshot(db), [...fieldsBefore, ...(await fieldSnapshot(db)).filter((r) => r.startsWith('rot-10|'))]);
      const keysAfter = await keyRows(db);
      for (const before of keysBefore) {
        const now = keysAfter.find((k) => k.customer_id === before.customer_id)!;
        if (before.wrapped === null) {
          assert.equal(now.wrapped, null);
        } else {
          assert.equal(now.kek_id, 'file:2');
          assert.notEqual(now.wrapped, before.wrapped);
        }
      }
      assert.deepEqual(await vault.kekIdsInUse(db), ['file:2']);
      assert.deepEqual(await vault.rotateKek(db, { batchSize: 3 }), { rewrapped: 0 }); // idempotent

      // Without re-wrapping, dropping file:1 would have lost data: a copy of the key file minus file:1
      // cannot read a row still under file:1 (shown on a saved pre-rotation row).
      const copy = path.join(t.dir, 'copy');
      mkdirSync(copy, { mode: 0o700 });
      copyFileSync(path.join(t.dir, KEY_FILE_NAME), path.join(copy, KEY_FILE_NAME));
      const dropped = await FileKeyProvider.open(copy);
      assert.equal(await dropped.destroyKek('file:1'), true);
      const saved = keysBefore.find((k) => k.customer_id === 'rot-00')!;
      await sql`update customer_keys set kek_id = ${saved.kek_id}, wrapped_key = ${Buffer.from(saved.wrapped!, 'hex')} where customer_id = 'rot-00'`.execute(db);
      await assert.rejects(new Vault(dropped).readFields(db, 'rot-00', ['email']), code('KEY_UNAVAILABLE'));
      assert.deepEqual((await vault.rotateKek(db)).rewrapped, 1);

      // drop file:1 for real; a fresh provider and vault (no cache) read everything
      assert.equal(await keys.destroyKek('file:1'), true);
      const fresh = new Vault(await FileKeyProvider.open(t.dir));
      for (const id of [...ids, 'rot-10']) {
        if (id === 'rot-03') {
          await assert.rejects(fresh.readFields(db, id, ['email']), code('CUSTOMER_ERASED'));
          continue;
        }
        assert.deepEqual(Object.fromEntries(await fresh.readFields(db, id, ['email', 'holdings'])), value(id));
      }
    });

    it('reports the customer whose data key cannot be unwrapped and keeps earlier batches', async () => {
      const master = new MasterKeyProvider(randomBytes(32));
      const vault = new Vault(master);
      const [a, b] = ['rot-m-a', 'rot-m-b'];
      await sql`delete from customer_keys where kek_id like 'file:%'`.execute(db); // this test's keys only
      await sql`delete from kek_versions`.execute(db); // a database set up afresh on the master key
      await sql`delete from customer_fields`.execute(db);
      for (const id of [a, b]) {
        await insertCustomer(db, id);
        await vault.writeFields(db, id, value(id));
      }
      await sql`update customer_keys set wrapped_key = ${randomBytes(60)} where customer_id = ${b}`.execute(db);
      assert.equal((await db.transaction().execute((trx) => rotateCurrentKek(trx as never, master, new Date()))).to, 'master:2');
      await assert.rejects(vault.rotateKek(db, { batchSize: 1 }), (e: unknown) => code('DECRYPT_FAILED')(e) && (e as { details?: { customerId?: string } }).details?.customerId === b);
      assert.deepEqual((await keyRows(db)).map((k) => k.kek_id), ['master:2', 'master:1']);
      assert.equal((await vault.readFields(db, a, ['email'])).get('email'), value(a).email);
    });

    it('an interrupted re-wrap leaves everything readable, and a resumed one finishes it', async () => {
      await sql`delete from customer_keys`.execute(db);
      await sql`delete from customer_fields`.execute(db);
      await sql`delete from kek_versions`.execute(db);
      const master = new MasterKeyProvider(randomBytes(32));
      const vault = new Vault(master);
      const ids = Array.from({ length: 7 }, (_, i) => `rot-i-${i}`);
      for (const id of ids) {
        await insertCustomer(db, id);
        await vault.writeFields(db, id, value(id));
      }
      await db.transaction().execute((trx) => rotateCurrentKek(trx as never, master, new Date()));
      let batches = 0;
      await assert.rejects(vault.rotateKek(db, { batchSize: 3, onProgress: () => {
        if (++batches === 1) throw new Error('killed after the first batch');
      } }), /killed/);
      const under = (await keyRows(db)).filter((k) => k.customer_id.startsWith('rot-i-')).map((k) => k.kek_id).sort();
      assert.deepEqual(under, ['master:1', 'master:1', 'master:1', 'master:1', 'master:2', 'master:2', 'master:2']);
      const fresh = new Vault(master); // another server, no cache
      for (const id of ids) assert.deepEqual(Object.fromEntries(await fresh.readFields(db, id, ['email', 'holdings'])), value(id));
      assert.equal((await vault.rotateKek(db, { batchSize: 3 })).rewrapped, 4);
      assert.deepEqual(await vault.kekIdsInUse(db), ['master:2']);
    });
  });
}
