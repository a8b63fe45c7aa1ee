// Just-in-time grants: created by an approved reveal request, single use, expiring, and dead
// as soon as their ticket closes or their agent is suspended (DESIGN.md invariant 3).
import type { FieldName } from '../fields/catalog-types.js';
import type { BrokerDb } from './model.js';

/** A grant that is still usable. */
export interface LiveGrant {
  readonly id: string;
  readonly fields: readonly FieldName[];
  readonly expiresAt: Date;
}

/** Claims every live grant of `agentId` on `ticketId` at `now` (not used, not revoked, not
 *  expired) by marking it used, in one atomic `UPDATE … RETURNING`, oldest first. Only what
 *  this call returns may be rendered: a grant claimed by a concurrent request (which holds its
 *  row lock until it commits or rolls back) is not returned twice, with or without the
 *  guard's per-agent lock (issue 10 item 6). Claims commit or roll back with `db`'s
 *  transaction; hand back the ones a view did not need with `releaseGrants`.
 *  MUST run inside the request's transaction. */
export async function claimLiveGrants(db: BrokerDb, ticketId: string, agentId: string, now: Date): Promise<LiveGrant[]> {
  const rows = await db
    .updateTable('grants')
    .set({ used_at: now })
    .where('ticket_id', '=', ticketId)
    .where('agent_id', '=', agentId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['id', 'fields', 'expires_at', 'created_at'])
    .execute();
  rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return rows.map((r) => ({ id: r.id, fields: r.fields as FieldName[], expiresAt: r.expires_at }));
}

/** Un-claims `grantIds` that this transaction claimed at `now` with `claimLiveGrants` but did
 *  not use (the view showed nothing above the default through them): they stay live. */
export async function releaseGrants(db: BrokerDb, grantIds: readonly string[], now: Date): Promise<void> {
  if (grantIds.length === 0) return;
  await db.updateTable('grants').set({ used_at: null }).where('id', 'in', grantIds).where('used_at', '=', now).execute();
}

/** Revokes every unused grant matching `where` (a ticket or an agent); returns the ids. */
export async function revokeGrants(db: BrokerDb, where: { ticketId?: string; agentId?: string }, now: Date, reason: string): Promise<string[]> {
  let q = db.updateTable('grants').set({ revoked_at: now, revoke_reason: reason }).where('used_at', 'is', null).where('revoked_at', 'is', null);
  if (where.ticketId) q = q.where('ticket_id', '=', where.ticketId);
  if (where.agentId) q = q.where('agent_id', '=', where.agentId);
  if (!where.ticketId && !where.agentId) throw new RangeError('revokeGrants needs a ticket or an agent');
  const rows = await q.returning('id').execute();
  return rows.map((r) => r.id);
}
