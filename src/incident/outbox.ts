// The outbox table's operations: enqueue (idempotent by key, inside the transaction that decides
// to send), claim due messages under a lease before sending, renew, record the send, schedule a
// retry or give up. docs/design/incident.md "Notify" states the delivery guarantee.
import { sql } from 'kysely';
import type { IncidentDb } from './model.js';
import type { IncidentOutboxTable } from './tables.js';

/** A delivery channel: e-mail to the customer, the exchange's notification webhook, or the
 *  exchange's protective-measure webhook. */
export type OutboxChannel = IncidentOutboxTable['channel'];

/** A message to enqueue. `idempotencyKey` identifies it for ever: enqueueing it again is a no-op. */
export interface OutboxInput {
  readonly idempotencyKey: string;
  readonly incidentId: string | null;
  readonly customerId: string | null;
  readonly channel: OutboxChannel;
  readonly subject: string;
  readonly body: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** A claimed message, with the claim token that proves this sender holds it. */
export interface ClaimedMessage extends OutboxInput {
  readonly id: number;
  readonly attempts: number;
  readonly redelivery: boolean;
  readonly claimToken: string;
}

/** Inserts `items` as pending (due at `now`); existing keys are left alone. Returns how many
 *  were new. MUST run in the transaction that decides to send them. */
export async function enqueue(trx: IncidentDb, items: readonly OutboxInput[], now: Date): Promise<number> {
  let added = 0;
  for (let i = 0; i < items.length; i += 200) {
    const rows = await trx.insertInto('incident_outbox').values(items.slice(i, i + 200).map((m) => ({
      idempotency_key: m.idempotencyKey, incident_id: m.incidentId, customer_id: m.customerId, channel: m.channel, subject: m.subject,
      body: m.body, payload: JSON.stringify(m.payload), status: 'pending' as const, next_attempt_at: now, claim_token: null,
      claimed_until: null, sent_at: null, provider_id: null, last_error: null, created_at: now,
    }))).onConflict((oc) => oc.column('idempotency_key').doNothing()).returning('id').execute();
    added += rows.length;
  }
  return added;
}

/** Claims up to `limit` due messages of `channels` for `token` until `now + leaseMs`: pending
 *  ones whose retry time has come, and sending ones whose lease expired (their sender died; they
 *  are marked `redelivery`, as the earlier attempt may have been delivered). Each claim counts
 *  an attempt. Rows locked by another claimer are skipped. */
export async function claimDue(
  db: IncidentDb, opts: { readonly token: string; readonly now: Date; readonly leaseMs: number; readonly limit: number; readonly channels: readonly OutboxChannel[] },
): Promise<ClaimedMessage[]> {
  if (opts.channels.length === 0) return [];
  const until = new Date(opts.now.getTime() + opts.leaseMs);
  const r = await sql<Record<string, unknown>>`
    update incident_outbox set status = 'sending', claim_token = ${opts.token}, claimed_until = ${until}, attempts = attempts + 1,
      redelivery = redelivery or status = 'sending'
    where id in (
      select id from incident_outbox
      where channel = any(${[...opts.channels]}::text[])
        and ((status = 'pending' and next_attempt_at <= ${opts.now}) or (status = 'sending' and claimed_until < ${opts.now}))
      order by id limit ${opts.limit} for update skip locked)
    returning id, idempotency_key, incident_id, customer_id, channel, subject, body, payload, attempts, redelivery, claim_token`.execute(db);
  return r.rows.map((x) => ({
    id: Number(x.id), idempotencyKey: x.idempotency_key as string, incidentId: x.incident_id as string | null, customerId: x.customer_id as string | null,
    channel: x.channel as OutboxChannel, subject: x.subject as string, body: x.body as string,
    payload: (typeof x.payload === 'string' ? JSON.parse(x.payload) : x.payload) as Record<string, unknown>,
    attempts: Number(x.attempts), redelivery: x.redelivery === true, claimToken: x.claim_token as string,
  })).sort((a, b) => a.id - b.id);
}

/** Extends the lease of a claimed message to `until`; false when the claim was lost (the lease
 *  expired and another sender took it): the caller MUST NOT send then. */
export async function renewClaim(db: IncidentDb, m: ClaimedMessage, until: Date): Promise<boolean> {
  const r = await db.updateTable('incident_outbox').set({ claimed_until: until })
    .where('id', '=', m.id).where('claim_token', '=', m.claimToken).where('status', '=', 'sending').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Records the send of a claimed message in `trx`; false when the claim was lost. */
export async function markSent(trx: IncidentDb, m: ClaimedMessage, now: Date, providerId: string | null): Promise<boolean> {
  const r = await trx.updateTable('incident_outbox')
    .set({ status: 'sent', sent_at: now, provider_id: providerId, claim_token: null, claimed_until: null, last_error: null })
    .where('id', '=', m.id).where('claim_token', '=', m.claimToken).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** After a failed attempt: back to pending at `retryAt`, or `failed` when `retryAt` is null.
 *  `reason` MUST NOT hold an address or a body. */
export async function markFailedAttempt(db: IncidentDb, m: ClaimedMessage, reason: string, retryAt: Date | null): Promise<void> {
  await db.updateTable('incident_outbox')
    .set(retryAt === null
      ? { status: 'failed', claim_token: null, claimed_until: null, last_error: reason.slice(0, 200) }
      : { status: 'pending', next_attempt_at: retryAt, claim_token: null, claimed_until: null, last_error: reason.slice(0, 200) })
    .where('id', '=', m.id).where('claim_token', '=', m.claimToken).execute();
}

/** Messages not yet in a final state (pending or sending) on `channels`, and the earliest time
 *  one of them can be claimed (a retry time or a lease end). */
export async function outstanding(db: IncidentDb, channels: readonly OutboxChannel[]): Promise<{ readonly count: number; readonly nextAt: Date | null }> {
  if (channels.length === 0) return { count: 0, nextAt: null };
  const r = await sql<{ n: number; next_at: Date | null }>`
    select count(*)::int as n, min(case when status = 'pending' then next_attempt_at else claimed_until end) as next_at
    from incident_outbox where status in ('pending', 'sending') and channel = any(${[...channels]}::text[])`.execute(db);
  const row = r.rows[0];
  return { count: Number(row?.n ?? 0), nextAt: row?.next_at ? new Date(row.next_at) : null };
}

/** Per status, how many messages of `incidentId` (optionally of one channel). */
export async function outboxCounts(db: IncidentDb, incidentId: string, channel?: OutboxChannel): Promise<Record<string, number>> {
  let q = db.selectFrom('incident_outbox').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('incident_id', '=', incidentId);
  if (channel) q = q.where('channel', '=', channel);
  const rows = await q.groupBy('status').execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
