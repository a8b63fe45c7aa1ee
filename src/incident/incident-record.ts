// Recording incident actions: each one appends an audit record (inside the caller's transaction,
// so it commits with the change it describes — DESIGN.md invariant 1) and, when it belongs to an
// incident, a row of incident_actions (who did what, in order). Published after commit.
import { appendAudit } from '../audit/append.js';
import type { AuditAction, AuditRecord } from '../shared/audit-entry.js';
import type { Actor, IncidentDb, IncidentDeps } from './model.js';

/** One incident action to record. `details` MUST NOT hold a customer field value. */
export interface IncidentActionInput {
  readonly action: AuditAction;
  readonly incidentId: string | null;
  readonly customerId?: string | null;
  readonly fields?: Readonly<Record<string, string>>;
  readonly reason?: string | null;
  readonly details?: AuditRecord['details'];
}

/** Collects the records of one transaction so they can be published after it commits. */
export class IncidentRecorder {
  readonly #deps: IncidentDeps;
  readonly #actor: Actor;
  readonly #records: AuditRecord[] = [];

  constructor(deps: IncidentDeps, actor: Actor) {
    this.#deps = deps;
    this.#actor = actor;
  }

  /** Appends the audit record of `input` (and its incident_actions row) using `trx`.
   *  @throws KeyholeError AUDIT_APPEND_FAILED (the caller's transaction then rolls back). */
  async record(trx: IncidentDb, input: IncidentActionInput): Promise<AuditRecord> {
    const now = this.#deps.clock.now();
    const actor = this.#actor;
    const details = {
      ...(input.incidentId === null ? {} : { incidentId: input.incidentId }),
      ...(input.details ?? {}),
      ...(actor.kind === 'system' ? { actor: actor.name } : {}),
    };
    const record: AuditRecord = {
      v: 1, time: now.toISOString(), requestId: actor.requestId, action: input.action,
      agentId: actor.kind === 'agent' ? actor.agentId : null, customerId: input.customerId ?? null, ticketId: null,
      decision: 'allow', fields: input.fields ?? {}, policyIds: [], reason: input.reason ?? null, details,
    };
    await appendAudit(trx, record);
    if (input.incidentId !== null) {
      await trx.insertInto('incident_actions').values({
        incident_id: input.incidentId, action: input.action, actor: actor.kind === 'agent' ? actor.agentId : `system:${actor.name}`,
        details: JSON.stringify({ ...details, customerId: input.customerId ?? null, reason: input.reason ?? null }), at: now,
      }).execute();
    }
    this.#records.push(record);
    return record;
  }

  /** Publishes the collected records (call after commit). */
  publish(): void {
    for (const record of this.#records) this.#deps.events?.publish({ type: 'audit', record });
    this.#records.length = 0;
  }
}

/** One row of an incident's history. `actor` is an agent id or `system:<name>`. */
export interface IncidentActionRow {
  readonly id: number;
  readonly action: string;
  readonly actor: string | null;
  readonly at: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** The history of incident `incidentId`, oldest first, up to `limit` rows after row `after`. */
export async function listIncidentActions(db: IncidentDb, incidentId: string, after = 0, limit = 1000): Promise<IncidentActionRow[]> {
  const rows = await db.selectFrom('incident_actions').select(['id', 'action', 'actor', 'at', 'details']).where('incident_id', '=', incidentId)
    .where('id', '>', after).orderBy('id').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id), action: r.action, actor: r.actor, at: r.at.toISOString(),
    details: (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as Record<string, unknown>,
  }));
}
