// Reading an incident's records from the signed log: the agents' records in the window (the
// timeline and the blast radius), and the incident's own records (what was done), each page by
// sequence number and bounded by a signed tree size, so every record read has an inclusion proof.
import { sql } from 'kysely';
import type { AuditRecord } from '../shared/audit-entry.js';
import type { LoggedRecord, ExposureScope } from './exposure.js';
import type { Incident, IncidentDb } from './model.js';

/** A logged record with its exact leaf data (RFC 8785 JSON). */
export interface LoggedEntry extends LoggedRecord {
  readonly entry: string;
}

/** The actions that describe incident response itself. */
export const INCIDENT_ACTIONS = [
  'incident_open', 'incident_close', 'agent_suspend', 'protection_apply', 'protection_lift', 'notification_queue', 'notification_send', 'evidence_export',
] as const;

/** The exposure scope of `incident` (ISO times). */
export function exposureScope(incident: Incident): ExposureScope {
  return { agentIds: incident.scope.agentIds, since: incident.scope.since?.toISOString() ?? null, until: incident.scope.until.toISOString() };
}

/** One page of the records of the agents in scope with `after` < seq < `size`, in the time
 *  window, ascending, at most `limit`. */
export async function scopePage(db: IncidentDb, incident: Incident, size: number, after: number, limit: number): Promise<LoggedEntry[]> {
  const { agentIds, since, until } = incident.scope;
  if (agentIds.length === 0) return [];
  let q = db.selectFrom('audit_log').select(['seq', 'entry']).where('agent_id', 'in', [...agentIds])
    .where('seq', '>', after).where('seq', '<', size).where('time', '<=', until);
  if (since !== null) q = q.where('time', '>=', since);
  const rows = await q.orderBy('seq').limit(limit).execute();
  return rows.map(toEntry);
}

/** Every record of the agents in scope below `size`, page by page (`pageSize` rows a query). */
export async function* scopeRecords(db: IncidentDb, incident: Incident, size: number, pageSize = 5000): AsyncGenerator<readonly LoggedEntry[]> {
  for (let after = -1; ;) {
    const page = await scopePage(db, incident, size, after, pageSize);
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = page.at(-1)!.seq;
  }
}

/** The records about incident response for `incident` (its opening, containment, measures,
 *  notifications, exports) below `size`, ascending. Canonical JSON (RFC 8785) writes the
 *  incident id as `"incidentId":"<id>"`, which is what the pattern matches. */
export async function incidentRecords(db: IncidentDb, incident: Incident, size: number): Promise<LoggedEntry[]> {
  const out: LoggedEntry[] = [];
  const pattern = `%"incidentId":"${incident.id.replace(/[%_\\]/g, (c) => `\\${c}`)}"%`;
  for (let after = incident.logSize - 1; ;) {
    const rows = await db.selectFrom('audit_log').select(['seq', 'entry']).where('action', 'in', [...INCIDENT_ACTIONS])
      .where('seq', '>', after).where('seq', '<', size).where('entry', 'like', pattern).orderBy('seq').limit(5000).execute();
    out.push(...rows.map(toEntry));
    if (rows.length < 5000) return out;
    after = Number(rows.at(-1)!.seq);
  }
}

function toEntry(r: { seq: number; entry: string }): LoggedEntry {
  return { seq: Number(r.seq), entry: r.entry, record: JSON.parse(r.entry) as AuditRecord };
}

/** How many records of the agents in scope are still waiting to be sequenced (not yet on the
 *  log, so not yet in the blast radius). */
export async function unsequencedCount(db: IncidentDb, incident: Incident): Promise<number> {
  if (incident.scope.agentIds.length === 0) return 0;
  const r = await sql<{ n: number }>`select count(*)::int as n from audit_pending
    where entry->>'agentId' = any(${[...incident.scope.agentIds]}::text[])`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}
