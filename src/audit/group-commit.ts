// Group commit for the log (issue 13): concurrent requests' audit appends — and, for the
// broker, their whole decision transactions — share one database commit. Work is queued on a
// lane (one database connection at a time); an idle lane flushes on the next turn of the event
// loop (or `maxWaitMs` after the first unit, when set), a busy one as soon as its flush ends,
// taking up to `maxBatch` queued units. A flush is one transaction: every transactional unit
// runs on a handle of its own that opens the unit's SAVEPOINT just before the unit's first
// statement (a unit that throws is rolled back to it and rejected alone; a unit that runs no
// statement needs none), then the records of all units — record-only units and those appended
// through appendAudit in transactional units — go in as one multi-row INSERT, then one COMMIT.
// The BEGIN too is sent only before the first statement of a unit: a flush whose units ran none
// (requests whose only write is their record) is that one INSERT alone, in autocommit — one
// round trip, as atomic as BEGIN/INSERT/COMMIT.
//
// Invariant 1 (DESIGN.md) is unchanged: a unit's promise resolves only after the COMMIT that
// holds its records and state changes, so no response goes out before its audit record is
// durable. A COMMIT (or the records' INSERT, or any statement outside a unit's savepoint) that
// fails rejects exactly the units of that flush, with AUDIT_APPEND_FAILED, and none of their
// records or state changes is stored.
//
// Units sharing a key (the broker uses the agent id) always go to the same lane, so the row
// locks one agent's requests take (budget counters, grant claims) are never waited for across
// lanes of the same committer.
import { CompiledQuery, Transaction, type ConnectionProvider, type DatabaseConnection, type Kysely } from 'kysely';
import { canonicalAuditJson, type AuditRecord } from '../shared/audit-entry.js';
import { isKeyholeError, KeyholeError } from '../shared/errors.js';
import { NO_CONFIG, NO_DIALECT, NO_DRIVER, unitHandle, UnitScope } from './group-commit-unit.js';

/** Tuning of a GroupCommitter. */
export interface GroupCommitOptions {
  /** Parallel flushes (database connections in use at once); 1 on PGlite. Default
   *  GROUP_COMMIT_DEFAULTS.lanes. */
  readonly lanes?: number;
  /** Units per flush at most. Default GROUP_COMMIT_DEFAULTS.maxBatch (a transactional unit
   *  that writes is a subtransaction; more than 64 in a transaction overflow PostgreSQL's
   *  per-backend subxid cache). */
  readonly maxBatch?: number;
  /** How long an idle lane waits for more units after the first before it flushes, in ms;
   *  0 (the default) flushes on the next turn of the event loop, taking every unit queued
   *  meanwhile. A busy lane flushes as soon as its flush ends, whatever this is. */
  readonly maxWaitMs?: number;
}

/** The defaults of GroupCommitOptions (measured with bench/log.ts, docs/design/perf.md). */
export const GROUP_COMMIT_DEFAULTS = Object.freeze({ lanes: 1, maxBatch: 64, maxWaitMs: 0 });

/** Counts since construction (no record content). */
export interface GroupCommitStats {
  readonly flushes: number;
  readonly units: number;
  readonly failedFlushes: number;
  /** Savepoints opened: transactional units that ran a statement of their own. */
  readonly savepoints: number;
  /** Flushes that were their records' INSERT alone, in autocommit (no unit ran a statement). */
  readonly autocommitFlushes: number;
}

/** Sends BEGIN on the flush's connection before the first statement run through it;
 *  statements run one at a time, as `inner` (the flush's single connection) provides it. If
 *  BEGIN fails, every statement through it fails with that error (none runs outside the
 *  transaction), and so does the flush. */
class LazyBeginProvider implements ConnectionProvider {
  readonly #inner: ConnectionProvider;
  #begin: Promise<unknown> | undefined;

  constructor(inner: ConnectionProvider) {
    this.#inner = inner;
  }

  /** True once BEGIN was sent (the flush then ends with COMMIT or ROLLBACK). */
  get began(): boolean {
    return this.#begin !== undefined;
  }

  provideConnection<T>(consumer: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    return this.#inner.provideConnection(async (connection) => {
      this.#begin ??= connection.executeQuery(CompiledQuery.raw('begin'));
      await this.#begin;
      return consumer(connection);
    });
  }
}

/** How one unit of a flush ended (its promise settles with this once the flush committed). */
type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

interface Unit {
  readonly records: readonly string[];
  readonly fn: ((trx: Transaction<any>) => Promise<unknown>) | undefined;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

interface Lane {
  queue: Unit[];
  busy: boolean;
  /** The pending flush of an idle lane, if one is scheduled. */
  timer: { cancel(): void } | undefined;
}

// Precompiled: one statement for all the records of a flush (record-only units and those that
// transactional units appended), sent as one JSON array of their canonical texts (each is JSON:
// joined, not escaped into an array literal), inserted in that order.
const INSERT_MANY = 'insert into audit_pending (entry) select e from jsonb_array_elements($1::jsonb) with ordinality as t(e, n) order by n';

/** Validates `record` the way appendAudit does and returns its canonical text.
 *  @throws KeyholeError AUDIT_APPEND_FAILED (not representable, or `time` not a date). */
function recordText(record: AuditRecord): string {
  try {
    const text = canonicalAuditJson(record);
    if (Number.isNaN(Date.parse(record.time))) throw new TypeError('audit record time is not a date');
    return text;
  } catch (cause) {
    throw new KeyholeError('AUDIT_APPEND_FAILED', undefined, { cause });
  }
}

/** The commit queue over `db` (see the file comment). `close()` flushes what is queued. */
export class GroupCommitter {
  readonly #db: Kysely<any>;
  readonly #lanes: Lane[];
  readonly #maxBatch: number;
  readonly #maxWaitMs: number;
  #flushes = 0;
  #units = 0;
  #failed = 0;
  #savepoints = 0;
  #autocommits = 0;
  #closed = false;

  constructor(db: Kysely<any>, opts: GroupCommitOptions = {}) {
    const lanes = opts.lanes ?? GROUP_COMMIT_DEFAULTS.lanes;
    if (!Number.isInteger(lanes) || lanes < 1) throw new RangeError('lanes must be an integer >= 1');
    this.#db = db;
    this.#lanes = Array.from({ length: lanes }, () => ({ queue: [], busy: false, timer: undefined }));
    this.#maxBatch = Math.max(1, opts.maxBatch ?? GROUP_COMMIT_DEFAULTS.maxBatch);
    this.#maxWaitMs = Math.max(0, opts.maxWaitMs ?? GROUP_COMMIT_DEFAULTS.maxWaitMs);
  }

  /** Appends `records` (one request's) to audit_pending in the next flush of the lane of
   *  `key`; resolves after the COMMIT that holds them.
   *  @throws KeyholeError AUDIT_APPEND_FAILED when a record is refused (then nothing of this
   *  call is queued) or when its flush fails (then nothing of that flush is stored). */
  append(key: string, records: readonly AuditRecord[]): Promise<void> {
    const texts = records.map(recordText);
    return this.#enqueue(key, texts, undefined) as Promise<void>;
  }

  /** Runs `fn` inside the next flush's transaction of the lane of `key`, on a handle of its
   *  own (its statements after its own savepoint; records it appends with appendAudit go into
   *  the flush's one INSERT), and resolves with its result after that transaction commits.
   *  `fn` MUST NOT start a transaction of its own, and MUST NOT use the handle after its
   *  promise settled. If `fn` throws, its work is rolled back to the savepoint, its records
   *  are dropped, and the returned promise rejects with that error (the other units are
   *  unaffected).
   *  @throws whatever `fn` throws; KeyholeError AUDIT_APPEND_FAILED when the flush's commit
   *  (or the transaction around the units) fails. */
  run<T, DB = any>(key: string, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    return this.#enqueue(key, [], fn as unknown as (trx: Transaction<any>) => Promise<unknown>) as Promise<T>;
  }

  /** The settings in use. */
  get settings(): Required<GroupCommitOptions> {
    return { lanes: this.#lanes.length, maxBatch: this.#maxBatch, maxWaitMs: this.#maxWaitMs };
  }

  /** Flush and unit counts since construction. */
  stats(): GroupCommitStats {
    return { flushes: this.#flushes, units: this.#units, failedFlushes: this.#failed, savepoints: this.#savepoints, autocommitFlushes: this.#autocommits };
  }

  /** Refuses new work and waits until every queued unit has been flushed. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const lane of this.#lanes) if (lane.queue.length > 0 && !lane.busy) this.#flushSoon(lane, 0);
    while (this.#lanes.some((l) => l.busy || l.queue.length > 0)) await new Promise((r) => setTimeout(r, 2));
  }

  #enqueue(key: string, records: readonly string[], fn: Unit['fn']): Promise<unknown> {
    if (this.#closed) return Promise.reject(new KeyholeError('AUDIT_APPEND_FAILED', 'The commit queue is closed.'));
    const lane = this.#lanes[laneOf(key, this.#lanes.length)]!;
    return new Promise((resolve, reject) => {
      lane.queue.push({ records, fn, resolve, reject });
      if (lane.busy) return;
      if (lane.queue.length >= this.#maxBatch) this.#flushSoon(lane, 0);
      else if (lane.timer === undefined) this.#flushSoon(lane, this.#maxWaitMs);
    });
  }

  /** Flushes `lane` after `ms` (0: on the next turn of the event loop, after every unit
   *  queued by the code running now). */
  #flushSoon(lane: Lane, ms: number): void {
    lane.timer?.cancel();
    const go = () => {
      lane.timer = undefined;
      void this.#flush(lane);
    };
    if (ms > 0) {
      const t = setTimeout(go, ms);
      lane.timer = { cancel: () => clearTimeout(t) };
    } else {
      const t = setImmediate(go);
      lane.timer = { cancel: () => clearImmediate(t) };
    }
  }

  async #flush(lane: Lane): Promise<void> {
    if (lane.busy || lane.queue.length === 0) return;
    lane.busy = true;
    const batch = lane.queue.splice(0, this.#maxBatch);
    this.#flushes++;
    this.#units += batch.length;
    const outcomes = new Map<Unit, Outcome>();
    try {
      await this.#db.connection().execute(async (conn) => {
        // The flush's transaction, begun lazily: the units' handles and the records' INSERT go
        // through `lazy`, which sends BEGIN before the first of them.
        const lazy = new LazyBeginProvider(conn.getExecutor());
        const trx = new Transaction<any>({ config: NO_CONFIG, driver: NO_DRIVER, dialect: NO_DIALECT, executor: conn.getExecutor().withConnectionProvider(lazy) });
        try {
          const texts = await this.#runUnits(batch, trx, outcomes);
          const insert = texts.length > 0 ? CompiledQuery.raw(INSERT_MANY, [`[${texts.join(',')}]`]) : undefined;
          if (!lazy.began) {
            // No unit ran a statement: the records' INSERT is the whole flush, in autocommit.
            if (insert) await conn.executeQuery(insert);
            this.#autocommits++;
            return;
          }
          if (insert) await trx.executeQuery(insert);
          await conn.executeQuery(CompiledQuery.raw('commit'));
        } catch (error) {
          if (lazy.began) await conn.executeQuery(CompiledQuery.raw('rollback')).catch(() => undefined);
          throw error;
        }
      });
    } catch (cause) {
      this.#failed++;
      const err = isKeyholeError(cause) ? cause : new KeyholeError('AUDIT_APPEND_FAILED', undefined, { cause });
      for (const u of batch) u.reject(err);
      this.#afterFlush(lane);
      return;
    }
    for (const u of batch) {
      const o = outcomes.get(u);
      if (o?.ok) u.resolve(o.value);
      else u.reject(o ? o.error : new KeyholeError('AUDIT_APPEND_FAILED'));
    }
    this.#afterFlush(lane);
  }

  /** Runs the units of `batch` in turn on `trx`, each on its own handle; records each
   *  outcome in `outcomes` and returns the canonical texts of the records to insert (those of
   *  record-only units and of units that succeeded). A unit that throws is rolled back to its
   *  savepoint, if it opened one. @throws when that rollback fails (the flush then fails). */
  async #runUnits(batch: readonly Unit[], trx: Transaction<any>, outcomes: Map<Unit, Outcome>): Promise<string[]> {
    const texts: string[] = [];
    let n = 0;
    const name = () => {
      this.#savepoints++;
      return `gc_${n++}`;
    };
    for (const u of batch) {
      if (!u.fn) {
        texts.push(...u.records);
        outcomes.set(u, { ok: true, value: undefined });
        continue;
      }
      const scope = new UnitScope();
      try {
        const value = await u.fn(unitHandle(trx, scope, name));
        scope.ended = true;
        // No RELEASE (a round trip saved): a later rollback only ever targets a later
        // savepoint, and the subtransactions are merged at COMMIT either way.
        texts.push(...scope.records);
        outcomes.set(u, { ok: true, value });
      } catch (error) {
        scope.ended = true;
        // Undo this unit alone (its records were never inserted); if even that fails the
        // whole flush fails.
        if (scope.savepoint !== undefined) await trx.executeQuery(CompiledQuery.raw(`rollback to savepoint ${scope.savepoint}`));
        outcomes.set(u, { ok: false, error });
      }
    }
    return texts;
  }

  #afterFlush(lane: Lane): void {
    lane.busy = false;
    // Units that arrived during the flush have waited long enough: no timer.
    if (lane.queue.length > 0) this.#flushSoon(lane, 0);
  }
}

/** FNV-1a of `key` modulo `n`: the lane of a key. */
function laneOf(key: string, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % n;
}
