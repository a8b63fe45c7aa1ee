// A supervisor extends an agent's budget: `extra` more units of one budget for the length of its
// window (an hour or a shift), recorded on the audit log like every other decision. Supervisors
// and security only, never for themselves. docs/design/detect.md "Budgets".
import { loadAgent } from '../access/agents.js';
import { newId } from '../access/ids.js';
import type { BrokerDeps, RequestContext } from '../access/model.js';
import { audited, denial } from '../access/recorder.js';
import { KeyholeError } from '../shared/errors.js';
import { BUDGET_WINDOW_MS, budgetsFor, type BudgetName, type Budgets, type DetectConfig } from './config.js';
import type { DetectDb } from './containment.js';

/** The outcome of an extension. */
export interface BudgetExtension {
  readonly id: string;
  readonly agentId: string;
  readonly budget: BudgetName;
  readonly extra: number;
  readonly expiresAt: string;
}

/** Grants `extra` (1…1000) more of `budget` to `agentId` until the budget's window has passed.
 *  @throws KeyholeError FORBIDDEN (an agent, or oneself), NOT_FOUND (no such agent). */
export function extendBudget(
  deps: BrokerDeps, ctx: RequestContext, agentId: string, budget: BudgetName, extra: number, reason: string,
): Promise<BudgetExtension> {
  return audited(deps, ctx, async (trx, rec) => {
    const deny = { action: 'budget_extend' as const, customerId: null, ticketId: null, decision: 'deny' as const, details: { target: agentId, budget, extra } };
    if (ctx.agent.role === 'agent' || ctx.agent.id === agentId) {
      throw denial('FORBIDDEN', { ...deny, reason: 'only a supervisor or security extends budgets, never their own' });
    }
    if (!Number.isInteger(extra) || extra < 1 || extra > 1000) throw new KeyholeError('VALIDATION_FAILED', 'extra must be a whole number from 1 to 1000.');
    if (!(await loadAgent(trx, agentId))) throw new KeyholeError('NOT_FOUND', 'No such agent.');
    const now = deps.clock.now();
    const expiresAt = new Date(now.getTime() + BUDGET_WINDOW_MS[budget]);
    const id = newId('bud');
    await (trx as unknown as DetectDb).insertInto('detect_budget_extensions').values({
      id, agent_id: agentId, budget, extra, granted_by: ctx.agent.id, reason, created_at: now, expires_at: expiresAt,
    }).execute();
    await rec.append({ action: 'budget_extend', customerId: null, ticketId: null, decision: 'allow', reason, details: { target: agentId, budget, extra, expiresAt: expiresAt.toISOString() } });
    return { id, agentId, budget, extra, expiresAt: expiresAt.toISOString() };
  });
}

/** The budgets of `agentId` now: the configured limits plus live extensions.
 *  @throws KeyholeError NOT_FOUND. */
export async function currentBudgets(db: DetectDb, config: DetectConfig, agentId: string, now: Date): Promise<{ limits: Budgets; extensions: BudgetExtension[] }> {
  const agent = await db.selectFrom('agents').select(['role', 'team']).where('id', '=', agentId).executeTakeFirst();
  if (!agent) throw new KeyholeError('NOT_FOUND', 'No such agent.');
  const rows = await db.selectFrom('detect_budget_extensions').select(['id', 'budget', 'extra', 'expires_at']).where('agent_id', '=', agentId).where('expires_at', '>', now).execute();
  const limits = { ...budgetsFor(config, agent.role, agent.team) };
  for (const r of rows) limits[r.budget] += r.extra;
  return { limits, extensions: rows.map((r) => ({ id: r.id, agentId, budget: r.budget, extra: r.extra, expiresAt: r.expires_at.toISOString() })) };
}
