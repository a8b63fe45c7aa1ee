// Withdrawing a suspended agent's support contacts (issue 14 item 1): every open ticket the
// agent holds goes to an active teammate who serves the customer's jurisdiction (the one with
// the fewest open tickets), or is parked unassigned when there is none; either way it gets a
// new contact code, the old pseudonym and code are kept in `withdrawn_contacts` so the
// customer's portal can say plainly that that contact is no longer from support, and the
// customer gets a notice. Runs inside the suspension's transaction (access/agents.ts).
import { sql } from 'kysely';
import { appendAudit } from '../audit/append.js';
import type { AuditRecord } from '../shared/audit-entry.js';
import { newContactCode } from './ids.js';
import type { BrokerDb } from './model.js';

/** Who is suspending: the security engineer (agentId) or detection (null), and the request. */
export interface WithdrawActor {
  readonly agentId: string | null;
  readonly requestId: string;
}

/** One withdrawn contact: the ticket, and where it went (null: parked, unassigned). */
export interface WithdrawnContact {
  readonly ticketId: string;
  readonly customerId: string;
  readonly reassignedTo: string | null;
}

/** Withdraws every open ticket of `agentId` inside `trx` (see the file comment) and appends one
 *  `ticket_assign` record per ticket (details: from, to, reason, contactCodeChanged). Returns
 *  the tickets withdrawn; none when the agent holds no open ticket. */
export async function withdrawContacts(trx: BrokerDb, agentId: string, now: Date, actor: WithdrawActor): Promise<WithdrawnContact[]> {
  const tickets = await trx.selectFrom('tickets as t').innerJoin('customers as c', 'c.id', 't.customer_id')
    .select(['t.id', 't.customer_id', 't.contact_code', 'c.jurisdiction'])
    .where('t.assignee_id', '=', agentId).where('t.status', '=', 'open').orderBy('t.id').execute();
  if (tickets.length === 0) return [];
  const me = await trx.selectFrom('agents').select(['team', 'vendor']).where('id', '=', agentId).executeTakeFirstOrThrow();
  const out: WithdrawnContact[] = [];
  for (const t of tickets) {
    const mate = await trx.selectFrom('agents as a')
      .select(['a.id', (eb) => eb.selectFrom('tickets as o').select(eb.fn.countAll<number>().as('n')).whereRef('o.assignee_id', '=', 'a.id').where('o.status', '=', 'open').as('load')])
      .where('a.status', '=', 'active').where('a.role', '=', 'agent').where('a.team', '=', me.team).where('a.vendor', '=', me.vendor)
      .where('a.id', '<>', agentId).where(sql<boolean>`${t.jurisdiction} = any(a.regions)`)
      .orderBy('load').orderBy('a.id').limit(1).executeTakeFirst();
    const to = mate?.id ?? null;
    await trx.insertInto('withdrawn_contacts').values({
      ticket_id: t.id, customer_id: t.customer_id, agent_id: agentId, contact_code: t.contact_code, reason: 'agent_suspended', reassigned_to: to, withdrawn_at: now,
    }).execute();
    await trx.updateTable('tickets').set({ assignee_id: to, contact_code: newContactCode() }).where('id', '=', t.id).execute();
    await trx.insertInto('customer_notices').values({
      customer_id: t.customer_id, kind: 'contact_withdrawn', created_at: now, read_at: null,
      body: JSON.stringify({ ticketId: t.id, withdrawnCode: t.contact_code, reassigned: to !== null }),
    }).execute();
    const record: AuditRecord = {
      v: 1, time: now.toISOString(), requestId: actor.requestId, action: 'ticket_assign', agentId: actor.agentId, customerId: t.customer_id, ticketId: t.id,
      decision: 'allow', fields: {}, policyIds: [], reason: 'agent suspended',
      details: { from: agentId, to, contactCodeChanged: true, by: actor.agentId === null ? 'detect' : 'security' },
    };
    await appendAudit(trx, record);
    out.push({ ticketId: t.id, customerId: t.customer_id, reassignedTo: to });
  }
  return out;
}

/** A withdrawn contact as the customer's portal shows it (the last 90 days). */
export interface WithdrawnContactRow {
  readonly ticketId: string;
  readonly agentId: string;
  readonly contactCode: string | null;
  readonly withdrawnAt: Date;
}

/** The contacts withdrawn from `customerId` since `since`, newest first (at most 20). */
export async function withdrawnContactsOf(db: BrokerDb, customerId: string, since: Date): Promise<WithdrawnContactRow[]> {
  const rows = await db.selectFrom('withdrawn_contacts').select(['ticket_id', 'agent_id', 'contact_code', 'withdrawn_at'])
    .where('customer_id', '=', customerId).where('withdrawn_at', '>=', since).orderBy('withdrawn_at', 'desc').orderBy('id', 'desc').limit(20).execute();
  return rows.map((r) => ({ ticketId: r.ticket_id, agentId: r.agent_id, contactCode: r.contact_code, withdrawnAt: r.withdrawn_at }));
}
