// `keyhole import customers` (issue 12 item 1): NDJSON and CSV, upsert by externalId, a bad-row
// report with line and reason (never values), nothing half-written, idempotent re-runs and
// resumption after a crash mid-file. Runs on PGlite and on PostgreSQL when configured.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { importCustomers, importRejects } from '../../src/integrations/customers/import.js';
import { recheck, sealRows } from '../../src/integrations/customers/seal-rows.js';
import type { IntegrationDb } from '../../src/integrations/tables.js';
import { DATABASES } from '../support/databases.js';
import { startHarness, type Harness } from '../support/harness.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kh-import-'));

function row(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    externalId: `ext-${i}`, fullName: `Imported Person ${i}`, email: `person${i}@example.org`, phone: '+4915112345678', dateOfBirth: '1990-04-01',
    address: { line1: `${i} Main St`, city: 'Berlin', postalCode: '10115', country: 'DE' }, jurisdiction: 'DE', tier: 'standard', totalBalance: 1234.5 + i, ...extra,
  };
}

for (const backend of DATABASES) {
  describe(`customer import (${backend.name})`, () => {
    let h: Harness;
    let db: IntegrationDb;
    before(async () => {
      h = await startHarness(backend);
      db = h.rt.db as unknown as IntegrationDb;
    });
    after(() => h.close());
    const deps = () => ({ db, vault: h.rt.vault, clock: h.clock });
    const byExt = async (ext: string) => db.selectFrom('customers').select(['id', 'account_id', 'jurisdiction']).where('external_id', '=', ext).executeTakeFirst();

    it('imports NDJSON, encrypts with blind indexes, and reports bad rows by line and reason only', async () => {
      const lines = [
        JSON.stringify(row(1)),
        JSON.stringify(row(2)),
        JSON.stringify({ ...row(3), favouriteColour: 'secret-blue' }),
        JSON.stringify(row(4, { email: 'not-an-email-secret' })),
        '{ not json secret-text',
        JSON.stringify(row(1, { fullName: 'Duplicate Secret Name' })),
        '',
        JSON.stringify(row(5, { dateOfBirth: 'yesterday-secret' })),
        JSON.stringify(row(6)),
      ];
      const file = path.join(dir, `a-${backend.name}.ndjson`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      const s = await importCustomers(deps(), file, { batchSize: 3 });
      assert.deepEqual({ created: s.created, updated: s.updated, rejected: s.rejected }, { created: 3, updated: 0, rejected: 5 });
      const rejects = await importRejects(db, s.importId);
      assert.deepEqual(rejects.map((r) => r.line), [3, 4, 5, 6, 8]);
      assert.match(rejects[0]!.reason, /unknown field "favouriteColour"/);
      assert.match(rejects[1]!.reason, /email: invalid value/);
      assert.match(rejects[2]!.reason, /not valid JSON/);
      assert.match(rejects[3]!.reason, /duplicate externalId/);
      assert.match(rejects[4]!.reason, /dateOfBirth: invalid value/);
      assert.ok(!JSON.stringify(rejects).includes('secret'), 'no value in the report');
      for (const i of [3, 4, 5]) assert.equal(await byExt(`ext-${i}`), undefined, 'a bad row writes nothing');

      const c1 = (await byExt('ext-1'))!;
      const values = await h.rt.vault.readFields(h.rt.db, c1.id, ['fullName', 'email', 'address', 'totalBalance']);
      assert.equal(values.get('fullName'), 'Imported Person 1', 'the first occurrence wins over the duplicate');
      assert.equal(values.get('email'), 'person1@example.org');
      assert.equal(values.get('totalBalance'), 1235.5);
      assert.deepEqual(await h.rt.vault.findByBlindIndex(h.rt.db, 'email', 'person6@example.org'), [(await byExt('ext-6'))!.id]);
      assert.equal(c1.account_id, 'ext-1');
      const raw = await sql<{ n: number }>`select count(*)::int as n from customer_fields where convert_from(ciphertext, 'SQL_ASCII') like '%person1@%'`.execute(h.rt.store.db).catch(() => ({ rows: [{ n: 0 }] }));
      assert.equal(raw.rows[0]!.n, 0, 'ciphertext at rest');

      const audit = await sql<{ entry: unknown }>`select entry from audit_pending where entry->>'action' = 'customer_import'`.execute(h.rt.store.db);
      assert.ok(audit.rows.length >= 3, 'one audit record per batch');
      assert.ok(!JSON.stringify(audit.rows).includes('person1@'), 'never a value on the log');

      const again = await importCustomers(deps(), file, { batchSize: 3 });
      assert.equal(again.alreadyDone, true);
      assert.equal(again.created, 3);
    });

    it('upserts by externalId: a changed file updates, creates nothing twice', async () => {
      const file = path.join(dir, `b-${backend.name}.ndjson`);
      writeFileSync(file, [row(1, { email: 'new1@example.org' }), row(7)].map((r) => JSON.stringify(r)).join('\n'));
      const s = await importCustomers(deps(), file);
      assert.deepEqual({ created: s.created, updated: s.updated, rejected: s.rejected }, { created: 1, updated: 1, rejected: 0 });
      const c1 = (await byExt('ext-1'))!;
      assert.equal((await h.rt.vault.readFields(h.rt.db, c1.id, ['email'])).get('email'), 'new1@example.org');
      assert.deepEqual(await h.rt.vault.findByBlindIndex(h.rt.db, 'email', 'new1@example.org'), [c1.id]);
      assert.deepEqual(await h.rt.vault.findByBlindIndex(h.rt.db, 'email', 'person1@example.org'), [], 'the old index is replaced');
      const n = await db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).where('external_id', '=', 'ext-1').executeTakeFirstOrThrow();
      assert.equal(Number(n.n), 1);
    });

    it('posts no plaintext back from the sealer for a sealed row; an existing externalId is re-read from its line (worker)', async () => {
      const text = JSON.stringify(row(1, { email: 'again1@example.org' }));
      const { checked } = sealRows([{ line: 1, text }], 'json');
      assert.deepEqual(checked[0]!.record.values, {}, 'sealed values stay sealed');
      assert.ok(checked[0]!.sealed!.fields.includes('email'));
      assert.equal(recheck({ line: 1, text }, 'json').values.email, 'again1@example.org');
      const file = path.join(dir, `bw-${backend.name}.ndjson`);
      writeFileSync(file, [row(1, { email: 'worker1@example.org', fullName: 'Worker Updated' }), row(8)].map((r) => JSON.stringify(r)).join('\n'));
      const s = await importCustomers(deps(), file, { sealInWorker: true });
      assert.deepEqual({ created: s.created, updated: s.updated, rejected: s.rejected }, { created: 1, updated: 1, rejected: 0 });
      const c1 = (await byExt('ext-1'))!;
      const v = await h.rt.vault.readFields(h.rt.db, c1.id, ['email', 'fullName', 'address']);
      assert.equal(v.get('email'), 'worker1@example.org');
      assert.equal(v.get('fullName'), 'Worker Updated');
      assert.deepEqual(v.get('address'), row(1).address);
      assert.deepEqual(await h.rt.vault.findByBlindIndex(h.rt.db, 'email', 'worker1@example.org'), [c1.id]);
    });

    it('imports CSV with JSON cells for structured kinds', async () => {
      const file = path.join(dir, `c-${backend.name}.csv`);
      const addr = JSON.stringify({ line1: '1 Rue', city: 'Paris', postalCode: '75001', country: 'FR' }).replaceAll('"', '""');
      writeFileSync(file, [
        'externalId,fullName,email,jurisdiction,address,totalBalance',
        `csv-1,Ada Csv,ada@example.org,FR,"${addr}",99.5`,
        'csv-2,Bob Csv,bob@example.org,FR,,12',
        'csv-3,Bad Balance,c@example.org,FR,,lots',
        'csv-4,Short,row',
      ].join('\r\n'));
      const s = await importCustomers(deps(), file);
      assert.deepEqual({ created: s.created, rejected: s.rejected }, { created: 2, rejected: 2 });
      const rejects = await importRejects(db, s.importId);
      assert.deepEqual(rejects.map((r) => r.line), [4, 5]);
      const c = (await byExt('csv-1'))!;
      const v = await h.rt.vault.readFields(h.rt.db, c.id, ['address', 'totalBalance']);
      assert.deepEqual(v.get('address'), { line1: '1 Rue', city: 'Paris', postalCode: '75001', country: 'FR' });
      assert.equal(v.get('totalBalance'), 99.5);
    });

    it('refuses a row the database refuses (accountId of another customer) without half-writing it', async () => {
      const taken = h.customers[0]!.accountId;
      const file = path.join(dir, `d-${backend.name}.ndjson`);
      writeFileSync(file, [row(20), row(21, { accountId: taken }), row(22)].map((r) => JSON.stringify(r)).join('\n'));
      const s = await importCustomers(deps(), file);
      assert.deepEqual({ created: s.created, rejected: s.rejected }, { created: 2, rejected: 1 });
      assert.equal(await byExt('ext-21'), undefined);
      const keys = await sql<{ n: number }>`select count(*)::int as n from customer_keys k join customers c on c.id = k.customer_id where c.external_id = 'ext-21'`.execute(h.rt.store.db);
      assert.equal(keys.rows[0]!.n, 0);
    });

    it('seals in a worker thread (as for a large file) with the same result: values, blind indexes, report', async () => {
      const file = path.join(dir, `w-${backend.name}.ndjson`);
      const lines = Array.from({ length: 25 }, (_, i) => JSON.stringify(row(300 + i)));
      lines[7] = JSON.stringify(row(307, { email: 'worker-secret' }));
      writeFileSync(file, lines.join('\n'));
      const s = await importCustomers(deps(), file, { batchSize: 10, sealInWorker: true });
      assert.deepEqual({ created: s.created, updated: s.updated, rejected: s.rejected }, { created: 24, updated: 0, rejected: 1 });
      assert.deepEqual((await importRejects(db, s.importId)).map((r) => [r.line, r.reason]), [[8, 'email: invalid value for its kind (email)']]);
      const c = (await byExt('ext-312'))!;
      const v = await h.rt.vault.readFields(h.rt.db, c.id, ['fullName', 'address', 'totalBalance']);
      assert.equal(v.get('fullName'), 'Imported Person 312');
      assert.deepEqual(v.get('address'), { line1: '312 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' });
      assert.deepEqual(await h.rt.vault.findByBlindIndex(h.rt.db, 'email', 'person312@example.org'), [c.id]);
      assert.match(c.id, /^cus_[0-9a-z]{26}$/);
      const again = await importCustomers(deps(), file, { batchSize: 10, sealInWorker: true });
      assert.equal(again.alreadyDone, true);
    });

    it('seals a batch larger than one in-process chunk (yields between chunks) without losing or reordering rows', async () => {
      const file = path.join(dir, `big-${backend.name}.ndjson`);
      const lines = Array.from({ length: 250 }, (_, i) => JSON.stringify(row(1000 + i)));
      lines[149] = '{ broken';
      writeFileSync(file, lines.join('\n'));
      const s = await importCustomers(deps(), file, { batchSize: 250, sealInWorker: false });
      assert.deepEqual({ created: s.created, rejected: s.rejected }, { created: 249, rejected: 1 });
      assert.deepEqual((await importRejects(db, s.importId)).map((r) => r.line), [150]);
      const c = (await byExt('ext-1249'))!;
      assert.equal((await h.rt.vault.readFields(h.rt.db, c.id, ['fullName'])).get('fullName'), 'Imported Person 1249');
    });

    it('resumes after a crash mid-file: every row once, the cursor where it stopped', async () => {
      const file = path.join(dir, `e-${backend.name}.ndjson`);
      writeFileSync(file, Array.from({ length: 50 }, (_, i) => JSON.stringify(row(100 + i))).join('\n'));
      let batches = 0;
      await assert.rejects(importCustomers(deps(), file, { batchSize: 10, onProgress: () => { if (++batches === 2) throw new Error('crash'); } }), /crash/);
      const mid = await db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).where('external_id', 'like', 'ext-1__').executeTakeFirstOrThrow();
      assert.equal(Number(mid.n), 20, 'two batches committed before the crash');
      const s = await importCustomers(deps(), file, { batchSize: 10 });
      assert.equal(s.resumedFrom, 20);
      assert.deepEqual({ created: s.created, updated: s.updated, rejected: s.rejected, lines: s.lines }, { created: 50, updated: 0, rejected: 0, lines: 50 });
      const all = await db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).where('external_id', 'like', 'ext-1__').executeTakeFirstOrThrow();
      assert.equal(Number(all.n), 50);
    });
  });
}
