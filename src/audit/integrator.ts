// The integrator: moves acknowledged records from audit_pending into audit_log in batches,
// assigning consecutive sequence numbers and extending the hash chain. Exactly one runs at a
// time (a transaction-level advisory lock), so several servers may all call it.
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import canonicalize from 'canonicalize';
import type { AuditRecord } from '../shared/audit-entry.js';
import type { AuditTables } from './tables.js';

const INTEGRATOR_LOCK = 7250002;
const ZERO = new Uint8Array(32);

/** RFC 6962 leaf hash: SHA-256(0x00 ‖ data). */
export function auditLeafHash(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(Uint8Array.of(0)).update(data).digest();
}

/** The hash chain link: SHA-256(prevChainHash ‖ leafHash); the chain starts from 32 zero bytes. */
export function chainHash(prev: Uint8Array, leafHash: Uint8Array): Uint8Array {
  return createHash('sha256').update(prev).update(leafHash).digest();
}

/** Options of an Integrator. */
export interface IntegratorOptions {
  /** Most records sequenced in one transaction (default 256). */
  readonly batchSize?: number;
  /** Interval of the background loop in ms (default 250). */
  readonly intervalMs?: number;
  /** Called after each batch that integrated at least one record, with the new log size. */
  readonly onIntegrated?: (size: number) => void;
}

/** Sequences pending audit records. */
export class Integrator {
  readonly #db: Kysely<AuditTables>;
  readonly #batchSize: number;
  readonly #intervalMs: number;
  readonly #onIntegrated: ((size: number) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(db: Kysely<AuditTables>, opts: IntegratorOptions = {}) {
    this.#db = db;
    this.#batchSize = opts.batchSize ?? 256;
    this.#intervalMs = opts.intervalMs ?? 250;
    this.#onIntegrated = opts.onIntegrated;
  }

  /** Integrates at most one batch; returns how many records it sequenced. */
  integrateOnce(): Promise<number> {
    const run = this.#running.then(() => this.#batch());
    this.#running = run.catch(() => undefined);
    return run;
  }

  /** Integrates until nothing is pending; returns the total sequenced. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.integrateOnce();
      total += n;
      if (n < this.#batchSize) return total;
    }
  }

  /** Starts the background loop (idempotent). Errors are retried on the next tick. */
  start(): void {
    if (this.#timer) return;
    const tick = async () => {
      try {
        await this.drain();
      } catch {
        // the pending rows stay; the next tick retries
      }
      if (this.#timer) this.#timer = setTimeout(tick, this.#intervalMs);
    };
    this.#timer = setTimeout(tick, this.#intervalMs);
  }

  /** Stops the loop and waits for a batch in progress. */
  async stop(): Promise<void> {
    const t = this.#timer;
    this.#timer = undefined;
    if (t) clearTimeout(t);
    await this.#running;
  }

  async #batch(): Promise<number> {
    const result = await this.#db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${INTEGRATOR_LOCK})`.execute(trx);
      const pending = await trx.selectFrom('audit_pending').select(['id', 'entry']).orderBy('id').limit(this.#batchSize).execute();
      if (pending.length === 0) return { n: 0, size: 0 };
      const head = await trx.selectFrom('audit_log').select(['seq', 'chain_hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      let seq = head ? head.seq + 1 : 0;
      let prev: Uint8Array = head ? head.chain_hash : ZERO;
      const rows = pending.map((p) => {
        const record = (typeof p.entry === 'string' ? JSON.parse(p.entry) : p.entry) as AuditRecord;
        const text = canonicalize(record) as string;
        const leaf = auditLeafHash(new TextEncoder().encode(text));
        prev = chainHash(prev, leaf);
        return {
          seq: seq++,
          entry: text,
          leaf_hash: leaf,
          chain_hash: prev,
          time: new Date(record.time),
          agent_id: record.agentId,
          customer_id: record.customerId,
          ticket_id: record.ticketId,
          action: record.action,
        };
      });
      await trx.insertInto('audit_log').values(rows).execute();
      await trx.deleteFrom('audit_pending').where('id', 'in', pending.map((p) => p.id)).execute();
      return { n: rows.length, size: seq };
    });
    if (result.n > 0) this.#onIntegrated?.(result.size);
    return result.n;
  }
}
