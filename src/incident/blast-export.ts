// Exports of the blast radius: CSV (one row per affected customer and field, RFC 4180, with
// spreadsheet formula injection neutralised) and JSON (the BlastRadius document as the API
// returns it). Neither contains a customer field value: only ids, field names and levels.
import type { BlastRadius } from './blast-radius.js';

/** The CSV header, in column order. */
export const BLAST_CSV_COLUMNS = [
  'customer_id', 'account_id', 'jurisdiction', 'tier', 'high_balance', 'field', 'highest_level', 'times', 'first_at', 'last_at', 'log_entries',
] as const;

/** One CSV cell: quoted when it holds a comma, quote, CR or LF (quotes doubled, RFC 4180 §2);
 *  a leading `=`, `+`, `-`, `@`, tab or CR is prefixed with `'` so a spreadsheet never runs it. */
export function csvCell(value: string | number | boolean): string {
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The blast radius as CSV text (CRLF line ends, header first, rows by customer then field). */
export function blastRadiusCsv(b: BlastRadius): string {
  const lines = [BLAST_CSV_COLUMNS.join(',')];
  for (const c of b.customers) {
    for (const f of c.fields) {
      lines.push([c.customerId, c.accountId, c.jurisdiction, c.tier, c.highBalance, f.field, f.level, f.count, f.firstAt, f.lastAt, f.seqs.join(' ')]
        .map(csvCell).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The blast radius as pretty-printed JSON text. */
export function blastRadiusJson(b: BlastRadius): string {
  return `${JSON.stringify(b, null, 2)}\n`;
}
