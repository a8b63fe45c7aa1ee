// The detectors' context read from the database: agents (role, team, vendor, hire date) with
// their roster, and customers' tier and decoy flag. Preloaded per batch so the engine's lookups
// stay synchronous; bounded caches.
import type { AgentFacts, CustomerFacts, DetectContext, BalanceTier } from './context.js';
import type { DetectDb } from './containment.js';

const MAX_CUSTOMERS = 200_000;
/** The agent list is re-read at most this often (event time, ms), or when an unknown agent shows. */
const AGENT_REFRESH_MS = 10 * 60_000;

/** A DetectContext over the database, filled by `preload`. */
export class DbContext implements DetectContext {
  readonly #db: DetectDb;
  #agents = new Map<string, AgentFacts>();
  #customers = new Map<string, CustomerFacts>();
  #agentsAt = -Infinity;

  constructor(db: DetectDb) {
    this.#db = db;
  }

  agent(id: string): AgentFacts | undefined {
    return this.#agents.get(id);
  }

  customer(id: string): CustomerFacts | undefined {
    return this.#customers.get(id);
  }

  /** Makes every agent and customer named in `records` available; `t` is the batch's time. */
  async preload(records: ReadonlyArray<{ agentId: string | null; customerId: string | null; details: Readonly<Record<string, unknown>> }>, t: number): Promise<void> {
    const agentIds = new Set<string>();
    const customerIds = new Set<string>();
    for (const r of records) {
      for (const id of [r.agentId, r.details.assignee, r.details.to, r.details.target]) if (typeof id === 'string') agentIds.add(id);
      if (r.customerId && !this.#customers.has(r.customerId)) customerIds.add(r.customerId);
    }
    if (t - this.#agentsAt > AGENT_REFRESH_MS || [...agentIds].some((id) => !this.#agents.has(id))) await this.#loadAgents(t);
    if (customerIds.size > 0) await this.#loadCustomers([...customerIds]);
  }

  async #loadAgents(t: number): Promise<void> {
    const rows = await this.#db.selectFrom('agents as a').leftJoin('detect_agent_profiles as p', 'p.agent_id', 'a.id')
      .select(['a.id', 'a.role', 'a.team', 'a.vendor', 'a.regions', 'a.created_at', 'p.shift_start_min', 'p.shift_minutes', 'p.work_days']).execute();
    this.#agents = new Map(rows.map((r) => [r.id, {
      id: r.id, role: r.role, team: r.team, vendor: r.vendor, regions: [...r.regions].sort(), hiredAt: new Date(r.created_at).getTime(),
      shift: r.shift_start_min === null || r.shift_minutes === null ? undefined : { startMin: r.shift_start_min, minutes: r.shift_minutes, days: r.work_days ?? 127 },
    }]));
    this.#agentsAt = t;
  }

  async #loadCustomers(ids: string[]): Promise<void> {
    if (this.#customers.size + ids.length > MAX_CUSTOMERS) this.#customers.clear();
    for (let i = 0; i < ids.length; i += 1000) {
      const rows = await this.#db.selectFrom('customers').select(['id', 'tier', 'is_decoy']).where('id', 'in', ids.slice(i, i + 1000)).execute();
      for (const r of rows) this.#customers.set(r.id, { tier: toTier(r.tier), decoy: r.is_decoy });
    }
  }
}

function toTier(t: string): BalanceTier {
  return t === 'vip' || t === 'pro' ? t : 'standard';
}
