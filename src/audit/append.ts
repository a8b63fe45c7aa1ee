// Appending an access record: inside the caller's transaction, into the durable pending table.
// The record is acknowledged when that transaction commits; the integrator sequences it later.
// Inside a group-commit unit (group-commit.ts) the record is handed to the flush instead, which
// inserts the records of all its units in one statement before its COMMIT.
// DESIGN.md "Audit log sequencing across servers".
import { CompiledQuery, type Kysely } from 'kysely';
import { canonicalAuditJson, type AuditRecord } from '../shared/audit-entry.js';
import { KeyholeError } from '../shared/errors.js';
import { committing, prepared } from '../store/prepared.js';
import type { AuditTables } from './tables.js';

// Precompiled and named prepared statements: no query building per append, parsed once per
// connection (issue 13).
const INSERT_PENDING = prepared('insert into audit_pending (entry) values ($1) returning id');
// INSERT_PENDING after another write of the same request, as a data-modifying WITH (always run
// to completion), built once per distinct statement.
const withWrite = new Map<string, string>();
const insertAfter = (write: string) => prepared(`with w as (${write.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + 1}`)}) ${INSERT_PENDING}`);

/** Where appendAudit puts the canonical text of a record appended through a group-commit
 *  unit's handle, instead of inserting it (see deferAppends). */
export type AppendSink = (text: string) => void;

const sinks = new WeakMap<object, AppendSink>();

/** Makes appendAudit on `trx` (a group-commit unit's own transaction handle, never a shared
 *  one) pass each validated record's canonical text to `sink` instead of inserting it. The
 *  owner of `trx` MUST insert every text it was given in the same transaction before that
 *  transaction commits, and MUST drop them when it rolls the unit back. */
export function deferAppends(trx: object, sink: AppendSink): void {
  sinks.set(trx, sink);
}

/** Another data-modifying statement (parameters $1…$n, no `$` outside placeholders) that
 *  appendAudit runs in the same round trip as the record. */
export interface CoWrite {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Writes `record` to audit_pending using `trx` (the request's own transaction). Returns the
 *  pending id, which identifies the record until it has a sequence number; undefined when
 *  `trx` defers its appends (deferAppends: the record is inserted by the group-commit flush,
 *  before the COMMIT that acknowledges it).
 *  MUST be called inside the transaction that carries the state change the record describes,
 *  and before any customer data is returned. A record the log could not integrate (not
 *  representable as RFC 8785 JSON, or a `time` that is not a date) is refused here, so one bad
 *  record can never hold up the queue.
 *  `also`, when given, runs in the same statement (one round trip; it commits or rolls back
 *  with the record); when deferred, it runs now as a statement of its own in `trx`.
 *  `last`: this is the transaction's final statement; its COMMIT is sent with it (see
 *  `committing` in src/store/prepared.ts), so it resolves only once the record is committed;
 *  nothing may run in the transaction after it. Never inside a group-commit unit (whose
 *  transaction is shared): that is refused.
 *  @throws KeyholeError AUDIT_APPEND_FAILED when the record is refused or the insert (or the
 *  co-write, or with `last` the commit) fails, or `last` is asked inside a group-commit unit
 *  (the caller's transaction then rolls back, so the request returns no data). */
export async function appendAudit(trx: Kysely<AuditTables>, record: AuditRecord, also?: CoWrite, last = false): Promise<number | undefined> {
  try {
    const text = canonicalAuditJson(record);
    if (Number.isNaN(Date.parse(record.time))) throw new TypeError('audit record time is not a date');
    const sink = sinks.get(trx);
    if (sink !== undefined) {
      if (last) throw new Error('a group-commit unit cannot commit its own statement');
      if (also !== undefined) await trx.executeQuery(CompiledQuery.raw(also.sql, [...also.params]));
      sink(text);
      return undefined;
    }
    let query = CompiledQuery.raw(last ? committing(INSERT_PENDING) : INSERT_PENDING, [text]);
    if (also !== undefined) {
      const sql = withWrite.get(also.sql) ?? insertAfter(also.sql);
      withWrite.set(also.sql, sql);
      query = CompiledQuery.raw(last ? committing(sql) : sql, [text, ...also.params]);
    }
    const r = await trx.executeQuery<{ id: number }>(query);
    const row = r.rows[0];
    if (!row) throw new Error('audit_pending insert returned no id');
    return row.id;
  } catch (cause) {
    throw new KeyholeError('AUDIT_APPEND_FAILED', undefined, { cause });
  }
}
