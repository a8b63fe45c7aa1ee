// Blind-index key rotation by re-indexing (issue 19) on every database and on the master, file
// and PKCS#11 (SoftHSM2) providers: a new version becomes current for every server, writes go
// under it, lookups and verifications find every customer under either version during the
// overlap, an interrupted re-index (between batches, or in the middle of one) resumes at the
// stored cursor with nothing unfindable in between, two instances re-indexing at once share the
// work, and the old version is retired (and destroyed) once no row references it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { indexCanonical } from '../../src/fields/index-canonical.js';
import { FileKeyProvider } from '../../src/vault/file-key-provider.js';
import type { KeyProvider } from '../../src/vault/key-provider.js';
import { keyVersionStatus } from '../../src/vault/key-versions.js';
import { MasterKeyProvider } from '../../src/vault/master-key-provider.js';
import { Pkcs11KeyProvider } from '../../src/vault/pkcs11-key-provider.js';
import { Vault } from '../../src/vault/vault.js';
import { DATABASES } from '../support/databases.js';
import { SOFTHSM_MODULE, softhsmTokens, type SoftHsmTokens } from '../support/softhsm.js';
import { code, insertCustomer, tempDir } from './helpers.js';

const hsmLabels = DATABASES.map((d) => `kh-bi-${d.name}`);
let hsm: SoftHsmTokens | undefined;
if (SOFTHSM_MODULE) hsm = softhsmTokens(hsmLabels);
after(() => hsm?.rm());

interface ProviderCase {
  readonly kind: 'master' | 'file' | 'pkcs11';
  open(): Promise<KeyProvider>;
  cleanup(): void;
}

function providers(dbName: string): ProviderCase[] {
  const master = randomBytes(32);
  const t = tempDir();
  const out: ProviderCase[] = [
    { kind: 'master', open: async () => new MasterKeyProvider(master), cleanup: () => undefined },
    { kind: 'file', open: () => FileKeyProvider.open(t.dir), cleanup: () => t.rm() },
  ];
  if (hsm) {
    const cfg = hsm.config(`kh-bi-${dbName}`);
    out.push({ kind: 'pkcs11', open: async () => { await Pkcs11KeyProvider.init(cfg); return Pkcs11KeyProvider.open(cfg); }, cleanup: () => undefined });
  }
  return out;
}

const email = (id: string) => `${id.toUpperCase()}@Rotate.Example`;
const canonicalEmail = (id: string) => indexCanonical('email', email(id), { jurisdiction: 'DE' }) as string;

async function versions(db: Kysely<any>): Promise<Record<number, number>> {
  const r = await sql<{ key_version: number; n: string }>`select key_version, count(*) as n from blind_indexes group by key_version order by key_version`.execute(db);
  return Object.fromEntries(r.rows.map((x) => [x.key_version, Number(x.n)]));
}

for (const backend of DATABASES) {
  for (const pc of providers(backend.name)) {
    describe(`blind-index key rotation on ${backend.name} with the ${pc.kind} provider`, () => {
      let db: Kysely<any>;
      let cleanup: () => Promise<void>;
      let keys: KeyProvider;
      let vault: Vault;
      const ids = Array.from({ length: 11 }, (_, i) => `bi-${String(i).padStart(2, '0')}`);
      before(async () => {
        const o = await backend.open();
        db = o.store.db;
        cleanup = o.cleanup;
        keys = await pc.open();
        vault = new Vault(keys);
        await vault.checkKeys(db);
        for (const id of ids) {
          await insertCustomer(db, id);
          await vault.writeFields(db, id, { email: email(id), fullName: `Name ${id}` });
          await vault.writeBlindIndex(db, id, 'email', canonicalEmail(id));
        }
        // an index whose field is gone: it can never be recomputed
        await insertCustomer(db, 'bi-orphan');
        await vault.writeBlindIndex(db, 'bi-orphan', 'email', 'orphan@rotate.example');
      });
      after(async () => {
        await keys.close();
        await cleanup();
        pc.cleanup();
      });

      /** Every customer is found by its e-mail and its verification matches. */
      async function allFindable(v: Vault, list: readonly string[]): Promise<void> {
        for (const id of list) {
          assert.deepEqual(await v.findByBlindIndex(db, 'email', canonicalEmail(id)), [id], `lookup of ${id}`);
          assert.equal(await v.matchesBlindIndex(db, id, 'email', canonicalEmail(id)), true, `verify of ${id}`);
          assert.equal(await v.matchesBlindIndex(db, id, 'email', 'someone-else@rotate.example'), false);
        }
      }

      it('rotates, keeps every customer findable through an interrupted re-index, resumes, and retires the old version', async () => {
        await allFindable(vault, ids);
        const rot = await db.transaction().execute((trx) => vault.rotateBlindIndexKey(trx as never, new Date()));
        assert.deepEqual(rot, { from: 1, to: 2 });
        // a second rotation before the first has finished is refused and changes nothing
        await assert.rejects(db.transaction().execute((trx) => vault.rotateBlindIndexKey(trx as never, new Date())), code('ROTATION_IN_PROGRESS'));
        assert.equal(await vault.currentBlindIndexVersion(db), 2);

        // overlap: old rows under 1, a new write under 2; all findable
        await insertCustomer(db, 'bi-new');
        await vault.writeFields(db, 'bi-new', { email: email('bi-new') });
        await vault.writeBlindIndex(db, 'bi-new', 'email', canonicalEmail('bi-new'));
        assert.deepEqual(await versions(db), { 1: 12, 2: 1 });
        const everyone = [...ids, 'bi-new'];
        await allFindable(vault, everyone);

        // killed in the middle of a batch: the batch rolls back, nothing changes
        let calls = 0;
        await assert.rejects(vault.reindexBlindIndexes(db, (f, v, c) => {
          calls += 1;
          if (calls === 2) throw new Error('killed mid-batch');
          return indexCanonical(f, v, c);
        }, { batchSize: 4 }), /killed mid-batch/);
        assert.deepEqual(await versions(db), { 1: 12, 2: 1 });

        // killed between batches: the first batch stays committed, the cursor is stored
        await assert.rejects(vault.reindexBlindIndexes(db, indexCanonical, { batchSize: 4, onProgress: () => { throw new Error('killed after a batch'); } }), /killed after a batch/);
        assert.deepEqual(await versions(db), { 1: 8, 2: 5 });
        const job = (await sql<{ cursor_customer_id: string; cursor_field: string; reindexed: string; finished_at: Date | null }>`select * from blind_index_reindex where to_version = 2`.execute(db)).rows[0]!;
        assert.equal(job.cursor_customer_id, 'bi-03');
        assert.equal(job.cursor_field, 'email');
        assert.equal(job.finished_at, null);
        await allFindable(vault, everyone);
        await allFindable(new Vault(await pc.open()), everyone); // another instance, too

        // resumed (by another instance): finishes, drops the orphan, retires version 1
        const other = new Vault(keys);
        let retiredIn: { versions: readonly number[] } | undefined;
        const r = await other.reindexBlindIndexes(db, indexCanonical, { batchSize: 4, onRetire: async (_trx, info) => { retiredIn = info; } });
        assert.equal(r.reindexed, 7);
        assert.equal(r.dropped, 1);
        assert.deepEqual(r.retired, [1]);
        assert.deepEqual(retiredIn?.versions, [1]);
        assert.deepEqual(await versions(db), { 2: 12 });
        await allFindable(vault, everyone);
        assert.deepEqual(await vault.findByBlindIndex(db, 'email', 'orphan@rotate.example'), []);
        const status = (await keyVersionStatus(db)).filter((s) => s.keyId === 'blind-index').map((s) => [s.version, s.state, s.references]);
        assert.deepEqual(status, [[1, 'retired', 0], [2, 'current', 12]]);
        // idempotent, and a restart's key check passes with version 1 retired
        assert.deepEqual((await vault.reindexBlindIndexes(db, indexCanonical)).reindexed, 0);
        await new Vault(await pc.open()).checkKeys(db);
        if (pc.kind === 'pkcs11') await assert.rejects(keys.blindIndex(Buffer.from('x\u0000y'), 1), (e: any) => ['KEY_UNAVAILABLE', 'HSM_KEYS_MISSING'].includes(e.code));
        if (pc.kind === 'pkcs11') await Pkcs11KeyProvider.open(hsm!.config(`kh-bi-${backend.name}`)).then((p) => p.close()); // the token still opens
      });

      it('a second rotation re-indexes with two instances at once; each row is done once', async () => {
        assert.deepEqual(await db.transaction().execute((trx) => vault.rotateBlindIndexKey(trx as never, new Date())), { from: 2, to: 3 });
        const a = new Vault(keys);
        const b = new Vault(await pc.open());
        const [ra, rb] = await Promise.all([a.reindexBlindIndexes(db, indexCanonical, { batchSize: 2 }), b.reindexBlindIndexes(db, indexCanonical, { batchSize: 2 })]);
        assert.equal(ra.reindexed + rb.reindexed, 12);
        assert.deepEqual([...ra.retired, ...rb.retired], [2]);
        assert.deepEqual(await versions(db), { 3: 12 });
        await allFindable(vault, [...ids, 'bi-new']);
      });
    });
  }
}
