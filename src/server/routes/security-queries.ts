// The security dashboard's read side: per-agent counters, activity over time and the audit-log
// explorer, aggregated in SQL over the integrated log (audit_log) and the records not yet
// sequenced (audit_pending), so the dashboard is current to the last committed decision.
// Read-only; audit_log's schema belongs to src/audit (migrations/0001_core.sql).
import { sql, type RawBuilder } from 'kysely';
import type { BrokerDb } from '../../access/model.js';
import type { AuditAction, AuditRecord } from '../../shared/audit-entry.js';

/** One agent's row of the dashboard table. Counts are over [`since`, now]; `viewsLastHour`
 *  over the last hour. */
export interface AgentActivity {
  readonly id: string;
  readonly name: string;
  readonly role: 'agent' | 'supervisor' | 'security';
  readonly team: string;
  readonly vendor: string;
  readonly status: 'active' | 'suspended';
  readonly viewsLastHour: number;
  readonly views: number;
  readonly customers: number;
  readonly reveals: number;
  readonly revealRequests: number;
  readonly denials: number;
  readonly failedVerifies: number;
  readonly lastSeenAt: string | null;
}

/** Every audit record since `since` as (time, agent_id, customer_id, action, e jsonb). The
 *  integrator moves a record from pending to the log in one transaction, so one statement
 *  never sees it twice. */
function records(since: Date): RawBuilder<unknown> {
  return sql`
    select time, agent_id, customer_id, action, entry::jsonb as e from audit_log where time >= ${since}
    union all
    select (entry->>'time')::timestamptz, entry->>'agentId', entry->>'customerId', entry->>'action', entry
      from audit_pending where (entry->>'time')::timestamptz >= ${since}`;
}

/** Per-agent counters over [`since`, `now`] for every staff member (at most 2,000), by id. */
export async function agentActivity(db: BrokerDb, since: Date, now: Date): Promise<AgentActivity[]> {
  const hourAgo = new Date(now.getTime() - 3600_000);
  const { rows } = await sql<Record<string, unknown>>`
    with recs as (${records(since)})
    select a.id, a.name, a.role, a.team, a.vendor, a.status,
      count(r.action) filter (where r.action = 'view' and r.time >= ${hourAgo})::int as views_last_hour,
      count(r.action) filter (where r.action = 'view')::int as views,
      count(distinct r.customer_id)::int as customers,
      count(r.action) filter (where r.action = 'grant_use')::int as reveals,
      count(r.action) filter (where r.action = 'reveal_request' and r.e->>'decision' = 'allow')::int as reveal_requests,
      count(r.action) filter (where r.e->>'decision' = 'deny')::int as denials,
      count(r.action) filter (where r.action = 'verify' and r.e->'details'->>'matched' = 'false')::int as failed_verifies,
      max(r.time) as last_seen
    from agents a left join recs r on r.agent_id = a.id and r.time <= ${now}
    group by a.id, a.name, a.role, a.team, a.vendor, a.status
    order by a.id limit 2000`.execute(db);
  return rows.map((r) => ({
    id: String(r.id), name: String(r.name), role: r.role as AgentActivity['role'], team: String(r.team), vendor: String(r.vendor),
    status: r.status as AgentActivity['status'], viewsLastHour: Number(r.views_last_hour), views: Number(r.views),
    customers: Number(r.customers), reveals: Number(r.reveals), revealRequests: Number(r.reveal_requests), denials: Number(r.denials),
    failedVerifies: Number(r.failed_verifies), lastSeenAt: r.last_seen ? new Date(r.last_seen as string).toISOString() : null,
  }));
}

/** Activity over time: counts per bucket of `bucketMinutes` from `from` (aligned to the
 *  bucket) to `to`, per agent or per team, of views only or of every decision. */
export interface ActivitySeries {
  readonly buckets: readonly string[];
  readonly series: readonly { readonly key: string; readonly label: string; readonly total: number; readonly counts: readonly number[] }[];
}

/** Counts per (bucket, agent|team); the `limit` busiest series, the rest summed as `others`. */
export async function activityOverTime(
  db: BrokerDb, opts: { from: Date; to: Date; bucketMinutes: number; by: 'agent' | 'team'; metric: 'views' | 'decisions' | 'denials'; limit: number },
): Promise<ActivitySeries> {
  const step = opts.bucketMinutes * 60_000;
  const from = new Date(Math.floor(opts.from.getTime() / step) * step);
  const key = opts.by === 'agent' ? sql.ref('r.agent_id') : sql.ref('a.team');
  const metric = opts.metric === 'views' ? sql`r.action = 'view'` : opts.metric === 'denials' ? sql`r.e->>'decision' = 'deny'` : sql`true`;
  const { rows } = await sql<{ bucket: Date | string; key: string | null; n: number }>`
    with recs as (${records(from)})
    select date_bin(${`${opts.bucketMinutes} minutes`}::interval, r.time, ${from}::timestamptz) as bucket, ${key} as key, count(*)::int as n
    from recs r left join agents a on a.id = r.agent_id
    where r.time <= ${opts.to} and r.agent_id is not null and ${metric}
    group by 1, 2`.execute(db);
  const n = Math.max(1, Math.ceil((opts.to.getTime() - from.getTime() + 1) / step));
  const buckets = Array.from({ length: n }, (_, i) => new Date(from.getTime() + i * step).toISOString());
  const byKey = new Map<string, number[]>();
  for (const r of rows) {
    const k = r.key ?? 'unknown';
    const i = Math.floor((new Date(r.bucket).getTime() - from.getTime()) / step);
    if (i < 0 || i >= n) continue;
    const counts = byKey.get(k) ?? new Array<number>(n).fill(0);
    counts[i] = (counts[i] ?? 0) + Number(r.n);
    byKey.set(k, counts);
  }
  const all = [...byKey].map(([k, counts]) => ({ key: k, counts, total: counts.reduce((a, b) => a + b, 0) })).sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
  const top = all.slice(0, opts.limit);
  const rest = all.slice(opts.limit);
  const names = opts.by === 'agent' && top.length > 0
    ? new Map((await db.selectFrom('agents').select(['id', 'name']).where('id', 'in', top.map((s) => s.key)).execute()).map((a) => [a.id, a.name]))
    : new Map<string, string>();
  const series = top.map((s) => ({ ...s, label: names.get(s.key) ?? s.key }));
  if (rest.length > 0) {
    const counts = buckets.map((_, i) => rest.reduce((a, s) => a + (s.counts[i] ?? 0), 0));
    series.push({ key: 'others', label: `${rest.length} others`, counts, total: counts.reduce((a, b) => a + b, 0) });
  }
  return { buckets, series };
}

/** Filters of the audit explorer (all optional; ids are matched exactly). */
export interface AuditFilter {
  readonly agentId?: string | undefined;
  readonly customerId?: string | undefined;
  readonly ticketId?: string | undefined;
  readonly action?: AuditAction | undefined;
  readonly decision?: 'allow' | 'deny' | undefined;
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
}

/** One explorer row: the record and its sequence number (null while still pending). */
export interface AuditRow {
  readonly seq: number | null;
  readonly record: AuditRecord;
}

const parse = (entry: unknown): AuditRecord => (typeof entry === 'string' ? JSON.parse(entry) : entry) as AuditRecord;

/** The newest records matching `f`: on the first page (no `before`) the pending ones (at most
 *  `limit`) and then at most `limit` integrated ones with seq < `before`, newest first.
 *  `nextBefore` is the cursor of the next page, or null at the end. Paginated by key. */
export async function auditPage(db: BrokerDb, f: AuditFilter, before: number | undefined, limit: number): Promise<{ rows: AuditRow[]; nextBefore: number | null }> {
  let q = db.selectFrom('audit_log').select(['seq', 'entry']).orderBy('seq', 'desc').limit(limit + 1);
  if (f.agentId) q = q.where('agent_id', '=', f.agentId);
  if (f.customerId) q = q.where('customer_id', '=', f.customerId);
  if (f.ticketId) q = q.where('ticket_id', '=', f.ticketId);
  if (f.action) q = q.where('action', '=', f.action);
  if (f.decision) q = q.where(sql<boolean>`entry::jsonb->>'decision' = ${f.decision}`);
  if (f.from) q = q.where('time', '>=', f.from);
  if (f.to) q = q.where('time', '<=', f.to);
  if (before !== undefined) q = q.where('seq', '<', before);
  const integrated = await q.execute();
  const more = integrated.length > limit;
  const rows: AuditRow[] = before === undefined ? await pendingRows(db, f, limit) : [];
  for (const r of integrated.slice(0, limit)) rows.push({ seq: Number(r.seq), record: parse(r.entry) });
  return { rows, nextBefore: more ? Number(integrated[limit - 1]?.seq) : null };
}

async function pendingRows(db: BrokerDb, f: AuditFilter, limit: number): Promise<AuditRow[]> {
  let q = db.selectFrom('audit_pending').select(['id', 'entry']).orderBy('id', 'desc').limit(limit);
  const eq = (key: string, v: string) => sql<boolean>`entry->>${key} = ${v}`;
  if (f.agentId) q = q.where(eq('agentId', f.agentId));
  if (f.customerId) q = q.where(eq('customerId', f.customerId));
  if (f.ticketId) q = q.where(eq('ticketId', f.ticketId));
  if (f.action) q = q.where(eq('action', f.action));
  if (f.decision) q = q.where(eq('decision', f.decision));
  if (f.from) q = q.where(sql<boolean>`(entry->>'time')::timestamptz >= ${f.from}`);
  if (f.to) q = q.where(sql<boolean>`(entry->>'time')::timestamptz <= ${f.to}`);
  return (await q.execute()).map((r) => ({ seq: null, record: parse(r.entry) }));
}
