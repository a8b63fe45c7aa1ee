// The one ticket-sync core every helpdesk adapter feeds (STYLE.md convention 15): a helpdesk
// ticket created → a Keyhole ticket opened for the customer matched by the requester's e-mail
// (blind index) or external id; assignee changed → reassigned (grants of the previous assignee
// revoked); solved/closed → closed with all grants revoked. Each step is one transaction with
// its audit record (`details.via` names the helpdesk; no agent acts). Idempotent per event.
import { newContactCode, newId } from '../../access/ids.js';
import { revokeGrants } from '../../access/grants.js';
import type { BrokerDb } from '../../access/model.js';
import type { BrokerEvents } from '../../access/events.js';
import { appendAudit } from '../../audit/append.js';
import { canonicalEmail } from '../../fields/normalize.js';
import type { Purpose } from '../../fields/catalog-types.js';
import type { AuditRecord } from '../../shared/audit-entry.js';
import type { Clock } from '../../shared/clock.js';
import type { Vault } from '../../vault/vault.js';
import type { IntegrationDb } from '../tables.js';

/** A helpdesk's change to one of its tickets, as every adapter reports it. E-mails and
 *  external ids are attacker-influenced (the requester typed them): only ever matched. */
export type TicketEvent =
  | {
    readonly kind: 'created';
    readonly source: string;
    readonly externalTicketId: string;
    readonly subject: string;
    readonly requesterEmail?: string | undefined;
    readonly requesterExternalId?: string | undefined;
    readonly assigneeEmail?: string | undefined;
    readonly purpose: Purpose;
  }
  | { readonly kind: 'assigned'; readonly source: string; readonly externalTicketId: string; readonly assigneeEmail: string | undefined }
  | { readonly kind: 'closed'; readonly source: string; readonly externalTicketId: string };

/** What the sync did. `url` is the Keyhole ticket the agent clicks from the helpdesk. */
export interface SyncResult {
  readonly outcome: 'opened' | 'already_open' | 'reassigned' | 'closed' | 'unchanged' | 'unmatched_requester' | 'unmatched_assignee' | 'unknown_ticket';
  readonly ticketId: string | null;
  readonly url: string | null;
}

/** What the core needs. */
export interface SyncCoreDeps {
  readonly db: BrokerDb;
  readonly vault: Vault;
  readonly clock: Clock;
  readonly events: BrokerEvents;
  readonly publicUrl: string;
}

/** Applies `ev`. Unknown assignees leave the ticket unassigned (counted as unmatched_assignee
 *  when reassigning). @throws KeyholeError AUDIT_APPEND_FAILED (nothing changes then). */
export async function syncTicketEvent(deps: SyncCoreDeps, ev: TicketEvent): Promise<SyncResult> {
  const db = deps.db as unknown as IntegrationDb;
  const link = await db.selectFrom('helpdesk_tickets').select('ticket_id').where('source', '=', ev.source).where('external_id', '=', ev.externalTicketId).executeTakeFirst();
  const url = (id: string) => `${deps.publicUrl}/tickets/${encodeURIComponent(id)}`;
  if (ev.kind === 'created') {
    if (link) return { outcome: 'already_open', ticketId: link.ticket_id, url: url(link.ticket_id) };
    return open(deps, ev, url);
  }
  if (!link) return { outcome: 'unknown_ticket', ticketId: null, url: null };
  const ticketId = link.ticket_id;
  return ev.kind === 'assigned' ? reassign(deps, ev, ticketId, url(ticketId)) : close(deps, ev, ticketId, url(ticketId));
}

function record(deps: SyncCoreDeps, action: AuditRecord['action'], customerId: string, ticketId: string, details: AuditRecord['details']): AuditRecord {
  return {
    v: 1, time: deps.clock.now().toISOString(), requestId: newId('req'), action, agentId: null, customerId, ticketId, decision: 'allow',
    fields: {}, policyIds: [], reason: null, details,
  };
}

async function agentByEmail(db: BrokerDb, email: string | undefined): Promise<string | undefined> {
  const canonical = email === undefined ? null : canonicalEmail(email);
  if (canonical === null) return undefined;
  const a = await db.selectFrom('agents').select(['id', 'email']).where('status', '=', 'active').where((eb) => eb(eb.fn('lower', ['email']), '=', canonical)).executeTakeFirst();
  return a?.id;
}

async function matchCustomer(deps: SyncCoreDeps, ev: Extract<TicketEvent, { kind: 'created' }>): Promise<string | undefined> {
  const db = deps.db as unknown as IntegrationDb;
  if (ev.requesterExternalId) {
    const c = await db.selectFrom('customers').select('id').where('external_id', '=', ev.requesterExternalId).where('erased_at', 'is', null).executeTakeFirst();
    if (c) return c.id;
  }
  const canonical = ev.requesterEmail === undefined ? null : canonicalEmail(ev.requesterEmail);
  if (canonical === null) return undefined;
  const ids = await deps.vault.findByBlindIndex(deps.db, 'email', canonical);
  return ids.length === 1 ? ids[0] : undefined; // an e-mail shared by several customers matches none
}

async function open(deps: SyncCoreDeps, ev: Extract<TicketEvent, { kind: 'created' }>, url: (id: string) => string): Promise<SyncResult> {
  const customerId = await matchCustomer(deps, ev);
  const now = deps.clock.now();
  if (customerId === undefined) {
    await (deps.db as unknown as IntegrationDb).insertInto('helpdesk_unmatched').values({ source: ev.source, external_id: ev.externalTicketId, at: now })
      .onConflict((oc) => oc.columns(['source', 'external_id']).doNothing()).execute();
    return { outcome: 'unmatched_requester', ticketId: null, url: null };
  }
  const assignee = await agentByEmail(deps.db, ev.assigneeEmail);
  const ticketId = newId('tkt');
  const rec = record(deps, 'ticket_open', customerId, ticketId, { via: ev.source, externalTicketId: ev.externalTicketId, purpose: ev.purpose, channel: ev.source, assignee: assignee ?? null });
  return openInOrder(deps, ev, customerId, assignee, ticketId, now, rec, url);
}

async function openInOrder(deps: SyncCoreDeps, ev: Extract<TicketEvent, { kind: 'created' }>, customerId: string, assignee: string | undefined, ticketId: string, now: Date, rec: AuditRecord, url: (id: string) => string): Promise<SyncResult> {
  const existing = await deps.db.transaction().execute(async (trx) => {
    const tdb = trx as unknown as IntegrationDb;
    await trx.insertInto('tickets').values({
      id: ticketId, customer_id: customerId, purpose: ev.purpose, status: 'open', assignee_id: assignee ?? null, channel: ev.source,
      subject: ev.subject.slice(0, 200), referenced_tx: [], created_by: ev.source, created_at: now, closed_at: null, contact_code: newContactCode(),
    }).execute();
    const linked = await tdb.insertInto('helpdesk_tickets').values({ source: ev.source, external_id: ev.externalTicketId, ticket_id: ticketId, created_at: now })
      .onConflict((oc) => oc.columns(['source', 'external_id']).doNothing()).returning('ticket_id').executeTakeFirst();
    if (!linked) throw new AlreadyLinked();
    await appendAudit(trx as never, rec);
    return undefined;
  }).catch(async (e: unknown) => {
    if (!(e instanceof AlreadyLinked)) throw e;
    const l = await (deps.db as unknown as IntegrationDb).selectFrom('helpdesk_tickets').select('ticket_id').where('source', '=', ev.source).where('external_id', '=', ev.externalTicketId).executeTakeFirstOrThrow();
    return l.ticket_id;
  });
  if (existing !== undefined) return { outcome: 'already_open', ticketId: existing, url: url(existing) };
  deps.events.publish({ type: 'audit', record: rec });
  return { outcome: 'opened', ticketId, url: url(ticketId) };
}

class AlreadyLinked extends Error {}

async function reassign(deps: SyncCoreDeps, ev: Extract<TicketEvent, { kind: 'assigned' }>, ticketId: string, url: string): Promise<SyncResult> {
  const agentId = await agentByEmail(deps.db, ev.assigneeEmail);
  if (agentId === undefined) return { outcome: 'unmatched_assignee', ticketId, url };
  const now = deps.clock.now();
  const changed = await deps.db.transaction().execute(async (trx) => {
    const t = await trx.selectFrom('tickets').select(['customer_id', 'assignee_id', 'status']).where('id', '=', ticketId).forUpdate().executeTakeFirstOrThrow();
    if (t.status !== 'open' || t.assignee_id === agentId) return undefined;
    const revoked = t.assignee_id ? await revokeGrants(trx, { ticketId, agentId: t.assignee_id }, now, 'ticket reassigned') : [];
    const cancelled = await trx.updateTable('reveal_requests').set({ status: 'cancelled' }).where('ticket_id', '=', ticketId)
      .where('status', '=', 'pending').where('agent_id', '<>', agentId).returning('id').execute();
    await trx.updateTable('tickets').set({ assignee_id: agentId }).where('id', '=', ticketId).execute();
    const rec = record(deps, 'ticket_assign', t.customer_id, ticketId, { via: ev.source, from: t.assignee_id, to: agentId, grantsRevoked: revoked, revealRequestsCancelled: cancelled.map((c) => c.id) });
    await appendAudit(trx as never, rec);
    return rec;
  });
  if (!changed) return { outcome: 'unchanged', ticketId, url };
  deps.events.publish({ type: 'audit', record: changed });
  return { outcome: 'reassigned', ticketId, url };
}

async function close(deps: SyncCoreDeps, ev: Extract<TicketEvent, { kind: 'closed' }>, ticketId: string, url: string): Promise<SyncResult> {
  const now = deps.clock.now();
  const changed = await deps.db.transaction().execute(async (trx) => {
    const t = await trx.selectFrom('tickets').select(['customer_id', 'status']).where('id', '=', ticketId).forUpdate().executeTakeFirstOrThrow();
    if (t.status !== 'open') return undefined;
    const revoked = await revokeGrants(trx, { ticketId }, now, 'ticket closed');
    await trx.updateTable('reveal_requests').set({ status: 'cancelled' }).where('ticket_id', '=', ticketId).where('status', '=', 'pending').execute();
    await trx.updateTable('tickets').set({ status: 'closed', closed_at: now }).where('id', '=', ticketId).execute();
    const rec = record(deps, 'ticket_close', t.customer_id, ticketId, { via: ev.source, grantsRevoked: revoked });
    await appendAudit(trx as never, rec);
    return rec;
  });
  if (!changed) return { outcome: 'unchanged', ticketId, url };
  deps.events.publish({ type: 'audit', record: changed });
  return { outcome: 'closed', ticketId, url };
}

/** How many helpdesk tickets matched no customer, per source. */
export async function unmatchedCounts(db: BrokerDb): Promise<Record<string, number>> {
  const rows = await (db as unknown as IntegrationDb).selectFrom('helpdesk_unmatched').select(['source', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('source').execute();
  return Object.fromEntries(rows.map((r) => [r.source, Number(r.n)]));
}
