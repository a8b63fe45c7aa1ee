// Plain `.sql` migrations from `migrations/` at the project root, applied in file-name order,
// each in its own transaction and recorded with its SHA-256 checksum. Several servers may start
// at once on PostgreSQL: a transaction-level advisory lock serializes them.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { KeyholeError } from '../shared/errors.js';

/** The folder holding the migration files. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** One migration file. */
export interface Migration {
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

/** Reads `dir` (default MIGRATIONS_DIR) into migrations sorted by name. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((name) => {
      const text = readFileSync(new URL(name, `file://${dir.endsWith('/') ? dir : dir + '/'}`), 'utf8');
      return { name, sql: text, checksum: createHash('sha256').update(text).digest('hex') };
    });
}

/** Applies every migration not yet recorded; returns the names applied now.
 *  @throws KeyholeError MIGRATION_CHECKSUM when a recorded migration's file changed;
 *  SCHEMA_TOO_NEW when a recorded migration is not among `migrations` (a newer version's). */
export async function migrate(db: Kysely<any>, migrations: readonly Migration[] = readMigrations()): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(7250001)`.execute(trx);
    await sql`create table if not exists schema_migrations (
      name text primary key, checksum text not null, applied_at timestamptz not null default now())`.execute(trx);
    const done = await sql<{ name: string; checksum: string }>`select name, checksum from schema_migrations`.execute(trx);
    const applied = new Map(done.rows.map((r) => [r.name, r.checksum]));
    // A migration this version does not know was applied by a newer Keyhole: refuse to run on
    // a schema it does not understand (issue 18 part 3; docs/operations.md "Rolling upgrade").
    const known = new Set(migrations.map((m) => m.name));
    const unknown = [...applied.keys()].filter((n) => !known.has(n)).sort();
    if (unknown.length > 0) {
      throw new KeyholeError('SCHEMA_TOO_NEW', `The database has migrations this version of Keyhole does not know (${unknown.slice(0, 5).join(', ')}); run a newer Keyhole.`, { details: { unknown } });
    }
    const now: string[] = [];
    for (const m of migrations) {
      const seen = applied.get(m.name);
      if (seen !== undefined) {
        if (seen !== m.checksum) {
          throw new KeyholeError('MIGRATION_CHECKSUM', `Migration ${m.name} changed after it was applied.`);
        }
        continue;
      }
      await sql.raw(m.sql).execute(trx);
      await sql`insert into schema_migrations (name, checksum) values (${m.name}, ${m.checksum})`.execute(trx);
      now.push(m.name);
    }
    return now;
  });
}
