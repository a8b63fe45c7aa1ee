// The in-line guard of DESIGN.md: asked by the broker inside each request's transaction, before
// any customer data is read. Fail closed, in this order: a suspended agent is denied; a decoy
// (honeytoken) customer or ticket is denied and the agent contained; a request past a budget is
// denied (the detectors raise the alert from the denial on the log) until a supervisor extends
// it. docs/design/detect.md "The guard".
import type { AccessGuard, GuardPrefetch, GuardRequest, GuardVerdict } from '../access/guard.js';
import type { Agent, BrokerDb } from '../access/model.js';
import type { BrokerEvents } from '../access/events.js';
import type { Clock } from '../shared/clock.js';
import { budgetReason, decideBudget, withExtensions } from './budget-rules.js';
import { LOCK_READ_EXPRESSION, readUsage, recordUsage, usageWrite } from './budget-store.js';
import { budgetsFor, type DetectConfig } from './config.js';
import { containInTransaction, type DetectDb } from './containment.js';

/** What the guard runs on. */
export interface DetectGuardOptions {
  readonly db: DetectDb;
  readonly clock: Clock;
  readonly events: BrokerEvents;
  readonly config: DetectConfig;
}

/** The detect module's AccessGuard. */
export class DetectGuard implements AccessGuard {
  readonly #opts: DetectGuardOptions;
  /** The budget counters read (and row lock) folded into a view's first statement. */
  readonly prefetch: GuardPrefetch = { column: LOCK_READ_EXPRESSION };

  constructor(opts: DetectGuardOptions) {
    this.#opts = opts;
  }

  /** Decides `req` (see the file comment). Reads and writes the budget counters in `req.db`, the
   *  request's own transaction (or, when `req.deferWrite`, hands the write back in the verdict
   *  for the caller to run): a denied or failed request counts nothing. Never throws for a
   *  denial; a database error propagates and the broker denies (fail closed). */
  async check(req: GuardRequest): Promise<GuardVerdict> {
    if (req.agent.status === 'suspended') {
      return { allow: false, code: 'AGENT_SUSPENDED', reason: 'agent suspended', contain: false, rule: 'suspended' };
    }
    if (req.isDecoy) {
      return { allow: false, code: 'POLICY_DENIED', reason: `decoy ${req.ticketId ? 'ticket' : 'customer'} touched: agent contained`, contain: true, rule: 'decoy' };
    }
    const db = req.db as unknown as DetectDb;
    const { usage, extensions, counters } = await readUsage(db, req.agent.id, req.customerId, req.at, req.prefetched);
    const limits = withExtensions(budgetsFor(this.#opts.config, req.agent.role, req.agent.team), extensions);
    const d = decideBudget(req.action, limits, usage);
    if (!d.allow) {
      return { allow: false, code: 'BUDGET_EXCEEDED', reason: budgetReason(d), contain: false, rule: `budget:${d.budget}`, evidence: { limit: d.limit, used: d.used } };
    }
    if (req.deferWrite === true) return { allow: true, write: usageWrite(req.agent.id, counters, req.customerId, req.action, req.at) };
    await recordUsage(db, req.agent.id, counters, req.customerId, req.action, req.at);
    return { allow: true };
  }

  /** Contains `agent` at once (a decoy was touched): suspension and a containment record in one
   *  transaction, then `agent_status` and the suspension record are published. Called by the
   *  broker after the denial is recorded, outside the request's transaction. */
  async contain(agent: Agent, reason: string, requestId: string): Promise<void> {
    const { db, clock, events } = this.#opts;
    const c = await db.transaction().execute((trx) => containInTransaction(trx, {
      agentId: agent.id, source: 'guard', reason, triggerSeq: null, requestId, evidence: { rule: 'decoy', requestId }, now: clock.now(),
    }));
    if (!c) return;
    events.publish({ type: 'audit', record: c.record });
    events.publish({ type: 'agent_status', agentId: agent.id, status: 'suspended' });
  }

  /** True while the detectors hold `agentId` under step-up. */
  async requiresStepUp(db: BrokerDb, agentId: string): Promise<boolean> {
    const r = await (db as unknown as DetectDb).selectFrom('detect_agent_risk').select('step_up').where('agent_id', '=', agentId).executeTakeFirst();
    return r?.step_up === true;
  }
}
