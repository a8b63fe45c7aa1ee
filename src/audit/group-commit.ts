// Group commit for the log (issue 13): concurrent requests' audit appends — and, for the
// broker, their whole decision transactions — share one database commit. Work is queued on a
// lane (one database connection at a time); a lane flushes when its queue holds `maxBatch`
// units or `maxWaitMs` after the first unit arrived, or at once when the previous flush ends
// with work waiting. A flush is one transaction: the record-only units' records go in as one
// multi-row INSERT, then every transactional unit runs after its own SAVEPOINT (a unit that
// throws is rolled back to its savepoint and rejected alone), then one COMMIT.
//
// Invariant 1 (DESIGN.md) is unchanged: a unit's promise resolves only after the COMMIT that
// holds its records and state changes, so no response goes out before its audit record is
// durable. A COMMIT (or any statement outside a unit's savepoint) that fails rejects exactly
// the units of that flush, with AUDIT_APPEND_FAILED, and none of their records is stored.
//
// Units sharing a key (the broker uses the agent id) always go to the same lane, so the row
// locks one agent's requests take (budget counters, grant claims) are never waited for across
// lanes of the same committer.
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { canonicalAuditJson, type AuditRecord } from '../shared/audit-entry.js';
import { isKeyholeError, KeyholeError } from '../shared/errors.js';

/** Tuning of a GroupCommitter. */
export interface GroupCommitOptions {
  /** Parallel flushes (database connections in use at once); 1 on PGlite. Default 4. */
  readonly lanes?: number;
  /** Units per flush at most. Default 64 (each transactional unit is a subtransaction; more
   *  than 64 writing ones in a transaction overflow PostgreSQL's per-backend subxid cache). */
  readonly maxBatch?: number;
  /** How long a lane waits for more units after the first before it flushes, in ms. Default 2. */
  readonly maxWaitMs?: number;
}

/** Counts since construction (no record content). */
export interface GroupCommitStats {
  readonly flushes: number;
  readonly units: number;
  readonly failedFlushes: number;
}

interface Unit {
  readonly records: readonly string[];
  readonly fn: ((trx: Transaction<any>) => Promise<unknown>) | undefined;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

interface Lane {
  queue: Unit[];
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
}

// Precompiled: one statement for every record-only unit of a flush.
const INSERT_MANY = 'insert into audit_pending (entry) select unnest($1::jsonb[])';

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
  #closed = false;

  constructor(db: Kysely<any>, opts: GroupCommitOptions = {}) {
    const lanes = opts.lanes ?? 4;
    if (!Number.isInteger(lanes) || lanes < 1) throw new RangeError('lanes must be an integer >= 1');
    this.#db = db;
    this.#lanes = Array.from({ length: lanes }, () => ({ queue: [], busy: false, timer: undefined }));
    this.#maxBatch = Math.max(1, opts.maxBatch ?? 64);
    this.#maxWaitMs = Math.max(0, opts.maxWaitMs ?? 2);
  }

  /** Appends `records` (one request's) to audit_pending in the next flush of the lane of
   *  `key`; resolves after the COMMIT that holds them.
   *  @throws KeyholeError AUDIT_APPEND_FAILED when a record is refused (then nothing of this
   *  call is queued) or when its flush fails (then nothing of that flush is stored). */
  append(key: string, records: readonly AuditRecord[]): Promise<void> {
    const texts = records.map(recordText);
    return this.#enqueue(key, texts, undefined) as Promise<void>;
  }

  /** Runs `fn` inside the next flush's transaction of the lane of `key`, in its own savepoint,
   *  and resolves with its result after that transaction commits. `fn` MUST NOT start a
   *  transaction of its own. If `fn` throws, its work is rolled back to the savepoint and the
   *  returned promise rejects with that error (the other units are unaffected).
   *  @throws whatever `fn` throws; KeyholeError AUDIT_APPEND_FAILED when the flush's commit
   *  (or the transaction around the units) fails. */
  run<T, DB = any>(key: string, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    return this.#enqueue(key, [], fn as unknown as (trx: Transaction<any>) => Promise<unknown>) as Promise<T>;
  }

  /** Flush and unit counts since construction. */
  stats(): GroupCommitStats {
    return { flushes: this.#flushes, units: this.#units, failedFlushes: this.#failed };
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

  #flushSoon(lane: Lane, ms: number): void {
    if (lane.timer !== undefined) clearTimeout(lane.timer);
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      void this.#flush(lane);
    }, ms);
  }

  async #flush(lane: Lane): Promise<void> {
    if (lane.busy || lane.queue.length === 0) return;
    lane.busy = true;
    const batch = lane.queue.splice(0, this.#maxBatch);
    this.#flushes++;
    this.#units += batch.length;
    const outcomes = new Map<Unit, { ok: true; value: unknown } | { ok: false; error: unknown }>();
    try {
      await this.#db.transaction().execute(async (trx) => {
        const texts = batch.flatMap((u) => u.records);
        if (texts.length > 0) await trx.executeQuery(CompiledQuery.raw(INSERT_MANY, [texts]));
        let n = 0;
        for (const u of batch) {
          if (!u.fn) {
            outcomes.set(u, { ok: true, value: undefined });
            continue;
          }
          const sp = `gc_${n++}`;
          await trx.executeQuery(CompiledQuery.raw(`savepoint ${sp}`));
          try {
            // No RELEASE (a round trip saved): a later rollback only ever targets a later
            // savepoint, and the subtransactions are merged at COMMIT either way.
            const value = await u.fn(trx);
            outcomes.set(u, { ok: true, value });
          } catch (error) {
            // Undo this unit alone; if even that fails the whole flush fails below.
            await trx.executeQuery(CompiledQuery.raw(`rollback to savepoint ${sp}`));
            outcomes.set(u, { ok: false, error });
          }
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

  #afterFlush(lane: Lane): void {
    lane.busy = false;
    if (lane.queue.length > 0) this.#flushSoon(lane, lane.queue.length >= this.#maxBatch || this.#closed ? 0 : Math.min(this.#maxWaitMs, 1));
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
