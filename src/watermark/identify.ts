// From a decoded forensic mark to what the leaked picture shows, proved from the log: the
// `session_start` record that issued the session code names the agent; the records that
// session made in the mark's 10-minute slot (`details.sess`) name the tickets and customers it
// displayed; each comes with its C2SP tlog-proof against the latest signed checkpoint.
// docs/design/watermark.md.
import type { BrokerDb } from '../access/model.js';
import { LogReader } from '../audit/log-reader.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import { SESSION_TTL_MS } from '../identity/sessions.js';
import { slotWindows, SLOT_MINUTES, type MarkPayload } from './payload.js';

/** One logged record of the identification, with its proof of inclusion in the log. */
export interface ProvedRecord {
  readonly seq: number;
  readonly record: AuditRecord;
  /** C2SP tlog-proof text against the latest checkpoint; null while not yet integrated. */
  readonly proof: string | null;
}

/** What one mark leads to. `windows` are the 10-minute windows within the session's life whose
 *  slot the mark carries (normally one). */
export interface Identification {
  readonly sessionCode: string;
  readonly slot: number;
  readonly agent: { readonly id: string; readonly name: string | null; readonly email: string | null; readonly role: string | null };
  readonly session: { readonly startedAt: string; readonly endsAt: string; readonly start: ProvedRecord };
  readonly windows: ReadonlyArray<{ readonly from: string; readonly to: string }>;
  /** Records the session made in those windows that concern a customer or ticket. */
  readonly records: readonly ProvedRecord[];
  readonly tickets: readonly string[];
  readonly customers: readonly string[];
}

const escapeLike = (s: string) => s.replace(/[%_\\]/g, (c) => `\\${c}`);

/** Every session that issued `mark`'s code (normally one; two only on a 2⁻³² collision),
 *  with the records it made in the mark's slot. Empty when the code was never issued.
 *  Reads only the log (and `agents` for a display name); proofs need a signed checkpoint and
 *  are null for records the log has not integrated yet. */
export async function identifyMark(db: BrokerDb, mark: MarkPayload, reader = new LogReader(db)): Promise<Identification[]> {
  const starts = await db.selectFrom('audit_log').select(['seq', 'entry']).where('action', '=', 'session_start')
    .where('entry', 'like', `%"session":"${escapeLike(mark.sessionCode)}"%`).orderBy('seq').execute();
  let latestSize = 0;
  try { latestSize = (await reader.latest()).size; } catch { /* no checkpoint yet: no proofs */ }
  const prove = async (seq: number, entry: string): Promise<ProvedRecord> => ({
    seq, record: JSON.parse(entry) as AuditRecord, proof: seq < latestSize ? await reader.entryProof(seq) : null,
  });
  const out: Identification[] = [];
  for (const s of starts) {
    const start = await prove(Number(s.seq), s.entry);
    const agentId = start.record.agentId;
    if (agentId === null || start.record.details.session !== mark.sessionCode) continue;
    const startedAt = new Date(start.record.time);
    const expires = typeof start.record.details.expiresAt === 'string' ? new Date(start.record.details.expiresAt) : new Date(startedAt.getTime() + SESSION_TTL_MS);
    const windows = slotWindows(mark.slot, startedAt, expires);
    const records: ProvedRecord[] = [];
    for (const [from, to] of windows) {
      const rows = await db.selectFrom('audit_log').select(['seq', 'entry']).where('agent_id', '=', agentId)
        .where('time', '>=', from).where('time', '<', to)
        .where('entry', 'like', `%"sess":"${escapeLike(mark.sessionCode)}"%`)
        .where((eb) => eb.or([eb('customer_id', 'is not', null), eb('ticket_id', 'is not', null)]))
        .orderBy('seq').limit(10_000).execute();
      for (const r of rows) records.push(await prove(Number(r.seq), r.entry));
    }
    const agent = await db.selectFrom('agents').select(['id', 'name', 'email', 'role']).where('id', '=', agentId).executeTakeFirst();
    out.push({
      sessionCode: mark.sessionCode, slot: mark.slot,
      agent: { id: agentId, name: agent?.name ?? null, email: agent?.email ?? null, role: agent?.role ?? null },
      session: { startedAt: startedAt.toISOString(), endsAt: expires.toISOString(), start },
      windows: windows.map(([from, to]) => ({ from: from.toISOString(), to: to.toISOString() })),
      records,
      tickets: [...new Set(records.map((r) => r.record.ticketId).filter((t): t is string => t !== null))],
      customers: [...new Set(records.map((r) => r.record.customerId).filter((c): c is string => c !== null))],
    });
  }
  return out;
}

/** The slot length, re-exported for the CLI's wording. */
export { SLOT_MINUTES };
