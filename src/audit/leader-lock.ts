// Electing the one integrator among several Keyhole servers: a PostgreSQL session-level
// advisory lock held on a dedicated connection for as long as this process leads. When the
// process dies its connection closes and PostgreSQL releases the lock, so a follower that polls
// takes over. On PGlite the one process is always the leader. DESIGN.md "Audit log sequencing".
// Leadership is for liveness only: every batch also takes a transaction-level lock, so two
// processes that both believe they lead still integrate one batch at a time.

/** Who may run the integration loop. */
export interface LeaderLock {
  /** Becomes leader if nobody else is; true while this process holds the lock. Idempotent.
   *  Never throws: a database error means "not leader now". */
  acquire(): Promise<boolean>;
  /** Gives up leadership (idempotent). */
  release(): Promise<void>;
  /** Fencing (leader-lease.ts): called first in each batch transaction the leader runs. */
  begin?(trx: import('kysely').Kysely<any>): Promise<void>;
  /** Fencing: called last before each such batch commits; throws when leadership was lost. */
  fence?(trx: import('kysely').Kysely<any>): Promise<void>;
}

/** The one process on an embedded database: always the leader. */
export const soleLeader: LeaderLock = Object.freeze({
  acquire: async () => true,
  release: async () => undefined,
});

/** The subset of a pg.Pool the lock needs (a pg.Pool satisfies it). */
export interface LockPool {
  connect(): Promise<LockClient>;
}

/** The subset of a pg.PoolClient the lock needs. */
export interface LockClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  release(err?: Error | boolean): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** A session-level advisory lock (`pg_try_advisory_lock(key)`) on a connection taken from
 *  `pool` and kept while leading. Losing the connection loses leadership. */
export class PostgresLeaderLock implements LeaderLock {
  readonly #pool: LockPool;
  readonly #key: number;
  #client: LockClient | undefined;

  constructor(pool: LockPool, key: number) {
    this.#pool = pool;
    this.#key = key;
  }

  async acquire(): Promise<boolean> {
    if (this.#client) return true;
    let client: LockClient;
    try {
      client = await this.#pool.connect();
    } catch {
      return false;
    }
    try {
      const r = await client.query('select pg_try_advisory_lock($1) as ok', [this.#key]);
      if (r.rows[0]?.ok !== true) {
        client.release();
        return false;
      }
    } catch (err) {
      client.release(err instanceof Error ? err : true);
      return false;
    }
    client.on('error', (err) => this.#lost(client, err));
    this.#client = client;
    return true;
  }

  async release(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    try {
      await client.query('select pg_advisory_unlock($1)', [this.#key]);
      client.release();
    } catch (err) {
      client.release(err instanceof Error ? err : true); // destroys the connection: the lock goes with it
    }
  }

  #lost(client: LockClient, err: Error): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.release(err);
  }
}
