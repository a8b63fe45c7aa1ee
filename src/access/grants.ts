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

/** The live grants of `agentId` on `ticketId` at `now`: not used, not revoked, not expired.
 *  (Ticket state and suspension are checked by the caller's gate and revoke grants eagerly.) */
export async function liveGrants(db: BrokerDb, ticketId: string, agentId: string, now: Date): Promise<LiveGrant[]> {
  const rows = await db
    .selectFrom('grants')
    .select(['id', 'fields', 'expires_at'])
    .where('ticket_id', '=', ticketId)
    .where('agent_id', '=', agentId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({ id: r.id, fields: r.fields as FieldName[], expiresAt: r.expires_at }));
}

/** Marks `grantIds` used at `now`, but only those still unused and unrevoked; returns the ids
 *  actually consumed (a grant raced by another request is not consumed twice). */
export async function consumeGrants(db: BrokerDb, grantIds: readonly string[], now: Date): Promise<string[]> {
  if (grantIds.length === 0) return [];
  const rows = await db
    .updateTable('grants')
    .set({ used_at: now })
    .where('id', 'in', grantIds)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
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
