// "Who looked at my data": the customer's access receipts, newest first, each with the exact
// leaf data of its audit record so the customer's browser can recompute the leaf hash and check
// an inclusion proof against a signed checkpoint (src/shared/tlog). Agents appear by pseudonym.
import type { AuditRecord } from '../shared/audit-entry.js';
import type { BrokerDb } from './model.js';
import { agentPseudonym } from './pseudonym.js';
import type { Vault } from '../vault/vault.js';

/** One receipt. `seq` is the log index, or null while the record awaits integration; `leaf` is
 *  the RFC 8785 JSON the log hashed (null while pending). */
export interface Receipt {
  readonly seq: number | null;
  readonly leaf: string | null;
  readonly time: string;
  readonly action: string;
  readonly decision: 'allow' | 'deny';
  readonly ticketId: string | null;
  readonly purpose: string | null;
  readonly fields: Readonly<Record<string, string>>;
  readonly breakGlass: boolean;
  readonly byCustomer: boolean;
  readonly agent: { readonly pseudonym: string; readonly team: string; readonly vendor: string } | null;
  /** For `grant_use`: who approved the grant — the customer (consent), staff alone, or both
   *  (null for other actions). Customer-facing text must not call a staff-only approval "the
   *  value you allowed" (issue 14 item 5). */
  readonly approvedBy: 'customer' | 'staff' | 'customer_and_staff' | null;
  /** A verify's outcome (null for other actions). */
  readonly matched: boolean | null;
  /** A protection's kind, and a cool-down's length in hours (null otherwise). */
  readonly protectionKind: string | null;
  readonly hours: number | null;
}

/** Who approved each grant in `grantIds`: the request's approval rule and the customer's verdict. */
async function grantApprovers(db: BrokerDb, grantIds: readonly string[]): Promise<Map<string, Receipt['approvedBy']>> {
  if (grantIds.length === 0) return new Map();
  const rows = await db.selectFrom('grants as g').innerJoin('reveal_requests as r', 'r.id', 'g.request_id')
    .select(['g.id', 'r.approval', 'r.customer_verdict', 'r.decided_by']).where('g.id', 'in', [...grantIds]).execute();
  return new Map(rows.map((r) => {
    const customer = r.customer_verdict === 'approved';
    const staff = r.decided_by !== null;
    return [r.id, customer && staff ? 'customer_and_staff' : customer ? 'customer' : 'staff'] as const;
  }));
}

/** The customer's receipts: pending ones first, then the last `limit` sequenced, newest first. */
export async function customerReceipts(db: BrokerDb, vault: Vault, customerId: string, limit = 100): Promise<Receipt[]> {
  const logged = await db.selectFrom('audit_log').select(['seq', 'entry']).where('customer_id', '=', customerId).orderBy('seq', 'desc').limit(limit).execute();
  const pending = await db.selectFrom('audit_pending').select(['entry']).where((eb) => eb(eb.ref('entry', '->>').key('customerId'), '=', customerId)).orderBy('id', 'desc').limit(limit).execute();
  const rows = [
    ...pending.map((p) => ({ seq: null, leaf: null, record: (typeof p.entry === 'string' ? JSON.parse(p.entry) : p.entry) as AuditRecord })),
    ...logged.map((l) => ({ seq: l.seq, leaf: l.entry, record: JSON.parse(l.entry) as AuditRecord })),
  ];
  const agentIds = [...new Set(rows.map((r) => r.record.agentId).filter((a): a is string => a !== null))];
  const agents = agentIds.length ? await db.selectFrom('agents').select(['id', 'team', 'vendor']).where('id', 'in', agentIds).execute() : [];
  const ticketIds = [...new Set(rows.map((r) => r.record.ticketId).filter((t): t is string => t !== null))];
  const tickets = ticketIds.length ? await db.selectFrom('tickets').select(['id', 'purpose']).where('id', 'in', ticketIds).execute() : [];
  const approvers = await grantApprovers(db, rows.flatMap((r) => (r.record.action === 'grant_use' && typeof r.record.details?.grantId === 'string' ? [r.record.details.grantId] : [])));
  const pseudonyms = new Map(await Promise.all(agentIds.map(async (id) => [id, await agentPseudonym(vault, id, db)] as const)));
  return rows.map(({ seq, leaf, record: r }) => {
    const a = r.agentId ? agents.find((x) => x.id === r.agentId) : undefined;
    return {
      seq, leaf, time: r.time, action: r.action, decision: r.decision, ticketId: r.ticketId,
      purpose: tickets.find((t) => t.id === r.ticketId)?.purpose ?? null,
      fields: r.fields, breakGlass: r.details?.breakGlass === true, byCustomer: r.details?.actor === 'customer',
      agent: a ? { pseudonym: pseudonyms.get(a.id) as string, team: a.team, vendor: a.vendor } : null,
      approvedBy: r.action === 'grant_use' && typeof r.details?.grantId === 'string' ? (approvers.get(r.details.grantId) ?? null) : null,
      matched: typeof r.details?.matched === 'boolean' ? r.details.matched : null,
      protectionKind: typeof r.details?.kind === 'string' ? r.details.kind : null,
      hours: typeof r.details?.hours === 'number' ? r.details.hours : null,
    };
  });
}
