import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrate, readMigrations } from '../src/store/migrate.js';
import { openStore } from '../src/store/store.js';
import { isKeyholeError } from '../src/shared/errors.js';
import { DATABASES } from './support/databases.js';

for (const backend of DATABASES) {
  describe(`store on ${backend.name}`, () => {
    it('applies every migration once and records its checksum', async () => {
      const { store, cleanup } = await backend.open();
      try {
        const rows = await sql<{ name: string; checksum: string }>`select name, checksum from schema_migrations order by name`.execute(store.db);
        assert.deepEqual(rows.rows.map((r) => r.name), readMigrations().map((m) => m.name));
        assert.deepEqual(await migrate(store.db), []);
      } finally {
        await cleanup();
      }
    });

    it('refuses to run when an applied migration was edited', async () => {
      const { store, cleanup } = await backend.open();
      try {
        const edited = readMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
        await assert.rejects(migrate(store.db, edited), (e) => isKeyholeError(e, 'MIGRATION_CHECKSUM'));
      } finally {
        await cleanup();
      }
    });

    it('rejects UPDATE, DELETE and TRUNCATE on audit_log', async () => {
      const { store, cleanup } = await backend.open();
      try {
        await sql`insert into audit_log (seq, entry, leaf_hash, chain_hash, time, action) values (0, '{}', '\\x00', '\\x00', now(), 'view')`.execute(store.db);
        await assert.rejects(sql`update audit_log set action = 'x'`.execute(store.db), /append-only/);
        await assert.rejects(sql`delete from audit_log`.execute(store.db), /append-only/);
        await assert.rejects(sql`truncate audit_log`.execute(store.db), /append-only/);
        const n = await sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(store.db);
        assert.equal(n.rows[0]?.n, 1);
      } finally {
        await cleanup();
      }
    });

    it('rolls back a failed transaction as a whole', async () => {
      const { store, cleanup } = await backend.open();
      try {
        await assert.rejects(store.db.transaction().execute(async (trx) => {
          await sql`insert into vault_meta (key, value) values ('a', 'b')`.execute(trx);
          throw new Error('boom');
        }));
        const n = await sql<{ n: number }>`select count(*)::int as n from vault_meta`.execute(store.db);
        assert.equal(n.rows[0]?.n, 0);
      } finally {
        await cleanup();
      }
    });
  });
}

describe('PGlite data directory', () => {
  it('is locked against a second opener and reopens with its data', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'keyhole-store-'));
    try {
      const a = await openStore({ dataDir: dir });
      await assert.rejects(openStore({ dataDir: dir }), (e) => isKeyholeError(e, 'STORE_LOCKED'));
      await sql`insert into vault_meta (key, value) values ('k', 'v')`.execute(a.db);
      await a.close();
      const b = await openStore({ dataDir: dir });
      const r = await sql<{ value: string }>`select value from vault_meta where key = 'k'`.execute(b.db);
      assert.equal(r.rows[0]?.value, 'v');
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
