// `keyhole export audit`: the log entries of a time window as OCSF (NDJSON), JSON lines
// ({seq, leafHash, record}) or CSV, read by sequence in pages (constant memory), with the
// export itself recorded on the log (`log_read`, via cli).
import type { Writable } from 'node:stream';
import { newId } from '../../access/ids.js';
import { appendAudit } from '../../audit/append.js';
import type { AuditRecord } from '../../shared/audit-entry.js';
import type { Clock } from '../../shared/clock.js';
import type { IntegrationDb } from '../tables.js';
import { ocsfFromLog } from './ocsf.js';

/** An export's format. */
export type ExportFormat = 'ocsf' | 'jsonl' | 'csv';

/** What to export: entries with `since <= time < until`. */
export interface ExportSpec {
  readonly since: Date;
  readonly until: Date;
  readonly format: ExportFormat;
}

const CSV_COLUMNS = ['seq', 'time', 'action', 'decision', 'agent_id', 'customer_id', 'ticket_id', 'fields', 'policy_ids', 'reason', 'request_id', 'leaf_hash'];
const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s; // quoted; formula-looking cells too (CSV injection)
};

function line(format: ExportFormat, seq: number, entry: string, leafHash: Uint8Array): string {
  if (format === 'ocsf') return `${JSON.stringify(ocsfFromLog({ seq, entry, leafHash }))}\n`;
  const hex = Buffer.from(leafHash).toString('hex');
  const r = JSON.parse(entry) as AuditRecord;
  if (format === 'jsonl') return `${JSON.stringify({ seq, leafHash: hex, record: r })}\n`;
  const fields = Object.entries(r.fields).map(([f, l]) => `${f}:${l}`).join(' ');
  return `${[seq, r.time, r.action, r.decision, r.agentId, r.customerId, r.ticketId, fields, r.policyIds.join(' '), r.reason, r.requestId, hex].map(csvCell).join(',')}\r\n`;
}

/** How many entries the window holds (for a progress bar). */
export async function countWindow(db: IntegrationDb, spec: ExportSpec): Promise<number> {
  const r = await db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('time', '>=', spec.since).where('time', '<', spec.until).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Writes the window to `out` (honouring back-pressure); `onProgress(done)` after each page;
 *  records `log_read` (actor `who`) when done. Returns the number of entries written. */
export async function exportAudit(db: IntegrationDb, clock: Clock, spec: ExportSpec, out: Writable, who: string, onProgress?: (done: number) => void): Promise<number> {
  if (spec.format === 'csv') await write(out, `${CSV_COLUMNS.join(',')}\r\n`);
  let after = -1;
  let done = 0;
  for (;;) {
    const rows = await db.selectFrom('audit_log').select(['seq', 'entry', 'leaf_hash']).where('seq', '>', after)
      .where('time', '>=', spec.since).where('time', '<', spec.until).orderBy('seq').limit(1000).execute();
    if (rows.length === 0) break;
    for (const r of rows) await write(out, line(spec.format, Number(r.seq), r.entry, r.leaf_hash));
    after = Number(rows[rows.length - 1]!.seq);
    done += rows.length;
    onProgress?.(done);
  }
  await db.transaction().execute(async (trx) => {
    const rec: AuditRecord = {
      v: 1, time: clock.now().toISOString(), requestId: newId('req'), action: 'log_read', agentId: null, customerId: null, ticketId: null, decision: 'allow',
      fields: {}, policyIds: [], reason: null, details: { actor: 'cli', via: who, what: 'export', format: spec.format, since: spec.since.toISOString(), until: spec.until.toISOString(), entries: done },
    };
    await appendAudit(trx as never, rec);
  });
  return done;
}

function write(out: Writable, chunk: string): Promise<void> {
  return out.write(chunk) ? Promise.resolve() : new Promise((resolve) => out.once('drain', () => resolve()));
}
