// Staff provisioned by the identity provider: creating an agent, changing its attributes from
// its group memberships (the identity mapping, ./mapping.ts), and — the point of it all —
// suspending it the moment the provider de-provisions it (`active: false`, DELETE, removal from
// the required Keyhole group): live grants revoked, sessions ended, tokens revoked, SSE streams
// closed (the `agent_status` event), recorded on the audit log with the provider as the actor.
// A suspension by the security team or by the detectors is never undone by the provider: only
// a suspension the provider caused is lifted by its re-activation. docs/identity.md.
import { sql } from 'kysely';
import { suspendInTransaction } from '../access/agents.js';
import type { BrokerEvents } from '../access/events.js';
import type { BrokerDb } from '../access/model.js';
import { appendAudit } from '../audit/append.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import type { Clock } from '../shared/clock.js';
import { mapIdentity, type IdentityMapping } from './mapping.js';
import type { IdentityDb } from './tables.js';

/** What provisioning needs. */
export interface ProvisioningDeps {
  readonly db: IdentityDb;
  readonly clock: Clock;
  readonly events: BrokerEvents;
  readonly mapping: IdentityMapping;
}

/** The identity provider acting: its SCIM token's service name (or the OIDC issuer) and the
 *  request id its audit records carry. */
export interface IdpActor {
  readonly idp: string;
  readonly requestId: string;
  readonly via: 'scim' | 'oidc';
}

/** Records and status changes to publish after the transaction commits. */
export class Outbox {
  readonly records: AuditRecord[] = [];
  readonly statuses: { agentId: string; status: 'active' | 'suspended' }[] = [];

  /** Publishes everything on `events` (call after commit only). */
  publish(events: BrokerEvents): void {
    for (const record of this.records) events.publish({ type: 'audit', record });
    for (const s of this.statuses) events.publish({ type: 'agent_status', agentId: s.agentId, status: s.status });
  }
}

/** Appends an audit record made by the identity provider (no agent; `details.by` 'idp'). */
export async function appendIdpRecord(trx: IdentityDb, out: Outbox, actor: IdpActor, now: Date, action: AuditRecord['action'], reason: string | null, details: AuditRecord['details']): Promise<void> {
  const record: AuditRecord = {
    v: 1, time: now.toISOString(), requestId: actor.requestId, action, agentId: null, customerId: null, ticketId: null,
    decision: 'allow', fields: {}, policyIds: [], reason, details: { ...details, by: 'idp', idp: actor.idp, via: actor.via },
  };
  await appendAudit(trx, record);
  out.records.push(record);
}

/** Why an IdP-managed agent has no access, or undefined when it should have. */
function lossOfAccess(u: { idp_active: boolean; deleted_at: Date | null }, entitled: boolean): string | undefined {
  if (u.deleted_at !== null) return 'deleted by the identity provider';
  if (!u.idp_active) return 'deactivated by the identity provider';
  if (!entitled) return 'removed from the Keyhole group';
  return undefined;
}

/** The group names `agentId` belongs to. */
export async function groupNamesOf(db: IdentityDb, agentId: string): Promise<string[]> {
  const rows = await db.selectFrom('identity_group_members as m').innerJoin('identity_groups as g', 'g.id', 'm.group_id')
    .select('g.display_name').where('m.agent_id', '=', agentId).execute();
  return rows.map((r) => r.display_name);
}

/** Brings IdP-managed agent `agentId` in line with the provider inside `trx`: role, team,
 *  vendor and regions from its groups (recorded as `agent_update` when they change), suspended
 *  at once when it lost access, reinstated when it regained access the provider had taken.
 *  Does nothing for an agent the provider does not manage. */
export async function reconcileAgent(trx: IdentityDb, deps: ProvisioningDeps, actor: IdpActor, agentId: string, out: Outbox): Promise<void> {
  const row = await trx.selectFrom('agents as a').innerJoin('identity_users as u', 'u.agent_id', 'a.id')
    .select(['a.role', 'a.team', 'a.vendor', 'a.regions', 'a.status', 'u.idp_active', 'u.idp_suspended', 'u.deleted_at'])
    .where('a.id', '=', agentId).forUpdate().executeTakeFirst();
  if (!row) return;
  const now = deps.clock.now();
  const m = mapIdentity(deps.mapping, await groupNamesOf(trx, agentId));
  const regions = [...m.regions];
  if (row.role !== m.role || row.team !== m.team || row.vendor !== m.vendor || [...row.regions].sort().join(',') !== regions.join(',')) {
    await trx.updateTable('agents').set({ role: m.role, team: m.team, vendor: m.vendor, regions }).where('id', '=', agentId).execute();
    await appendIdpRecord(trx, out, actor, now, 'agent_update', 'group membership changed', {
      target: agentId, role: m.role, team: m.team, vendor: m.vendor, regions, previousRole: row.role,
    });
  }
  const loss = lossOfAccess(row, m.entitled);
  if (loss !== undefined && row.status === 'active') {
    const s = await suspendInTransaction(trx as unknown as BrokerDb, agentId, now, { agentId: null, requestId: actor.requestId });
    await trx.updateTable('identity_users').set({ idp_suspended: true }).where('agent_id', '=', agentId).execute();
    await appendIdpRecord(trx, out, actor, now, 'agent_suspend', loss, {
      target: agentId, grantsRevoked: s.grantsRevoked, sessionsEnded: s.sessionsEnded, tokensRevoked: s.tokensRevoked,
    });
    out.statuses.push({ agentId, status: 'suspended' });
  } else if (loss === undefined && row.status === 'suspended' && row.idp_suspended) {
    await trx.updateTable('agents').set({ status: 'active', suspended_at: null }).where('id', '=', agentId).execute();
    await trx.updateTable('identity_users').set({ idp_suspended: false }).where('agent_id', '=', agentId).execute();
    await appendIdpRecord(trx, out, actor, now, 'agent_reinstate', 'access granted by the identity provider', { target: agentId });
    out.statuses.push({ agentId, status: 'active' });
  }
}

/** Runs `fn` in one transaction and publishes its records and status changes after commit. */
export async function provisioningTransaction<T>(deps: ProvisioningDeps, fn: (trx: IdentityDb, out: Outbox) => Promise<T>): Promise<T> {
  const out = new Outbox();
  const result = await deps.db.transaction().execute((tx) => fn(tx, out));
  out.publish(deps.events);
  return result;
}

/** Serializes provisioning of one user name (two concurrent creates of the same user). */
export async function lockUserName(trx: IdentityDb, userName: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`scim-user:${userName.toLowerCase()}`}))`.execute(trx);
}
