// What a decider needs beside a reveal request to judge it (issue 14 item 8): whether the
// caller's identity was checked on this ticket (match / no match per field, never a value), the
// requesting agent's recent reveals and their risk, whether the customer's consent is needed and
// what they said, and the ticket itself. For supervisors and security staff; never one's own.
import { KeyholeError } from '../shared/errors.js';
import type { BrokerDb, RequestContext } from './model.js';

/** The decider's context of one reveal request. `risk` is null when detection is off. */
export interface ApprovalContext {
  readonly requestId: string;
  readonly ticket: { readonly id: string; readonly subject: string; readonly purpose: string; readonly channel: string; readonly status: string; readonly createdAt: string };
  /** The requesting agent's identity checks of this customer since the ticket opened, oldest first. */
  readonly verification: readonly { readonly field: string; readonly matched: boolean; readonly at: string }[];
  /** The requesting agent in the last 24 hours: values shown (grant uses) and reveal requests. */
  readonly recent: { readonly reveals: number; readonly requests: number; readonly denied: number };
  readonly risk: { readonly score: number; readonly level: string } | null;
  /** Whether the customer must consent too, and their answer so far (null: not yet). */
  readonly consent: { readonly needed: boolean; readonly verdict: 'approved' | 'denied' | null };
}

/** A source of an agent's current risk (detection), or undefined when detection is off. */
export type RiskSource = ((agentId: string) => Promise<{ score: number; level: string }>) | undefined;

/** The context of reveal request `requestId` for the decider `ctx` (a supervisor or security).
 *  @throws KeyholeError FORBIDDEN (an agent), REQUEST_NOT_FOUND (missing, or the caller's own). */
export async function approvalContext(db: BrokerDb, ctx: RequestContext, requestId: string, now: Date, risk: RiskSource): Promise<ApprovalContext> {
  if (ctx.agent.role === 'agent') throw new KeyholeError('FORBIDDEN', 'Only supervisors and security staff decide reveal requests.');
  const r = await db.selectFrom('reveal_requests as r').innerJoin('tickets as t', 't.id', 'r.ticket_id')
    .select(['r.id', 'r.agent_id', 'r.customer_id', 'r.approval', 'r.customer_verdict', 't.id as ticket_id', 't.subject', 't.purpose', 't.channel', 't.status as ticket_status', 't.created_at as ticket_created_at'])
    .where('r.id', '=', requestId).executeTakeFirst();
  if (!r || r.agent_id === ctx.agent.id) throw new KeyholeError('REQUEST_NOT_FOUND');
  const checks = await db.selectFrom('verify_attempts').select(['field', 'matched', 'at']).where('agent_id', '=', r.agent_id).where('customer_id', '=', r.customer_id)
    .where('at', '>=', r.ticket_created_at).orderBy('at').limit(50).execute();
  const since = new Date(now.getTime() - 24 * 3600_000);
  const reveals = await db.selectFrom('grants').select((eb) => eb.fn.countAll<number>().as('n')).where('agent_id', '=', r.agent_id).where('used_at', '>=', since).executeTakeFirstOrThrow();
  const requests = await db.selectFrom('reveal_requests').select(['status']).where('agent_id', '=', r.agent_id).where('created_at', '>=', since).execute();
  return {
    requestId: r.id,
    ticket: { id: r.ticket_id, subject: r.subject, purpose: r.purpose, channel: r.channel, status: r.ticket_status, createdAt: r.ticket_created_at.toISOString() },
    verification: checks.map((c) => ({ field: c.field, matched: c.matched, at: c.at.toISOString() })),
    recent: { reveals: Number(reveals.n), requests: requests.length, denied: requests.filter((x) => x.status === 'denied').length },
    risk: risk ? await risk(r.agent_id) : null,
    consent: { needed: r.approval.includes('customer'), verdict: r.customer_verdict ?? null },
  };
}
