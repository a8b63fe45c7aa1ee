// The budget counters in the database, read and written inside the request's own transaction
// (so they commit or roll back with it): distinct customers touched with their last touch,
// counted actions, and the supervisors' live extensions. Sliding windows (last hour, last
// shift of 12 h). docs/design/detect.md "Budgets".
import { sql, type Kysely } from 'kysely';
import type { BudgetUsage, GuardedAction } from './budget-rules.js';
import { BUDGET_WINDOW_MS, type BudgetName } from './config.js';
import type { DetectTables } from './tables.js';

/** Usage of `agentId` before a request on `customerId` at `at`, and the live extensions. A null
 *  `customerId` (a lookup miss) is a customer not seen in any window.
 *  Serializes with the agent's other requests (a transaction advisory lock), so concurrent
 *  requests cannot both take the last unit of a budget. MUST run inside a transaction. */
export async function readUsage(
  trx: Kysely<DetectTables>, agentId: string, customerId: string | null, at: Date,
): Promise<{ usage: BudgetUsage; extensions: Array<{ budget: BudgetName; extra: number }> }> {
  await sql`select pg_advisory_xact_lock(hashtext(${`detect-budget|${agentId}`}))`.execute(trx);
  const hourAgo = new Date(at.getTime() - BUDGET_WINDOW_MS.customersPerHour);
  const shiftAgo = new Date(at.getTime() - BUDGET_WINDOW_MS.customersPerShift);
  const r = await sql<{ prev: Date | null; ch: number | string; cs: number | string; lh: number | string; rs: number | string; ext: unknown }>`
    select
      (select last_at from detect_budget_touches where agent_id = ${agentId} and customer_id = ${customerId ?? ''}) as prev,
      (select count(*) from detect_budget_touches where agent_id = ${agentId} and last_at > ${hourAgo}) as ch,
      (select count(*) from detect_budget_touches where agent_id = ${agentId} and last_at > ${shiftAgo}) as cs,
      (select count(*) from detect_budget_events where agent_id = ${agentId} and kind = 'lookup' and at > ${hourAgo}) as lh,
      (select count(*) from detect_budget_events where agent_id = ${agentId} and kind = 'reveal' and at > ${shiftAgo}) as rs,
      (select coalesce(json_agg(json_build_object('budget', budget, 'extra', extra)), '[]'::json)
         from detect_budget_extensions where agent_id = ${agentId} and expires_at > ${at}) as ext`.execute(trx);
  const row = r.rows[0];
  if (!row) throw new Error('budget usage query returned no row');
  const prev = row.prev === null ? undefined : new Date(row.prev);
  const ext = (typeof row.ext === 'string' ? JSON.parse(row.ext) : row.ext) as Array<{ budget: BudgetName; extra: number }>;
  return {
    usage: {
      seenInHour: prev !== undefined && prev > hourAgo,
      seenInShift: prev !== undefined && prev > shiftAgo,
      customersInHour: Number(row.ch), customersInShift: Number(row.cs), lookupsInHour: Number(row.lh), revealsInShift: Number(row.rs),
    },
    extensions: ext,
  };
}

/** Counts an allowed request: the customer's last touch (none for a lookup miss), and the
 *  lookup or reveal. */
export async function recordUsage(trx: Kysely<DetectTables>, agentId: string, customerId: string | null, action: GuardedAction, at: Date): Promise<void> {
  if (customerId !== null) await trx.insertInto('detect_budget_touches').values({ agent_id: agentId, customer_id: customerId, last_at: at })
    .onConflict((oc) => oc.columns(['agent_id', 'customer_id']).doUpdateSet({ last_at: at })).execute();
  const kind = action === 'lookup' ? 'lookup' : action === 'reveal_request' ? 'reveal' : undefined;
  if (kind) await trx.insertInto('detect_budget_events').values({ agent_id: agentId, kind, at }).execute();
}

/** Deletes counters and extensions that no window can see any more (older than `at` − 12 h). */
export async function pruneBudgets(db: Kysely<DetectTables>, at: Date): Promise<void> {
  const horizon = new Date(at.getTime() - Math.max(...Object.values(BUDGET_WINDOW_MS)));
  await db.deleteFrom('detect_budget_touches').where('last_at', '<=', horizon).execute();
  await db.deleteFrom('detect_budget_events').where('at', '<=', horizon).execute();
  await db.deleteFrom('detect_budget_extensions').where('expires_at', '<=', at).execute();
}
