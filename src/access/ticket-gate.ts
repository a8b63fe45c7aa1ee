// The first gate of every ticket-scoped operation: the ticket exists, is assigned to the caller
// and is open; otherwise the caller learns nothing (DESIGN.md invariant 2): a missing ticket,
// somebody else's ticket and an unknown customer all answer TICKET_NOT_FOUND.
import type { AuditAction } from '../shared/audit-entry.js';
import { CompiledQuery } from 'kysely';
import type { FieldName, Purpose } from '../fields/catalog-types.js';
import { SEALED_FIELDS_COLUMNS, type SealedFieldsPrefetch } from '../vault/vault.js';
import type { LiveGrant } from './grants.js';
import type { GuardPrefetch } from './guard.js';
import type { BrokerDb, RequestContext } from './model.js';
import { prepared } from '../store/prepared.js';
import { denial } from './recorder.js';

/** A ticket joined with the plain attributes of its customer. */
export interface TicketRow {
  readonly id: string;
  readonly customerId: string;
  readonly purpose: Purpose;
  readonly status: 'open' | 'closed';
  readonly assigneeId: string | null;
  readonly channel: string;
  readonly subject: string;
  readonly referencedTx: readonly string[];
  readonly createdAt: Date;
  readonly closedAt: Date | null;
  readonly customer: {
    readonly accountId: string;
    readonly tier: string;
    readonly status: string;
    readonly createdAt: Date;
    readonly jurisdiction: string;
    readonly isDecoy: boolean;
    readonly erased: boolean;
    readonly locked: boolean;
  };
  /** The one-time code the agent's desk and the customer's portal both show. */
  readonly contactCode: string | null;
}

const TICKET_COLUMNS = `t.id, t.customer_id, t.purpose, t.status, t.assignee_id, t.channel, t.subject, t.referenced_tx, t.created_at,
  t.closed_at, c.jurisdiction, c.is_decoy, c.erased_at, c.account_id, c.tier, c.status as customer_status,
  c.created_at as customer_created_at, c.locked_at, t.contact_code`;

/** The row shape of TICKET_COLUMNS. */
interface TicketJoinRow {
  id: string; customer_id: string; purpose: string; status: 'open' | 'closed'; assignee_id: string | null; channel: string; subject: string;
  referenced_tx: string[]; created_at: Date; closed_at: Date | null; jurisdiction: string; is_decoy: boolean; erased_at: Date | null;
  account_id: string; tier: string; customer_status: string; customer_created_at: Date; locked_at: Date | null; contact_code: string | null;
}

// Precompiled and named (no query building per request, parsed once per connection): the ticket
// and its customer.
const LOAD_TICKET = prepared(`select ${TICKET_COLUMNS} from tickets t join customers c on c.id = t.customer_id where t.id = $1`);

// The view's first statement: the ticket, its customer, and the caller's live grants on it,
// claimed (marked used) atomically in the same statement — issue 10 item 6 and issue 13 — and
// the customer's sealed fields for the vault to open (still encrypted; no second round trip). A
// claim on a ticket that fails the gate rolls back with the denial.
const claimingGrants = (guardColumn: string | undefined) => prepared(`with g as (
    update grants set used_at = $3
    where ticket_id = $1 and agent_id = $2 and used_at is null and revoked_at is null and expires_at > $3
    returning id, fields, expires_at, created_at)
  select ${TICKET_COLUMNS},
    (select coalesce(json_agg(json_build_object('id', g.id, 'fields', g.fields, 'expiresAt', g.expires_at) order by g.created_at, g.id), '[]'::json) from g) as claimed,
    ${SEALED_FIELDS_COLUMNS}${guardColumn === undefined ? '' : `,
    ${guardColumn} as guard_prefetch`}
  from tickets t join customers c on c.id = t.customer_id where t.id = $1`);
const LOAD_TICKET_CLAIMING_GRANTS = claimingGrants(undefined);
// The statement with a guard's prefetch column, built once per distinct column (one guard).
const withGuard = new Map<string, string>();

function toTicketRow(r: TicketJoinRow): TicketRow {
  return {
    id: r.id,
    customerId: r.customer_id,
    purpose: r.purpose as Purpose,
    status: r.status,
    assigneeId: r.assignee_id,
    channel: r.channel,
    subject: r.subject,
    referencedTx: r.referenced_tx,
    createdAt: r.created_at,
    closedAt: r.closed_at,
    customer: {
      accountId: r.account_id, tier: r.tier, status: r.customer_status, createdAt: r.customer_created_at,
      jurisdiction: r.jurisdiction, isDecoy: r.is_decoy, erased: r.erased_at !== null, locked: r.locked_at !== null,
    },
    contactCode: r.contact_code,
  };
}

/** Loads ticket `ticketId` (any state) with its customer's plain attributes, or undefined. */
export async function loadTicket(db: BrokerDb, ticketId: string): Promise<TicketRow | undefined> {
  const r = await db.executeQuery<TicketJoinRow>(CompiledQuery.raw(LOAD_TICKET, [ticketId]));
  return r.rows[0] ? toTicketRow(r.rows[0]) : undefined;
}

/** Loads the caller's own open ticket.
 *  @throws KeyholeError TICKET_NOT_FOUND (recorded as a denial) when the ticket does not exist,
 *  is not assigned to the caller, is closed, or its customer was erased — all alike. */
export async function openTicketOf(trx: BrokerDb, ctx: RequestContext, ticketId: string, action: AuditAction): Promise<TicketRow> {
  return gate(await loadTicket(trx, ticketId), ctx, ticketId, action);
}

/** As openTicketOf for a view, in one statement that also claims the caller's live grants on
 *  the ticket (see claimLiveGrants in grants.ts), reads the customer's sealed fields (`sealed`,
 *  for Vault.openPrefetched) and, given the guard's `prefetch`, its read (`guardPrefetched`,
 *  for GuardRequest.prefetched): only the returned grants may be rendered, and unneeded ones
 *  go back with releaseGrants. MUST run inside the request's transaction (a denial rolls the
 *  claims back and releases the guard's locks). @throws KeyholeError TICKET_NOT_FOUND as
 *  openTicketOf. */
export async function openTicketClaimingGrants(
  trx: BrokerDb, ctx: RequestContext, ticketId: string, now: Date, prefetch?: GuardPrefetch,
): Promise<{ ticket: TicketRow; claimed: LiveGrant[]; sealed: SealedFieldsPrefetch; guardPrefetched?: unknown }> {
  let text = LOAD_TICKET_CLAIMING_GRANTS;
  if (prefetch !== undefined) {
    text = withGuard.get(prefetch.column) ?? claimingGrants(prefetch.column);
    withGuard.set(prefetch.column, text);
  }
  const r = await trx.executeQuery<TicketJoinRow & { claimed: unknown; vault_key: unknown; vault_fields: unknown; guard_prefetch?: unknown }>(
    CompiledQuery.raw(text, [ticketId, ctx.agent.id, now]));
  const row = r.rows[0];
  const ticket = gate(row ? toTicketRow(row) : undefined, ctx, ticketId, 'view');
  const json = <T>(v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as T;
  const raw = json<Array<{ id: string; fields: FieldName[]; expiresAt: string }>>(row!.claimed);
  return {
    ticket,
    claimed: raw.map((g) => ({ id: g.id, fields: g.fields, expiresAt: new Date(g.expiresAt) })),
    sealed: { vault_key: json<SealedFieldsPrefetch['vault_key']>(row!.vault_key), vault_fields: json<SealedFieldsPrefetch['vault_fields']>(row!.vault_fields) },
    ...(prefetch !== undefined ? { guardPrefetched: json<unknown>(row!.guard_prefetch) } : {}),
  };
}

function gate(t: TicketRow | undefined, ctx: RequestContext, ticketId: string, action: AuditAction): TicketRow {
  if (!t || t.assigneeId !== ctx.agent.id || t.status !== 'open' || t.customer.erased) {
    throw denial('TICKET_NOT_FOUND', {
      action,
      customerId: t?.customerId ?? null,
      ticketId: t ? t.id : null,
      decision: 'deny',
      reason: !t ? 'no such ticket' : t.assigneeId !== ctx.agent.id ? 'ticket not assigned to agent' : t.status !== 'open' ? 'ticket closed' : 'customer erased',
      details: t ? {} : { requestedTicketId: ticketId.slice(0, 64) },
    });
  }
  return t;
}
