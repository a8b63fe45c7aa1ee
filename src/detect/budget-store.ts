// The budget counters in the database, read and written inside the request's own transaction
// (so they commit or roll back with it): one row per agent (migration 0040) holding the
// customers touched with their last touch and the times of counted lookups and reveal
// requests, plus the supervisors' live extensions. Sliding windows (last hour, last shift of
// 12 h). The row is read under a row lock (which serializes the agent's requests) and written
// back once per allowed request: two precompiled statements per guarded request, whatever the
// agent's volume, instead of a lock, four counts and two inserts; a view folds the read into its
// first statement (LOCK_READ_EXPRESSION). docs/design/detect.md "Budgets".
import { CompiledQuery, type Kysely } from 'kysely';
import type { BudgetUsage, GuardedAction } from './budget-rules.js';
import { BUDGET_WINDOW_MS, type BudgetName } from './config.js';
import { prepared } from '../store/prepared.js';
import type { DetectTables } from './tables.js';

/** One agent's counters as read under the lock. Times are epoch ms. */
export interface BudgetCounters {
  readonly touches: Readonly<Record<string, number>>;
  readonly lookups: readonly number[];
  readonly reveals: readonly number[];
}

const HOUR = BUDGET_WINDOW_MS.customersPerHour;
const SHIFT = BUDGET_WINDOW_MS.customersPerShift;

// The counters row of $1 under a row lock: after a wait it is the latest committed version
// (READ COMMITTED re-reads a locked row), so concurrent requests cannot both take the last
// unit of a budget. The extensions are read in the same statement.
const LOCK_READ = prepared(`select c.touches, c.lookups, c.reveals,
  (select coalesce(json_agg(json_build_object('budget', x.budget, 'extra', x.extra)), '[]'::json)
     from detect_budget_extensions x where x.agent_id = $1 and x.expires_at > $2) as ext
  from detect_budget_counters c where c.agent_id = $1 for update of c`);
/** The same read as one SQL expression (a json object {touches, lookups, reveals, ext}, or null
 *  when the agent has no counters row yet) for the broker to fold into a view's first statement
 *  (AccessGuard.prefetch): $2 is the agent id, $3 the request time. It takes the same row lock
 *  (a locking clause in a sub-SELECT locks, and after a wait reads the newest version, as the
 *  statement above does). */
export const LOCK_READ_EXPRESSION = `(select json_build_object('touches', c.touches, 'lookups', c.lookups, 'reveals', c.reveals, 'ext',
    (select coalesce(json_agg(json_build_object('budget', x.budget, 'extra', x.extra)), '[]'::json)
       from detect_budget_extensions x where x.agent_id = $2 and x.expires_at > $3))
  from detect_budget_counters c where c.agent_id = $2 for update of c)`;
const CREATE = prepared('insert into detect_budget_counters (agent_id) values ($1) on conflict (agent_id) do nothing');
const WRITE = prepared('update detect_budget_counters set touches = $2::jsonb, lookups = $3::jsonb, reveals = $4::jsonb where agent_id = $1');

interface LockedRow { touches: unknown; lookups: unknown; reveals: unknown; ext: unknown }

const parsed = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/** Usage of `agentId` before a request on `customerId` at `at`, the live extensions, and the
 *  counters to hand to recordUsage. A null `customerId` (a lookup miss) is a customer not seen
 *  in any window. Locks the agent's counters row until the transaction ends (creating it on
 *  first use). `prefetched`, when given, is the value of LOCK_READ_EXPRESSION read (and
 *  locked) earlier in this same transaction for this agent at this time; null or absent reads
 *  here. MUST run inside a transaction. */
export async function readUsage(
  trx: Kysely<DetectTables>, agentId: string, customerId: string | null, at: Date, prefetched?: unknown,
): Promise<{ usage: BudgetUsage; extensions: Array<{ budget: BudgetName; extra: number }>; counters: BudgetCounters }> {
  let row = prefetched !== null && typeof prefetched === 'object' ? (prefetched as LockedRow) : undefined;
  if (row === undefined) {
    let r = await trx.executeQuery<LockedRow>(CompiledQuery.raw(LOCK_READ, [agentId, at]));
    if (r.rows.length === 0) {
      await trx.executeQuery(CompiledQuery.raw(CREATE, [agentId]));
      r = await trx.executeQuery<LockedRow>(CompiledQuery.raw(LOCK_READ, [agentId, at]));
    }
    row = r.rows[0];
  }
  if (!row) throw new Error('budget counters row missing after insert');
  const counters: BudgetCounters = {
    touches: parsed<Record<string, number>>(row.touches), lookups: parsed<number[]>(row.lookups), reveals: parsed<number[]>(row.reveals),
  };
  const now = at.getTime();
  const prev = customerId === null ? undefined : counters.touches[customerId];
  let ch = 0;
  let cs = 0;
  for (const t of Object.values(counters.touches)) {
    if (t > now - HOUR) ch++;
    if (t > now - SHIFT) cs++;
  }
  return {
    usage: {
      seenInHour: prev !== undefined && prev > now - HOUR,
      seenInShift: prev !== undefined && prev > now - SHIFT,
      customersInHour: ch, customersInShift: cs,
      lookupsInHour: counters.lookups.filter((t) => t > now - BUDGET_WINDOW_MS.lookupsPerHour).length,
      revealsInShift: counters.reveals.filter((t) => t > now - BUDGET_WINDOW_MS.revealsPerShift).length,
    },
    extensions: parsed<Array<{ budget: BudgetName; extra: number }>>(row.ext),
    counters,
  };
}

/** Counts an allowed request on the locked `counters` of `agentId` (from readUsage in the same
 *  transaction): the customer's last touch (none for a lookup miss, `customerId` null), and the
 *  lookup or reveal. Entries no window can see any more are dropped. */
export async function recordUsage(
  trx: Kysely<DetectTables>, agentId: string, counters: BudgetCounters, customerId: string | null, action: GuardedAction, at: Date,
): Promise<void> {
  const w = usageWrite(agentId, counters, customerId, action, at);
  await trx.executeQuery(CompiledQuery.raw(w.sql, [...w.params]));
}

/** The statement recordUsage runs, for a caller that runs it itself in the same transaction
 *  (AccessGuard deferred write): `{ sql, params }` with parameters $1…$4. */
export function usageWrite(
  agentId: string, counters: BudgetCounters, customerId: string | null, action: GuardedAction, at: Date,
): { sql: string; params: readonly unknown[] } {
  const now = at.getTime();
  const horizon = now - Math.max(...Object.values(BUDGET_WINDOW_MS));
  const touches: Record<string, number> = {};
  for (const [c, t] of Object.entries(counters.touches)) if (t > horizon) touches[c] = t;
  if (customerId !== null) touches[customerId] = Math.max(now, touches[customerId] ?? 0);
  const keep = (xs: readonly number[], window: number) => xs.filter((t) => t > now - window);
  const lookups = keep(counters.lookups, BUDGET_WINDOW_MS.lookupsPerHour);
  const reveals = keep(counters.reveals, BUDGET_WINDOW_MS.revealsPerShift);
  if (action === 'lookup') lookups.push(now);
  if (action === 'reveal_request') reveals.push(now);
  return { sql: WRITE, params: [agentId, JSON.stringify(touches), JSON.stringify(lookups), JSON.stringify(reveals)] };
}

/** Deletes extensions that have expired by `at`, and the rows of the pre-0040 counter tables
 *  that no window can see any more. */
export async function pruneBudgets(db: Kysely<DetectTables>, at: Date): Promise<void> {
  const horizon = new Date(at.getTime() - Math.max(...Object.values(BUDGET_WINDOW_MS)));
  await db.deleteFrom('detect_budget_touches').where('last_at', '<=', horizon).execute();
  await db.deleteFrom('detect_budget_events').where('at', '<=', horizon).execute();
  await db.deleteFrom('detect_budget_extensions').where('expires_at', '<=', at).execute();
}
