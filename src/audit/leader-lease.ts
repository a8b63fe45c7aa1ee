// Electing the one integrator among several Keyhole servers with a lease on the database's
// clock (issue 18 part 2), replacing the session advisory lock that a frozen leader kept for as
// long as it was frozen. The holder renews `cluster_leader.expires_at` every round; a follower
// takes the role once it has run out. Fencing: every batch the leader runs checks and renews
// the lease inside its own transaction, with the lease row locked until commit, and sets
// `idle_in_transaction_session_timeout`, so a leader frozen in the middle of a batch has its
// session (and the batch lock) ended by PostgreSQL, and a stale leader that wakes up cannot
// commit on top of a tree it no longer heads: the batch reads the tree under the batch lock and
// commits only while holding the lease it checked. migrations/0071; docs/operations.md.
import { sql, type Kysely } from 'kysely';
import { KeyholeError } from '../shared/errors.js';
import type { LeaderLock } from './leader-lock.js';

/** Default lease length in seconds: a frozen leader loses the role within about this long. */
export const DEFAULT_LEASE_S = 6;

/** The lease as stored. */
export interface LeaseState {
  readonly holder: string | null;
  readonly epoch: number;
  /** When the lease runs out (database clock). */
  readonly expiresAt: Date | null;
  /** Since when the holder leads. */
  readonly since: Date | null;
  /** Whether it is still valid now (database clock). */
  readonly valid: boolean;
}

/** Reads the lease (undefined before migration 0071). */
export async function readLease(db: Kysely<any>): Promise<LeaseState | undefined> {
  const r = await sql<{ holder: string | null; epoch: number; expires_at: Date | null; since: Date | null; valid: boolean }>`
    select holder, epoch, case when expires_at = '-infinity' then null else expires_at end as expires_at, since,
           expires_at > clock_timestamp() as valid
    from cluster_leader where id = 1`.execute(db);
  const row = r.rows[0];
  return row && { holder: row.holder, epoch: Number(row.epoch), expiresAt: row.expires_at, since: row.since, valid: row.valid };
}

/** KEYHOLE_LEADER_LEASE_S: the lease length in seconds (1–120, default 6).
 *  @throws KeyholeError CONFIG_INVALID otherwise. */
export function leaseSecondsFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  const v = env.KEYHOLE_LEADER_LEASE_S?.trim();
  if (!v) return DEFAULT_LEASE_S;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 1 || n > 120) throw new KeyholeError('CONFIG_INVALID', 'KEYHOLE_LEADER_LEASE_S must be a number of seconds from 1 to 120.');
  return n;
}

/** Leadership by lease on `cluster_leader`, for the instance `instanceId`. */
export class LeaseLeaderLock implements LeaderLock {
  readonly #db: Kysely<any>;
  readonly #me: string;
  readonly #leaseS: number;
  #epoch: number | undefined;

  constructor(db: Kysely<any>, instanceId: string, leaseS = DEFAULT_LEASE_S) {
    this.#db = db;
    this.#me = instanceId;
    this.#leaseS = leaseS;
  }

  /** The epoch of the lease this instance holds, if it believes it holds one. */
  get epoch(): number | undefined {
    return this.#epoch;
  }

  /** Takes the lease when free or expired, or renews it when held. Never throws: a database
   *  error means "not leader now". */
  async acquire(): Promise<boolean> {
    try {
      const r = await sql<{ epoch: number }>`
        update cluster_leader set
          epoch = case when holder = ${this.#me} and expires_at > clock_timestamp() then epoch else epoch + 1 end,
          since = case when holder = ${this.#me} and expires_at > clock_timestamp() then since else clock_timestamp() end,
          holder = ${this.#me},
          expires_at = clock_timestamp() + make_interval(secs => ${this.#leaseS})
        where id = 1 and (holder = ${this.#me} or holder is null or expires_at <= clock_timestamp())
        returning epoch`.execute(this.#db);
      const epoch = r.rows[0]?.epoch;
      // a new epoch after an expiry fences off any batch still running under the old one
      this.#epoch = epoch === undefined ? undefined : Number(epoch);
      return epoch !== undefined;
    } catch {
      this.#epoch = undefined;
      return false;
    }
  }

  /** Ends the lease at once so a follower takes over without waiting (idempotent). */
  async release(): Promise<void> {
    const had = this.#epoch;
    this.#epoch = undefined;
    if (had === undefined) return;
    try {
      await sql`update cluster_leader set expires_at = clock_timestamp() where id = 1 and holder = ${this.#me} and epoch = ${had}`.execute(this.#db);
    } catch {
      // it runs out by itself
    }
  }

  /** Inside a batch transaction, first thing: PostgreSQL ends this session if the process
   *  stalls mid-batch for longer than the lease, releasing the batch lock. */
  async begin(trx: Kysely<any>): Promise<void> {
    await sql`select set_config('idle_in_transaction_session_timeout', ${`${Math.ceil(this.#leaseS * 1000)}ms`}, true)`.execute(trx);
    await this.fence(trx);
  }

  /** Inside a batch transaction, just before commit (and at its start): checks this instance
   *  still holds the lease under the same epoch, renews it, and keeps the lease row locked until
   *  the transaction ends, so nobody takes over between the check and the commit.
   *  @throws KeyholeError LEADER_LOST otherwise (the caller rolls back). */
  async fence(trx: Kysely<any>): Promise<void> {
    const epoch = this.#epoch;
    const r = epoch === undefined ? { rows: [] } : await sql`
      update cluster_leader set expires_at = clock_timestamp() + make_interval(secs => ${this.#leaseS})
      where id = 1 and holder = ${this.#me} and epoch = ${epoch} and expires_at > clock_timestamp()
      returning epoch`.execute(trx);
    if (r.rows.length === 0) {
      this.#epoch = undefined;
      throw new KeyholeError('LEADER_LOST', 'This instance no longer holds the leader lease; the batch was rolled back.', { details: { epoch: epoch ?? null } });
    }
  }
}
