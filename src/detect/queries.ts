// Reads for the security dashboard: the alerts, newest first, each with its explanation, and an
// agent's current risk (decayed to now), thresholds, latest alerts and open containment.
import { KeyholeError } from '../shared/errors.js';
import type { DetectConfig } from './config.js';
import type { DetectDb } from './containment.js';
import type { RiskState } from './agent-state.js';
import { riskTrajectory } from './risk.js';

/** An alert as the API shows it. */
export interface AlertView {
  readonly id: string;
  readonly agentId: string;
  readonly kind: string;
  readonly risk: number;
  readonly at: string;
  readonly seq: number | null;
  readonly summary: string;
  readonly explanation: unknown;
  readonly createdAt: string;
}

/** Alerts newest first (at most `limit`, default 100), optionally of one agent or kind. */
export async function listAlerts(db: DetectDb, opts: { agentId?: string | undefined; kind?: string | undefined; limit?: number | undefined } = {}): Promise<AlertView[]> {
  let q = db.selectFrom('detect_alerts').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(Math.min(opts.limit ?? 100, 500));
  if (opts.agentId) q = q.where('agent_id', '=', opts.agentId);
  if (opts.kind) q = q.where('kind', '=', opts.kind as 'alert');
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id, agentId: r.agent_id, kind: r.kind, risk: r.risk, at: r.at.toISOString(), seq: r.seq, summary: r.summary,
    explanation: typeof r.explanation === 'string' ? JSON.parse(r.explanation) : r.explanation, createdAt: r.created_at.toISOString(),
  }));
}

/** One agent's risk. */
export interface AgentRiskView {
  readonly agentId: string;
  readonly status: 'active' | 'suspended';
  readonly risk: number;
  readonly level: 'none' | 'alert' | 'step_up' | 'contain';
  readonly stepUp: boolean;
  readonly thresholds: { readonly alert: number; readonly stepUp: number; readonly contain: number; readonly halfLifeHours: number };
  readonly asOfSeq: number | null;
  readonly alerts: readonly AlertView[];
  readonly containment: { readonly id: string; readonly openedAt: string; readonly reason: string; readonly source: string } | null;
  /** The score after each of the agent's latest signals (at most 16), oldest first, each with
   *  the detector, its points, its explanation in words and the log entries behind it. */
  readonly trajectory: ReadonlyArray<{ readonly at: string; readonly risk: number; readonly detector: string; readonly points: number; readonly summary: string; readonly seqs: readonly number[] }>;
}

/** The risk of `agentId` decayed to `now`. @throws KeyholeError NOT_FOUND (no such agent). */
export async function agentRisk(db: DetectDb, config: DetectConfig, agentId: string, now: Date): Promise<AgentRiskView> {
  const agent = await db.selectFrom('agents').select('status').where('id', '=', agentId).executeTakeFirst();
  if (!agent) throw new KeyholeError('NOT_FOUND', 'No such agent.');
  const r = await db.selectFrom('detect_agent_risk').selectAll().where('agent_id', '=', agentId).executeTakeFirst();
  const c = await db.selectFrom('detect_containments').select(['id', 'opened_at', 'reason', 'source']).where('agent_id', '=', agentId).where('status', '=', 'open')
    .orderBy('opened_at', 'desc').executeTakeFirst();
  const hours = r ? Math.max(0, now.getTime() - r.risk_at.getTime()) / 3_600_000 : 0;
  return {
    agentId, status: agent.status,
    risk: r ? Math.round(r.risk * 2 ** (-hours / config.risk.halfLifeHours) * 1000) / 1000 : 0,
    level: r?.level ?? 'none', stepUp: r?.step_up ?? false,
    thresholds: { alert: config.risk.alert, stepUp: config.risk.stepUp, contain: config.risk.contain, halfLifeHours: config.risk.halfLifeHours },
    asOfSeq: r?.last_seq ?? null,
    alerts: await listAlerts(db, { agentId, limit: 20 }),
    containment: c ? { id: c.id, openedAt: c.opened_at.toISOString(), reason: c.reason, source: c.source } : null,
    trajectory: await trajectoryOf(db, config, agentId),
  };
}

/** The risk trajectory of `agentId` from the detector consumer's stored state (empty before its
 *  first signal). */
async function trajectoryOf(db: DetectDb, config: DetectConfig, agentId: string): Promise<AgentRiskView['trajectory']> {
  const row = await db.selectFrom('detect_state').select('state').where('consumer', '=', 'detect').where('key', '=', `a:${agentId}`).executeTakeFirst();
  const state = (row ? (typeof row.state === 'string' ? JSON.parse(row.state) : row.state) : undefined) as { risk?: RiskState } | undefined;
  if (!state?.risk) return [];
  return riskTrajectory(config.risk, state.risk).map((s) => ({ at: new Date(s.t).toISOString(), risk: s.risk, detector: s.detector, points: s.points, summary: s.summary, seqs: [...s.seqs] }));
}
