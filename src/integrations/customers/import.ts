// `keyhole import customers FILE`: streams an NDJSON or CSV file into the vault in batches.
// Each batch commits its rows, its bad-row report lines, one `customer_import` audit record and
// the import's cursor (last line done) in ONE transaction, so a crash loses nothing and
// half-writes nothing, and re-running the same file resumes after the cursor. The import is
// identified by the SHA-256 of the file's bytes. Rows upsert by externalId (idempotent).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { newId } from '../../access/ids.js';
import { appendAudit } from '../../audit/append.js';
import type { AuditRecord } from '../../shared/audit-entry.js';
import type { Clock } from '../../shared/clock.js';
import type { Vault } from '../../vault/vault.js';
import type { IntegrationDb } from '../tables.js';
import { inProcessSealer, SealThread, type RowSealer } from './seal-thread.js';
import { recheck, type CheckedRow, type RefusedRow } from './seal-rows.js';
import { formatOf, readRows, type ByteCounter, type ImportFormat, type SourceRow } from './sources.js';
import { writeCustomers, type WriteItem } from './writer.js';

/** What an import needs. */
export interface ImportDeps {
  readonly db: IntegrationDb;
  readonly vault: Vault;
  readonly clock: Clock;
}

/** Progress of a running import: rows read so far (this run), bytes read of `totalBytes`. */
export interface ImportProgress {
  readonly rows: number;
  readonly bytes: number;
  readonly totalBytes: number;
}

/** Options of an import. */
export interface ImportOptions {
  readonly format?: ImportFormat;
  /** Rows a transaction (default 1,000). */
  readonly batchSize?: number;
  /** Check and seal rows in a worker thread (default: when the file has at least
   *  WORKER_MIN_BYTES), so that the main thread only reads and writes. */
  readonly sealInWorker?: boolean;
  readonly onProgress?: (p: ImportProgress) => void;
  /** Who runs it, for the audit records (default `cli`). */
  readonly actor?: string;
}

/** The result: totals over the whole import (earlier runs included); `resumedFrom` is the
 *  line the cursor stood at when this run began (0 for a new import). */
export interface ImportSummary {
  readonly importId: string;
  readonly created: number;
  readonly updated: number;
  readonly rejected: number;
  readonly lines: number;
  readonly resumedFrom: number;
  readonly alreadyDone: boolean;
}

/** One bad row of the report. */
export interface RejectedRow {
  readonly line: number;
  readonly externalId: string | null;
  readonly reason: string;
}

/** File size from which an import seals in a worker thread by default: below it, starting
 *  the worker costs more than it saves. */
export const WORKER_MIN_BYTES = 4 * 1024 * 1024;

/** The import id of a file: `imp_` and the first 24 hex digits of its SHA-256. */
export async function importIdOf(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return `imp_${h.digest('hex').slice(0, 24)}`;
}

/** Imports `file`. @throws the database's error when a batch AND its rows one by one
 *  cannot be written for a reason not tied to a row (the cursor stays at the last good batch). */
export async function importCustomers(deps: ImportDeps, file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  const format = opts.format ?? formatOf(file);
  const importId = await importIdOf(file);
  const totalBytes = (await stat(file)).size;
  const now = deps.clock.now();
  await deps.db.insertInto('customer_imports').values({
    id: importId, file_name: path.basename(file), format, line: 0, created: 0, updated: 0, rejected: 0, started_at: now, updated_at: now, finished_at: null,
  }).onConflict((oc) => oc.column('id').doNothing()).execute();
  const state = await deps.db.selectFrom('customer_imports').selectAll().where('id', '=', importId).executeTakeFirstOrThrow();
  const resumedFrom = Number(state.line);
  if (state.finished_at !== null) return summary(state, resumedFrom, true);
  const counter: ByteCounter = { bytes: 0 };
  const batchSize = opts.batchSize ?? 1000;
  const sealer: RowSealer = opts.sealInWorker ?? totalBytes >= WORKER_MIN_BYTES ? new SealThread() : inProcessSealer;
  try {
    const run = new BatchRunner(deps, importId, opts.actor ?? 'cli', format, sealer);
    // A pipeline of depth two: batch N+1 is checked, sealed, wrapped and indexed while batch N
    // is being written; at most one write is in flight, so memory stays at two batches.
    let writing: Promise<void> | undefined;
    let rows = 0;
    const flush = async (batch: SourceRow[]) => {
      const prepared = await run.prepare(batch);
      if (writing) await writing;
      const progress = { rows, bytes: counter.bytes, totalBytes };
      writing = run.commit(prepared).then(() => opts.onProgress?.(progress));
      writing.catch(() => undefined);
    };
    let batch: SourceRow[] = [];
    for await (const row of readRows(file, format, counter)) {
      if (row.line <= resumedFrom) continue;
      batch.push(row);
      rows++;
      if (batch.length >= batchSize) {
        await flush(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await flush(batch);
    if (writing) await writing;
    opts.onProgress?.({ rows, bytes: totalBytes, totalBytes });
  } finally {
    await sealer.close();
  }
  await deps.db.updateTable('customer_imports').set({ finished_at: deps.clock.now(), updated_at: deps.clock.now() }).where('id', '=', importId).execute();
  const done = await deps.db.selectFrom('customer_imports').selectAll().where('id', '=', importId).executeTakeFirstOrThrow();
  return summary(done, resumedFrom, false);
}

function summary(s: { id: string; created: number; updated: number; rejected: number; line: number }, resumedFrom: number, alreadyDone: boolean): ImportSummary {
  return { importId: s.id, created: Number(s.created), updated: Number(s.updated), rejected: Number(s.rejected), lines: Number(s.line), resumedFrom, alreadyDone };
}

/** The bad rows of import `importId` in line order, `limit` from line `after` (paginated). */
export async function importRejects(db: IntegrationDb, importId: string, after = 0, limit = 1000): Promise<RejectedRow[]> {
  const rows = await db.selectFrom('customer_import_rejects').select(['line', 'external_id', 'reason'])
    .where('import_id', '=', importId).where('line', '>', after).orderBy('line').limit(limit).execute();
  return rows.map((r) => ({ line: Number(r.line), externalId: r.external_id, reason: r.reason }));
}

/** A batch ready to write: its rows, those refused before the database, and the checked ones
 *  (sealed, wrapped and indexed for the case they are new customers). */
interface PreparedBatch {
  readonly rows: readonly SourceRow[];
  readonly refused: readonly RefusedRow[];
  readonly items: readonly WriteItem[];
}

/** Prepares and commits batches of rows with their rejects, audit record and cursor. */
class BatchRunner {
  readonly #deps: ImportDeps;
  readonly #importId: string;
  readonly #actor: string;
  readonly #mode: 'json' | 'text';
  readonly #sealer: RowSealer;

  /** `format` decides how values are read: CSV cells as text, NDJSON values as JSON. */
  constructor(deps: ImportDeps, importId: string, actor: string, format: ImportFormat, sealer: RowSealer) {
    this.#deps = deps;
    this.#mode = format === 'csv' ? 'text' : 'json';
    this.#importId = importId;
    this.#actor = actor;
    this.#sealer = sealer;
  }

  /** Checks and seals `rows` (sealer), then wraps data keys and computes blind indexes (the
   *  key provider, this thread): everything but the database. */
  async prepare(rows: readonly SourceRow[]): Promise<PreparedBatch> {
    const { checked, refused } = await this.#sealer.seal(rows, this.#mode);
    const sealed = checked.filter((c): c is CheckedRow & { sealed: NonNullable<CheckedRow['sealed']> } => c.sealed !== undefined);
    const prepared = await this.#deps.vault.prepareNewCustomers(this.#deps.db as never, sealed.map((c) => c.sealed), sealed.map((c) => c.record.indexes));
    const byLine = new Map(sealed.map((c, i) => [c.line, prepared[i]]));
    const source = new Map(rows.map((r) => [r.line, r]));
    const mode = this.#mode;
    return {
      rows, refused,
      items: checked.map((c) => ({
        line: c.line, record: c.record, prepared: byLine.get(c.line),
        full: c.sealed === undefined ? undefined : () => recheck(source.get(c.line) as SourceRow, mode),
      })),
    };
  }

  /** Commits `batch` as one transaction; when the database refuses it, row by row, a row the
   *  database refuses going to the report. */
  async commit(batch: PreparedBatch): Promise<void> {
    if (batch.rows.length === 0) return;
    try {
      await this.#write(batch);
    } catch {
      for (const row of batch.rows) {
        const one = { rows: [row], refused: batch.refused.filter((r) => r.line === row.line), items: batch.items.filter((i) => i.line === row.line) };
        try {
          await this.#write(one);
        } catch (e) {
          const code = (e as { code?: unknown }).code;
          const reason = code === '23505' ? 'conflicts with another customer (e.g. accountId already used)' : `the database refused the row${typeof code === 'string' ? ` (${code})` : ''}`;
          await this.#write({ rows: [row], refused: [{ line: row.line, externalId: null, reason }], items: [] });
        }
      }
    }
  }

  async #write(batch: PreparedBatch): Promise<void> {
    const { db, vault, clock } = this.#deps;
    const { rows, refused, items } = batch;
    const now = clock.now();
    const last = rows[rows.length - 1] as SourceRow;
    await db.transaction().execute(async (trx) => {
      const out = await writeCustomers(trx, vault, items, { mode: 'merge', importId: this.#importId, now });
      const all = [...refused, ...out.rejected.map((r) => ({ line: r.line, externalId: r.externalId, reason: r.reason }))];
      if (all.length > 0) {
        await trx.insertInto('customer_import_rejects').values(all.map((r) => ({ import_id: this.#importId, line: r.line, external_id: r.externalId, reason: r.reason })))
          .onConflict((oc) => oc.columns(['import_id', 'line']).doNothing()).execute();
      }
      const record: AuditRecord = {
        v: 1, time: now.toISOString(), requestId: newId('req'), action: 'customer_import', agentId: null, customerId: null, ticketId: null,
        decision: 'allow', fields: {}, policyIds: [], reason: null,
        details: { actor: this.#actor, importId: this.#importId, fromLine: (rows[0] as SourceRow).line, toLine: last.line, created: out.created.length, updated: out.updated.length, rejected: all.length },
      };
      await appendAudit(trx as never, record);
      await trx.updateTable('customer_imports').set((eb) => ({
        line: last.line, updated_at: now,
        created: eb('created', '+', out.created.length), updated: eb('updated', '+', out.updated.length), rejected: eb('rejected', '+', all.length),
      })).where('id', '=', this.#importId).execute();
    });
  }
}
