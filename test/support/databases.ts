// The databases every storage test runs on: PGlite in memory always, and a fresh PostgreSQL
// database (created and dropped here) when KEYHOLE_TEST_DATABASE_URL is set.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/store.js';

/** One backend to run a suite on. */
export interface TestDatabase {
  readonly name: 'pglite' | 'postgres';
  /** Opens a new, empty, migrated store; `cleanup()` closes it and drops what it created. */
  open(): Promise<{ store: Store; url: string | undefined; cleanup: () => Promise<void> }>;
}

const pgUrl = process.env.KEYHOLE_TEST_DATABASE_URL;

/** PGlite always; PostgreSQL when KEYHOLE_TEST_DATABASE_URL is set. */
export const DATABASES: readonly TestDatabase[] = [
  {
    name: 'pglite',
    async open() {
      const store = await openStore({});
      return { store, url: undefined, cleanup: () => store.close() };
    },
  },
  ...(pgUrl
    ? [
        {
          name: 'postgres' as const,
          async open() {
            const { url, drop } = await createPostgresDatabase(pgUrl);
            const store = await openStore({ databaseUrl: url });
            return { store, url, cleanup: async () => { await store.close(); await drop(); } };
          },
        },
      ]
    : []),
];

/** Creates a uniquely named database on the server of `adminUrl`; `drop()` removes it. */
export async function createPostgresDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `keyhole_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
