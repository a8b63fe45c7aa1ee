// Opens Keyhole's database: PostgreSQL when a URL is given, otherwise embedded PGlite in a data
// directory guarded by a lock file (one process per directory). Only this folder chooses a
// dialect; what differs between the two lives in `Capabilities`.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { lockDirectory } from '../shared/dir-lock.js';
import { KeyholeError } from '../shared/errors.js';
import { sessionPool } from './pg-session.js';
import { PGliteDialect } from './pglite-dialect.js';
import { migrate } from './migrate.js';

/** What one backend can do that the other cannot. */
export interface Capabilities {
  /** 'postgres' or 'pglite'. */
  readonly kind: 'postgres' | 'pglite';
  /** Several connections (and so several processes) may use the database at once. */
  readonly concurrentConnections: boolean;
  /** Session-level advisory locks elect one integrator among several servers. */
  readonly advisoryLocks: boolean;
}

/** An open database. `close()` MUST be called to release the PGlite lock file. */
export interface Store {
  readonly db: Kysely<any>;
  readonly capabilities: Capabilities;
  /** The PostgreSQL pool (for session-level locks); undefined on PGlite. */
  readonly pool: pg.Pool | undefined;
  close(): Promise<void>;
}

/** Where the data lives: `databaseUrl` (PostgreSQL), or `dataDir` (PGlite on disk, locked),
 *  or neither (PGlite in memory, for tests). */
export interface StoreOptions {
  readonly databaseUrl?: string | undefined;
  readonly dataDir?: string | undefined;
  /** Apply migrations on open (default true). */
  readonly migrate?: boolean;
  /** Pool size for PostgreSQL (default 10). */
  readonly poolSize?: number;
}

// int8 as a JS number (sequence numbers and counts stay far below 2^53); numeric stays a string.
pg.types.setTypeParser(20, (v) => Number(v));

/** Opens (and by default migrates) the database described by `opts`.
 *  @throws KeyholeError STORE_LOCKED when another process holds `dataDir`;
 *  MIGRATION_CHECKSUM when an applied migration file was edited. */
export async function openStore(opts: StoreOptions = {}): Promise<Store> {
  const store = opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize ?? 10) : await openPglite(opts.dataDir);
  if (opts.migrate !== false) {
    try {
      await migrate(store.db);
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
}

/** The pool of a PostgreSQL store. Every client gets a permanent 'error' listener the moment it
 *  connects: pg only listens on idle clients, so a connection lost while checked out for a
 *  transaction (57P01 on pg_terminate_backend or a server restart) would otherwise be an
 *  unhandled 'error' event that ends the process. The failure still reaches the caller as the
 *  rejected query, and pg-pool discards the broken client when it is released. Connecting
 *  gives up after `connectTimeoutMs`, so requests during an outage fail fast (503, see
 *  src/store/unavailable.ts) instead of queueing. */
function postgresPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000, fallback_application_name: 'keyhole' });
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead
  pool.on('connect', (client) => {
    client.on('error', () => undefined); // the query in flight (if any) rejects with it
  });
  return pool;
}

function openPostgres(url: string, max: number): Store {
  const pool = postgresPool(url, max);
  // Kysely gets the pool through sessionPool: hot statements named, BEGIN sent with the next
  // statement (src/store/pg-session.ts). `pool` itself stays raw for session-level users.
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: sessionPool(pool) }) });
  return {
    db,
    pool,
    capabilities: { kind: 'postgres', concurrentConnections: true, advisoryLocks: true },
    close: () => db.destroy(),
  };
}

async function openPglite(dataDir: string | undefined): Promise<Store> {
  let release: (() => Promise<void>) | undefined;
  let pgDir: string | undefined;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    try {
      release = (await lockDirectory(dataDir, { lockfilePath: path.join(dataDir, 'keyhole.lock'), stale: 15_000, update: 5_000 })).release;
    } catch (cause) {
      throw new KeyholeError('STORE_LOCKED', `Another process holds the data directory ${dataDir}.`, { cause });
    }
    pgDir = path.join(dataDir, 'pg');
  }
  // Imported here, not at the top: an instance on PostgreSQL never loads PGlite (~8 MB resident).
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = new PGlite(pgDir ?? 'memory://', { parsers: { 20: (v: string) => Number(v) } });
  const db = new Kysely<any>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    pool: undefined,
    capabilities: { kind: 'pglite', concurrentConnections: false, advisoryLocks: false },
    close: async () => {
      await db.destroy();
      await release?.();
    },
  };
}
