// Reading reveal requests: the approvals queue for supervisors and an agent's own requests,
// with what a decider needs to judge them (the requester's name, the ticket's subject and
// purpose) — never a field value.
import type { Selectable } from 'kysely';
import type { FieldName } from '../fields/catalog-types.js';
import type { Agent, BrokerDb } from './model.js';
import type { RevealRequestTable } from './tables.js';

/** A reveal request as the API shows it (never any field value). */
export interface RevealRequest {
  readonly id: string;
  readonly ticketId: string;
  readonly agentId: string;
  readonly fields: readonly FieldName[];
  readonly reason: string;
  readonly approval: string;
  readonly status: 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled';
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly comment: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** The grant an approval created: `usedAt` once its single use showed the value, `revokedAt`
   *  when it was ended early (so after a reload the desk says "used", "expired" or "ended",
   *  not a dead "Show value" button). */
  readonly grant: { readonly id: string; readonly expiresAt: string; readonly usedAt: string | null; readonly revokedAt: string | null } | null;
  /** Set by listRevealRequests: the requester's name, the ticket's subject and purpose, and
   *  the decider's name (null while undecided). */
  readonly agentName?: string;
  readonly ticketSubject?: string;
  readonly ticketPurpose?: string;
  readonly decidedByName?: string | null;
}

/** Maps a row (and its grant, if any) to the API shape. */
export function toRevealRequest(r: Selectable<RevealRequestTable>, grant: { id: string; expiresAt: Date; usedAt?: Date | null; revokedAt?: Date | null } | null): RevealRequest {
  return {
    id: r.id, ticketId: r.ticket_id, agentId: r.agent_id, fields: r.fields as FieldName[], reason: r.reason, approval: r.approval,
    status: r.status, decidedBy: r.decided_by, decidedAt: r.decided_at?.toISOString() ?? null, comment: r.comment,
    createdAt: r.created_at.toISOString(), expiresAt: r.expires_at.toISOString(),
    grant: grant ? { id: grant.id, expiresAt: grant.expiresAt.toISOString(), usedAt: grant.usedAt?.toISOString() ?? null, revokedAt: grant.revokedAt?.toISOString() ?? null } : null,
  };
}

/** Reveal requests the caller may see: supervisors and security see every request of
 *  `status` except their own (the approvals queue); agents see only their own. Newest first,
 *  at most `limit`. A pending request past its expiry is shown as `expired` (the server's
 *  clock decides, not the browser's). */
export async function listRevealRequests(db: BrokerDb, agent: Agent, opts: { status?: RevealRequest['status']; limit?: number; now: Date }): Promise<RevealRequest[]> {
  let q = db.selectFrom('reveal_requests as r').leftJoin('grants as g', 'g.request_id', 'r.id')
    .innerJoin('agents as a', 'a.id', 'r.agent_id').innerJoin('tickets as t', 't.id', 'r.ticket_id').leftJoin('agents as d', 'd.id', 'r.decided_by')
    .selectAll('r').select(['g.id as grant_id', 'g.expires_at as grant_expires_at', 'g.used_at as grant_used_at', 'g.revoked_at as grant_revoked_at', 'a.name as agent_name', 't.subject as ticket_subject', 't.purpose as ticket_purpose', 'd.name as decided_by_name'])
    .orderBy('r.created_at', 'desc').limit(opts.limit ?? 100);
  if (opts.status) q = q.where('r.status', '=', opts.status);
  if (opts.status === 'pending') q = q.where('r.expires_at', '>', opts.now);
  q = agent.role === 'agent' ? q.where('r.agent_id', '=', agent.id) : q.where('r.agent_id', '!=', agent.id);
  // The approvals queue holds only what staff still have to decide: not customer-only
  // consents, and not requests a reviewer already approved that wait for the customer.
  if (agent.role !== 'agent' && opts.status === 'pending') q = q.where('r.approval', '!=', 'customer').where('r.decided_by', 'is', null);
  const rows = await q.execute();
  return rows.map((r) => ({
    ...toRevealRequest({ ...r, status: r.status === 'pending' && r.expires_at <= opts.now ? 'expired' : r.status },
      r.grant_id && r.grant_expires_at ? { id: r.grant_id, expiresAt: r.grant_expires_at, usedAt: r.grant_used_at, revokedAt: r.grant_revoked_at } : null),
    agentName: r.agent_name, ticketSubject: r.ticket_subject, ticketPurpose: r.ticket_purpose, decidedByName: r.decided_by_name,
  }));
}
