// Opening an incident contains it in one transaction: the incident row with its scope (agents,
// or a vendor's agents, and a time window), every agent in scope suspended — grants revoked,
// sessions ended, pending reveals cancelled (suspendInTransaction) — and the log records of who
// did it. Also: the detectors' entry point, loading, listing and closing. docs/design/incident.md.
import { loadAgent, suspendInTransaction, type SuspensionResult } from '../access/agents.js';
import { newId } from '../access/ids.js';
import { latestCheckpoint } from '../audit/checkpoint-store.js';
import { KeyholeError } from '../shared/errors.js';
import { IncidentRecorder } from './incident-record.js';
import { actorAgentId, type Actor, type Incident, type IncidentDb, type IncidentDeps, type IncidentSource } from './model.js';
import type { IncidentTable } from './tables.js';

/** What to open. At least one of `agentIds` and `vendor` MUST be given (both: the union).
 *  `until` defaults to the opening time; `since` to the beginning of the log. */
export interface OpenIncidentInput {
  readonly agentIds?: readonly string[] | undefined;
  /** Every non-security member of staff of this vendor at opening time. */
  readonly vendor?: string | undefined;
  readonly since?: Date | null | undefined;
  readonly until?: Date | null | undefined;
  readonly reason: string;
  readonly title?: string | undefined;
  readonly source: IncidentSource;
  /** detect_containments.id when a detector opens the incident. */
  readonly containmentId?: string | null | undefined;
  /** Suspend the agents in scope (default true). False only for a look back at agents who are
   *  gone or already contained elsewhere. */
  readonly contain?: boolean | undefined;
}

/** The outcome: the incident and, per agent in scope, what the containment did. */
export interface OpenedIncident {
  readonly incident: Incident;
  readonly contained: readonly SuspensionResult[];
}

/** Opens and contains an incident in one transaction; the audit records (`incident_open`, one
 *  `agent_suspend` per agent) commit with it and are published after commit.
 *  Detectors call this after their own containment has committed, with
 *  `{ source: 'detector', containmentId, agentIds: [agentId], reason }` and a system actor
 *  `{ kind: 'system', name: 'detector', requestId }`: the already-suspended agent keeps its
 *  suspension time, and any grant or session left is ended.
 *  @throws KeyholeError FORBIDDEN (an agent actor who is not on the security team, or who is in
 *  scope), NOT_FOUND (an unknown agent, or a vendor with no agents), BAD_REQUEST (no scope,
 *  since after until, an empty reason), AUDIT_APPEND_FAILED. Nothing is written on error. */
export async function openIncident(deps: IncidentDeps, actor: Actor, input: OpenIncidentInput): Promise<OpenedIncident> {
  const recorder = new IncidentRecorder(deps, actor);
  const opened = await deps.db.transaction().execute((trx) => openIncidentInTransaction(trx, deps, recorder, actor, input));
  recorder.publish();
  for (const c of opened.contained) deps.events?.publish({ type: 'agent_status', agentId: c.agentId, status: 'suspended' });
  return opened;
}

/** openIncident inside the caller's transaction `trx` (e.g. a detector's containment); the
 *  caller MUST call `recorder.publish()` after its commit. Same errors as openIncident. */
export async function openIncidentInTransaction(
  trx: IncidentDb, deps: IncidentDeps, recorder: IncidentRecorder, actor: Actor, input: OpenIncidentInput,
): Promise<OpenedIncident> {
  const now = deps.clock.now();
  const actorId = actorAgentId(actor);
  if (actorId !== null && (await loadAgent(trx, actorId))?.role !== 'security') {
    throw new KeyholeError('FORBIDDEN', 'Only the security team may open incidents.');
  }
  const agentIds = await resolveAgents(trx, input);
  if (actorId !== null && agentIds.includes(actorId)) throw new KeyholeError('FORBIDDEN', 'You cannot open an incident on yourself.');
  const until = input.until ?? now;
  const since = input.since ?? null;
  if (since !== null && since.getTime() > until.getTime()) throw new KeyholeError('BAD_REQUEST', '`since` must not be after `until`.');
  const reason = input.reason.trim();
  if (reason.length === 0 || reason.length > 2000) throw new KeyholeError('BAD_REQUEST', 'Give a reason (1 to 2000 characters).');
  const cp = await latestCheckpoint(trx);
  const row: IncidentTable = {
    id: newId('inc'), title: (input.title?.trim() || defaultTitle(agentIds, input.vendor)).slice(0, 200), reason, source: input.source,
    status: 'open', agent_ids: [...agentIds], vendor: input.vendor ?? null, since, until, opened_by: actorId,
    containment_id: input.containmentId ?? null, log_size: cp?.size ?? 0, log_checkpoint: cp?.note ?? null,
    opened_at: now, closed_at: null, closed_by: null,
  };
  await trx.insertInto('incidents').values(row).execute();
  await recorder.record(trx, {
    action: 'incident_open', incidentId: row.id, reason,
    details: { agents: [...agentIds], vendor: row.vendor, since: since?.toISOString() ?? null, until: until.toISOString(), source: input.source,
      containmentId: row.containment_id, contain: input.contain !== false },
  });
  const contained: SuspensionResult[] = [];
  if (input.contain !== false) {
    for (const agentId of agentIds) contained.push(await contain(trx, recorder, row.id, agentId, now, actorId));
  }
  return { incident: toIncident(row), contained };
}

/** Suspends one agent (keeping an earlier suspension time) and records it. */
async function contain(trx: IncidentDb, recorder: IncidentRecorder, incidentId: string, agentId: string, now: Date, actorId: string | null): Promise<SuspensionResult> {
  const before = await trx.selectFrom('agents').select(['status', 'suspended_at']).where('id', '=', agentId).executeTakeFirstOrThrow();
  const result = await suspendInTransaction(trx, agentId, now, { agentId: actorId, requestId: incidentId });
  if (before.status === 'suspended' && before.suspended_at !== null) {
    await trx.updateTable('agents').set({ suspended_at: before.suspended_at }).where('id', '=', agentId).execute();
  }
  await recorder.record(trx, {
    action: 'agent_suspend', incidentId, reason: 'incident containment',
    details: { target: agentId, grantsRevoked: result.grantsRevoked, sessionsEnded: result.sessionsEnded, ticketsWithdrawn: result.ticketsWithdrawn, alreadySuspended: before.status === 'suspended' },
  });
  return result;
}

/** The agent ids in scope, sorted and distinct. */
async function resolveAgents(trx: IncidentDb, input: OpenIncidentInput): Promise<string[]> {
  const ids = new Set(input.agentIds ?? []);
  if (ids.size === 0 && input.vendor === undefined) throw new KeyholeError('BAD_REQUEST', 'Give the agents or the vendor of the incident.');
  if (ids.size > 0) {
    const found = await trx.selectFrom('agents').select('id').where('id', 'in', [...ids]).execute();
    if (found.length !== ids.size) throw new KeyholeError('NOT_FOUND', 'No such agent.');
  }
  if (input.vendor !== undefined) {
    const staff = await trx.selectFrom('agents').select('id').where('vendor', '=', input.vendor).where('role', '!=', 'security').execute();
    if (staff.length === 0) throw new KeyholeError('NOT_FOUND', 'No agents of this vendor.');
    for (const s of staff) ids.add(s.id);
  }
  return [...ids].sort();
}

function defaultTitle(agentIds: readonly string[], vendor: string | undefined): string {
  if (vendor !== undefined) return `Vendor ${vendor} (${agentIds.length} agents)`;
  return agentIds.length === 1 ? `Agent ${agentIds[0]}` : `Agents ${agentIds.slice(0, 3).join(', ')}${agentIds.length > 3 ? ', …' : ''}`;
}

/** The incident `id`. @throws KeyholeError INCIDENT_NOT_FOUND. */
export async function loadIncident(db: IncidentDb, id: string): Promise<Incident> {
  const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new KeyholeError('INCIDENT_NOT_FOUND');
  return toIncident(row);
}

/** Up to `limit` incidents, newest first, opened before `before` (pagination by key). */
export async function listIncidents(db: IncidentDb, opts: { readonly limit: number; readonly before?: Date | undefined }): Promise<Incident[]> {
  let q = db.selectFrom('incidents').selectAll().orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(opts.limit);
  if (opts.before) q = q.where('opened_at', '<', opts.before);
  return (await q.execute()).map(toIncident);
}

/** Closes incident `id` (agents stay suspended; reinstating them is a separate decision).
 *  @throws KeyholeError INCIDENT_NOT_FOUND, CONFLICT when already closed. */
export async function closeIncident(deps: IncidentDeps, actor: Actor, id: string, reason: string): Promise<Incident> {
  const recorder = new IncidentRecorder(deps, actor);
  const closed = await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const r = await trx.updateTable('incidents').set({ status: 'closed', closed_at: now, closed_by: actorAgentId(actor) })
      .where('id', '=', id).where('status', '=', 'open').returningAll().executeTakeFirst();
    if (!r) {
      await loadIncident(trx, id);
      throw new KeyholeError('CONFLICT', 'The incident is already closed.');
    }
    await recorder.record(trx, { action: 'incident_close', incidentId: id, reason: reason.trim() || null });
    return toIncident(r);
  });
  recorder.publish();
  return closed;
}

/** The incident of a stored row. */
export function toIncident(r: IncidentTable): Incident {
  return {
    id: r.id, title: r.title, reason: r.reason, source: r.source, status: r.status,
    scope: { agentIds: r.agent_ids, vendor: r.vendor, since: r.since, until: r.until },
    openedBy: r.opened_by, containmentId: r.containment_id, logSize: Number(r.log_size), logCheckpoint: r.log_checkpoint,
    openedAt: r.opened_at, closedAt: r.closed_at, closedBy: r.closed_by,
  };
}
