// The integrator: turns acknowledged records in audit_pending into signed tree heads. One
// process leads (a PostgreSQL session advisory lock, or the one process on PGlite) and runs
// batches — up to `maxBatch` records per transaction, again at once while busy, else every
// `intervalMs` — while followers poll for the lock and take over when the leader dies.
// Any process may still call drain(): batches serialize on a transaction lock.
import type { Kysely } from 'kysely';
import { systemClock, type Clock } from '../shared/clock.js';
import { isKeyholeError } from '../shared/errors.js';
import type { Store } from '../store/store.js';
import type { KeyProvider } from '../vault/key-provider.js';
import type { StoredCheckpoint } from './checkpoint-store.js';
import { integrateBatch, type BatchInfo, type BatchResult } from './integrate-batch.js';
import { soleLeader, type LeaderLock } from './leader-lock.js';
import { LeaseLeaderLock, leaseSecondsFromEnv } from './leader-lease.js';
import { LogHead } from './log-head.js';
import { logOriginFromEnv, openLogIdentity, type LogIdentity } from './log-identity.js';
import type { SignGate } from './published-head.js';
import type { AuditTables } from './tables.js';
import { newInstanceId } from '../access/cluster-events.js';

/** The session-level lock whose holder led before the lease (kept for old tests and tools). */
export const LEADER_LOCK = 7250003;

/** Options of an Integrator. */
export interface IntegratorOptions {
  readonly identity: LogIdentity;
  readonly clock?: Clock;
  /** Most records per batch transaction (default 4096). */
  readonly maxBatch?: number;
  /** Wait between batches when idle, in ms (default 250: a record waits at most about this
   *  long for its checkpoint). */
  readonly intervalMs?: number;
  /** A batch of at least this many records means more are waiting: run the next at once
   *  (default 256). */
  readonly busyThreshold?: number;
  /** Leader election (default: always the leader, for PGlite and tests). */
  readonly leaderLock?: LeaderLock;
  /** How often a follower tries to take over, in ms (default 500). */
  readonly followerPollMs?: number;
  /** Called after each committed batch that signed a new checkpoint. */
  readonly onCheckpoint?: (cp: StoredCheckpoint) => void;
  /** Called when this process becomes leader (true) or stops leading (false). */
  readonly onLeadership?: (leader: boolean) => void;
  /** Called with each error of the background loop (the batch is retried next round); a
   *  LOG_VERIFY_FAILED here means the stored log does not check out and needs a human. */
  readonly onError?: (error: unknown) => void;
  /** Called inside each batch transaction before commit (see BatchDeps.beforeCommit). */
  readonly beforeCommit?: (info: BatchInfo) => Promise<void> | void;
  /** The pre-sign check against the checkpoint published outside the database; told of each
   *  checkpoint once it committed (published-head.ts). */
  readonly signGate?: SignGate;
}

/** Sequences pending audit records into the tree and signs checkpoints. */
export class Integrator {
  readonly #db: Kysely<AuditTables>;
  readonly #identity: LogIdentity;
  readonly #head: LogHead;
  readonly #opts: Required<Pick<IntegratorOptions, 'maxBatch' | 'intervalMs' | 'busyThreshold' | 'followerPollMs'>> & IntegratorOptions;
  readonly #lock: LeaderLock;
  readonly #clock: Clock;
  #running: Promise<unknown> = Promise.resolve();
  #loop: Promise<void> | undefined;
  #stopped = true;
  #wake: (() => void) | undefined;
  #leader = false;

  constructor(db: Kysely<AuditTables>, opts: IntegratorOptions) {
    this.#db = db;
    this.#identity = opts.identity;
    this.#head = new LogHead(opts.identity);
    this.#lock = opts.leaderLock ?? soleLeader;
    this.#clock = opts.clock ?? systemClock;
    this.#opts = { maxBatch: 4096, intervalMs: 250, busyThreshold: 256, followerPollMs: 500, ...opts };
  }

  /** An integrator for `store`: identity from `keys` and KEYHOLE_LOG_ORIGIN in `env` (or
   *  `opts.identity`, shared with the server), its key versions read from the database, leader
   *  election by lease with fencing (leader-lease.ts, KEYHOLE_LEADER_LEASE_S) on PostgreSQL, loop errors on
   *  stderr (each distinct message once in a row) unless `onError` is given.
   *  @throws KeyholeError KEY_UNAVAILABLE, BAD_REQUEST (invalid origin). */
  static async open(
    store: Store, keys: KeyProvider,
    opts: { readonly env?: Readonly<Record<string, string | undefined>>; readonly instanceId?: string; readonly identity?: LogIdentity } & Omit<IntegratorOptions, 'identity'> = {},
  ): Promise<Integrator> {
    const identity = opts.identity ?? (await openLogIdentity(keys, logOriginFromEnv(opts.env ?? {})));
    await identity.refresh(store.db, (opts.clock ?? systemClock).now(), 0);
    const leaderLock = opts.leaderLock ?? (store.capabilities.kind === 'postgres'
      ? new LeaseLeaderLock(store.db, opts.instanceId ?? newInstanceId(), leaseSecondsFromEnv(opts.env ?? {}))
      : soleLeader);
    return new Integrator(store.db as Kysely<AuditTables>, { onError: reportOnce(), ...opts, identity, leaderLock });
  }

  /** The log's origin, key and verifier key. */
  get identity(): LogIdentity {
    return this.#identity;
  }

  /** The leader election in use. */
  get leaderLock(): LeaderLock {
    return this.#lock;
  }

  /** True while this process leads. */
  get isLeader(): boolean {
    return this.#leader;
  }

  /** Runs one batch; resolves to the number of records sequenced once it has committed.
   *  Signs the first checkpoint (of the empty tree, or of entries from before the tree) when
   *  there is none. @throws KeyholeError LOG_VERIFY_FAILED when the stored log does not check
   *  out (nothing is written; the records stay pending). */
  integrateOnce(): Promise<number> {
    return this.#serialized(false).then((r) => r.count);
  }

  /** Integrates until nothing is pending; resolves to the total sequenced. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.#serialized(false);
      total += r.count;
      if (r.count === 0 && !r.signed) return total; // a first checkpoint signs with count 0: go on
    }
  }

  /** Runs #batch after any batch of this process in progress. */
  #serialized(fenced: boolean): Promise<BatchResult> {
    const run = this.#running.then(() => this.#batch(fenced));
    this.#running = run.catch(() => undefined);
    return run;
  }

  /** Starts the leader/follower loop (idempotent). Errors are retried on the next round. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop = this.#run();
  }

  /** Stops the loop, waits for a batch in progress and gives up leadership. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    await this.#running;
    await this.#lock.release();
    this.#setLeader(false);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let delay = this.#opts.intervalMs;
      try {
        this.#setLeader(await this.#lock.acquire());
        if (!this.#leader) delay = this.#opts.followerPollMs;
        else if ((await this.#serialized(true)).count >= this.#opts.busyThreshold) delay = 0;
      } catch (e) {
        if (isKeyholeError(e, 'LEADER_LOST')) this.#setLeader(false); // another instance leads now
        else this.#opts.onError?.(e); // the records stay pending; the next round retries
      }
      if (delay > 0 && !this.#stopped) await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.#wake = () => { clearTimeout(t); resolve(); };
      });
    }
  }

  #setLeader(leader: boolean): void {
    if (leader === this.#leader) return;
    this.#leader = leader;
    this.#opts.onLeadership?.(leader);
  }

  /** One batch; `fenced` (the leader's loop) makes it commit only under the lease it holds. */
  async #batch(fenced: boolean): Promise<BatchResult> {
    const lock = this.#lock;
    const fence = fenced && lock.begin && lock.fence ? { begin: lock.begin.bind(lock), fence: lock.fence.bind(lock) } : undefined;
    await this.#identity.refresh(this.#db, this.#clock.now()); // a signing-key rotation by any instance
    const result = await this.#db.transaction().execute((trx) => integrateBatch(trx, {
      identity: this.#identity, clock: this.#clock, head: this.#head, maxBatch: this.#opts.maxBatch, beforeCommit: this.#opts.beforeCommit,
      signGate: this.#opts.signGate, fence,
    }));
    this.#head.signed(result.checkpoint);
    if (result.signed) this.#opts.signGate?.published(result.checkpoint);
    if (result.signed) this.#opts.onCheckpoint?.(result.checkpoint);
    return result;
  }
}

/** An error reporter for the loop that prints a message only when it differs from the last. */
export function reportOnce(): (e: unknown) => void {
  let last = '';
  return (e) => {
    const message = isKeyholeError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
    if (message !== last) console.error(`keyhole: log integration failed, retrying (${message})`);
    last = message;
  };
}
