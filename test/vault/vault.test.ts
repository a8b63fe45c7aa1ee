import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import type { VaultTables } from '../../src/vault/tables.js';
import { Vault } from '../../src/vault/vault.js';
import { DATABASES } from '../support/databases.js';
import { code, insertCustomer, suiteStore } from './helpers.js';

let seq = 0;
const newId = (p: string) => `${p}-${++seq}-${randomBytes(3).toString('hex')}`;
const fieldName = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,15}$/);
const jsonValue = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null),
  fc.array(fc.string(), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }));

async function setCiphertext(db: Kysely<any>, customerId: string, field: string, ciphertext: Uint8Array): Promise<void> {
  await sql`insert into customer_fields (customer_id, field, ciphertext) values (${customerId}, ${field}, ${Buffer.from(ciphertext)})
    on conflict (customer_id, field) do update set ciphertext = excluded.ciphertext`.execute(db);
}
async function getCiphertext(db: Kysely<any>, customerId: string, field: string): Promise<Buffer> {
  const r = await sql<{ ciphertext: Uint8Array }>`select ciphertext from customer_fields where customer_id = ${customerId} and field = ${field}`.execute(db);
  return Buffer.from(r.rows[0]!.ciphertext);
}

for (const backend of DATABASES) {
  describe(`vault on ${backend.name}`, () => {
    let db: Kysely<any>;
    suiteStore(backend, (d) => { db = d; });
    const keys = new MasterKeyProvider(randomBytes(32));
    const vault = new Vault(keys);

    it('round-trips JSON values and returns only the requested, stored fields', async () => {
      const id = newId('rt');
      await insertCustomer(db, id);
      await vault.writeFields(db, id, new Map<string, unknown>([['email', 'a@b.example'], ['holdings', [{ asset: 'BTC', qty: '0.5' }]]]));
      await vault.writeFields(db, id, { totalBalance: 12345.67, flag: true, nothing: null, email: 'new@b.example' });
      const got = await vault.readFields(db, id, ['email', 'holdings', 'nothing', 'neverWritten']);
      assert.deepEqual([...got.entries()].sort(), [['email', 'new@b.example'], ['holdings', [{ asset: 'BTC', qty: '0.5' }]], ['nothing', null]]);
      assert.deepEqual(await vault.readFields(db, id, []), new Map());
      // a fresh vault (no cache) over the same keys reads the same
      assert.equal((await new Vault(keys, { cacheSize: 0 }).readFields(db, id, ['totalBalance'])).get('totalBalance'), 12345.67);
    });

    it('round-trips random values (property)', async () => {
      await fc.assert(fc.asyncProperty(fc.dictionary(fieldName, jsonValue, { minKeys: 1, maxKeys: 5 }), async (values) => {
        const id = newId('prop');
        await insertCustomer(db, id);
        await vault.writeFields(db, id, values);
        const got = await vault.readFields(db, id, Object.keys(values));
        assert.deepEqual(Object.fromEntries(got), JSON.parse(JSON.stringify(values)));
      }), { numRuns: 15 });
    });

    it('decrypts only the requested fields', async () => {
      const id = newId('only');
      await insertCustomer(db, id);
      await vault.writeFields(db, id, { a: 'alpha', b: 'beta' });
      await setCiphertext(db, id, 'b', randomBytes(40));
      assert.deepEqual(await vault.readFields(db, id, ['a']), new Map([['a', 'alpha']]));
      await assert.rejects(vault.readFields(db, id, ['a', 'b']), code('DECRYPT_FAILED'));
    });

    it('fails with DECRYPT_FAILED for a ciphertext moved to another customer or field, or with one flipped bit (property)', async () => {
      await fc.assert(fc.asyncProperty(fieldName, fieldName, jsonValue, jsonValue, fc.nat(), async (f1, f2, v1, v2, bit) => {
        fc.pre(f1 !== f2);
        const [a, b] = [newId('mv'), newId('mv')];
        await insertCustomer(db, a);
        await insertCustomer(db, b);
        await vault.writeFields(db, a, { [f1]: v1, [f2]: v2 });
        await vault.writeFields(db, b, { [f1]: v2 });
        const ct = await getCiphertext(db, a, f1);
        await setCiphertext(db, b, f1, ct); // another customer, same field
        await assert.rejects(vault.readFields(db, b, [f1]), code('DECRYPT_FAILED'));
        await setCiphertext(db, a, f2, ct); // same customer (same data key), another field
        await assert.rejects(vault.readFields(db, a, [f2]), code('DECRYPT_FAILED'));
        const flipped = Buffer.from(ct);
        const i = bit % (flipped.length * 8);
        flipped[i >> 3] = (flipped[i >> 3] as number) ^ (1 << (i & 7));
        await setCiphertext(db, a, f1, flipped);
        await assert.rejects(vault.readFields(db, a, [f1]), code('DECRYPT_FAILED'));
      }), { numRuns: 12 });
    });

    it('binds the wrapped data key to its customer and key version', async () => {
      const [a, b] = [newId('wk'), newId('wk')];
      await insertCustomer(db, a);
      await insertCustomer(db, b);
      await vault.writeFields(db, a, { email: 'a@x.example' });
      await vault.writeFields(db, b, { email: 'b@x.example' });
      await sql`update customer_keys set wrapped_key = (select wrapped_key from customer_keys where customer_id = ${a}) where customer_id = ${b}`.execute(db);
      await assert.rejects(vault.readFields(db, b, ['email']), code('DECRYPT_FAILED'));
      await sql`update customer_keys set key_version = 2 where customer_id = ${a}`.execute(db);
      await assert.rejects(new Vault(keys).readFields(db, a, ['email']), code('DECRYPT_FAILED'));
    });

    it('a wrong master key yields DECRYPT_FAILED', async () => {
      const id = newId('wrong');
      await insertCustomer(db, id);
      await vault.writeFields(db, id, { email: 'x@y.example' });
      await assert.rejects(new Vault(new MasterKeyProvider(randomBytes(32))).readFields(db, id, ['email']), code('DECRYPT_FAILED'));
    });

    it('createCustomerKey is idempotent; writes are all-or-nothing; bad input and unknown customers are refused', async () => {
      const id = newId('ck');
      await insertCustomer(db, id);
      await vault.createCustomerKey(db, id);
      const k1 = await sql<{ wrapped_key: Uint8Array }>`select wrapped_key from customer_keys where customer_id = ${id}`.execute(db);
      await vault.createCustomerKey(db, id);
      const k2 = await sql<{ wrapped_key: Uint8Array }>`select wrapped_key from customer_keys where customer_id = ${id}`.execute(db);
      assert.deepEqual(Buffer.from(k2.rows[0]!.wrapped_key), Buffer.from(k1.rows[0]!.wrapped_key));
      await assert.rejects(vault.writeFields(db, id, { ok: 1, bad: undefined }), code('BAD_REQUEST'));
      await assert.rejects(vault.writeFields(db, id, { ['no\u0000nul']: 1 }), code('BAD_REQUEST'));
      assert.deepEqual(await vault.readFields(db, id, ['ok']), new Map());
      await assert.rejects(vault.readFields(db, 'nobody', ['email']), code('NOT_FOUND'));
      await assert.rejects(vault.writeFields(db, 'nobody', { email: 'x' }), code('NOT_FOUND'));
      const n = await sql<{ n: number }>`select count(*)::int as n from customer_keys where customer_id = 'nobody'`.execute(db);
      assert.equal(n.rows[0]!.n, 0);
    });

    it('blind indexes: exact-match lookup, match / no match, replacement and domain separation', async () => {
      const [a, b, c] = [newId('bi'), newId('bi'), newId('bi')];
      for (const id of [a, b, c]) await insertCustomer(db, id);
      await vault.writeBlindIndex(db, a, 'email', 'shared@x.example');
      await vault.writeBlindIndex(db, b, 'email', 'shared@x.example');
      await vault.writeBlindIndex(db, c, 'email', 'other@x.example');
      await vault.writeBlindIndex(db, c, 'dateOfBirth', '1990-01-02');
      assert.deepEqual(await vault.findByBlindIndex(db, 'email', 'shared@x.example'), [a, b].sort());
      assert.deepEqual(await vault.findByBlindIndex(db, 'email', 'Shared@x.example'), []); // the caller normalizes
      assert.deepEqual(await vault.findByBlindIndex(db, 'phone', 'shared@x.example'), []);
      assert.equal(await vault.matchesBlindIndex(db, c, 'dateOfBirth', '1990-01-02'), true);
      assert.equal(await vault.matchesBlindIndex(db, c, 'dateOfBirth', '1990-01-03'), false);
      assert.equal(await vault.matchesBlindIndex(db, a, 'dateOfBirth', '1990-01-02'), false); // no index
      await vault.writeBlindIndex(db, c, 'dateOfBirth', '1991-01-02'); // replaces
      assert.equal(await vault.matchesBlindIndex(db, c, 'dateOfBirth', '1990-01-02'), false);
      assert.equal(await vault.matchesBlindIndex(db, c, 'dateOfBirth', '1991-01-02'), true);
      // domain separation: same canonical value, different field → different digest; field ‖ 0x00 is unambiguous
      assert.notDeepEqual(Buffer.from(await vault.blindIndex('email', 'v')), Buffer.from(await vault.blindIndex('phone', 'v')));
      assert.notDeepEqual(Buffer.from(await vault.blindIndex('ab', 'c')), Buffer.from(await vault.blindIndex('a', 'bc')));
      assert.equal((await vault.blindIndex('email', 'v')).length, 32);
      // a different index key gives different digests
      assert.deepEqual(await new Vault(new MasterKeyProvider(randomBytes(32))).findByBlindIndex(db, 'email', 'shared@x.example'), []);
    });

    it('the database rows contain none of the plaintexts (scan of every text/bytea column, property)', async () => {
      const cols = await sql<{ table_name: string; column_name: string }>`
        select table_name, column_name from information_schema.columns
        where table_schema = current_schema() and data_type in ('bytea', 'text', 'jsonb', 'character varying', 'ARRAY')
          and table_name in ('customer_keys', 'customer_fields', 'blind_indexes', 'vault_meta', 'customers')`.execute(db);
      assert.ok(cols.rows.length >= 10);
      await vault.checkKeys(db); // vault_meta has a row too
      await fc.assert(fc.asyncProperty(fc.array(fc.string({ minLength: 8, maxLength: 40 }), { minLength: 1, maxLength: 4 }), async (secrets) => {
        const id = newId('scan');
        await insertCustomer(db, id);
        await vault.writeFields(db, id, Object.fromEntries(secrets.map((s, i) => [`f${i}`, s])));
        for (const [i, s] of secrets.entries()) await vault.writeBlindIndex(db, id, `f${i}`, s);
        const needles = secrets.flatMap((s) => [Buffer.from(s, 'utf8'), Buffer.from(JSON.stringify(s), 'utf8')]);
        for (const { table_name, column_name } of cols.rows) {
          const r = await sql<{ v: unknown }>`select ${sql.ref(column_name)} as v from ${sql.table(table_name)}`.execute(db);
          for (const { v } of r.rows) {
            if (v === null) continue;
            const hay = v instanceof Uint8Array ? Buffer.from(v) : Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8');
            for (const n of needles) assert.equal(hay.includes(n), false, `${table_name}.${column_name} holds a plaintext`);
          }
        }
      }), { numRuns: 10 });
    });

    it('checkKeys records the index key check value and refuses other keys', async () => {
      await vault.checkKeys(db);
      await vault.checkKeys(db);
      await assert.rejects(new Vault(new MasterKeyProvider(randomBytes(32))).checkKeys(db), code('KEY_UNAVAILABLE'));
    });

    it('works inside a caller transaction and rolls back with it', async () => {
      const id = newId('trx');
      await insertCustomer(db, id);
      await assert.rejects((db as Kysely<VaultTables>).transaction().execute(async (trx) => {
        await vault.writeFields(trx, id, { email: 'rolled@back.example' });
        assert.equal((await vault.readFields(trx, id, ['email'])).get('email'), 'rolled@back.example');
        throw new Error('abort');
      }), /abort/);
      assert.deepEqual(await vault.readFields(db, id, ['email']), new Map());
      const n = await sql<{ n: number }>`select count(*)::int as n from customer_keys where customer_id = ${id}`.execute(db);
      assert.equal(n.rows[0]!.n, 0);
    });
  });
}
