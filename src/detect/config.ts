// Configuration of detection: the in-line budgets per role and team, the risk score's half-life
// and thresholds, and the detectors' parameters. Plain data with defaults; KEYHOLE_DETECT_CONFIG
// (JSON) may override any part. docs/design/detect.md "Budgets", "Risk".
import { z } from 'zod';

/** The budgets of one agent, as sliding windows: distinct customers touched in the last hour
 *  and the last shift (12 h), reveal requests in the last shift, lookups in the last hour. */
export interface Budgets {
  readonly customersPerHour: number;
  readonly customersPerShift: number;
  readonly revealsPerShift: number;
  readonly lookupsPerHour: number;
}

/** The name of one budget. */
export type BudgetName = keyof Budgets;

/** Every budget name. */
export const BUDGET_NAMES: readonly BudgetName[] = ['customersPerHour', 'customersPerShift', 'revealsPerShift', 'lookupsPerHour'];

/** The window of each budget in ms: one hour, or one shift of 12 hours. */
export const BUDGET_WINDOW_MS: Readonly<Record<BudgetName, number>> = {
  customersPerHour: 3600_000, customersPerShift: 12 * 3600_000, revealsPerShift: 12 * 3600_000, lookupsPerHour: 3600_000,
};

/** Risk score: points decay exponentially with `halfLifeHours`; crossing `alert` raises an
 *  alert, `stepUp` makes every reveal of the agent need a security approver, `contain`
 *  suspends the agent. A level re-arms when the score decays below half its threshold. */
export interface RiskConfig {
  readonly halfLifeHours: number;
  readonly alert: number;
  readonly stepUp: number;
  readonly contain: number;
}

/** All of detection's settings. */
export interface DetectConfig {
  /** Budgets by role; `teams` overrides by team name (e.g. a VIP desk or QA). */
  readonly budgets: { readonly roles: Readonly<Record<string, Budgets>>; readonly teams: Readonly<Record<string, Partial<Budgets>>> };
  readonly risk: RiskConfig;
  /** Minutes of slack around a rostered shift before activity counts as off-shift. */
  readonly shiftSlackMinutes: number;
  /** Days without activity after which the next activity is a dormancy signal. */
  readonly dormantDays: number;
  /** Window of the collusion detector in days. */
  readonly collusionDays: number;
}

const AGENT_BUDGETS: Budgets = { customersPerHour: 40, customersPerShift: 160, revealsPerShift: 15, lookupsPerHour: 15 };

/** The defaults. Budgets are hard caps at about three times a busy agent's volume (a surge day
 *  must fit); the detectors do the fine-grained work below them. */
export const DEFAULT_DETECT_CONFIG: DetectConfig = {
  budgets: {
    roles: {
      agent: AGENT_BUDGETS,
      supervisor: { customersPerHour: 60, customersPerShift: 240, revealsPerShift: 30, lookupsPerHour: 20 },
      security: { customersPerHour: 120, customersPerShift: 600, revealsPerShift: 60, lookupsPerHour: 60 },
    },
    teams: {
      'vip-desk': { revealsPerShift: 30 },
      qa: { customersPerHour: 60, customersPerShift: 300 },
    },
  },
  risk: { halfLifeHours: 48, alert: 10, stepUp: 16, contain: 24 },
  shiftSlackMinutes: 60,
  dormantDays: 6,
  collusionDays: 14,
};

/** The budgets of an agent of `role` in `team`: the role's, overridden by the team's entries
 *  (a team name matches exactly, or as the prefix before the first `-`, so `qa-atlas-cx` gets
 *  the `qa` overrides). Unknown roles get the `agent` budgets. */
export function budgetsFor(config: DetectConfig, role: string, team: string): Budgets {
  const base = config.budgets.roles[role] ?? config.budgets.roles.agent ?? AGENT_BUDGETS;
  const over = config.budgets.teams[team] ?? config.budgets.teams[team.split('-')[0] as string] ?? {};
  return { ...base, ...over };
}

const BudgetsSchema = z.strictObject({
  customersPerHour: z.number().int().positive(), customersPerShift: z.number().int().positive(),
  revealsPerShift: z.number().int().positive(), lookupsPerHour: z.number().int().positive(),
});
const OverrideSchema = z.strictObject({
  budgets: z.strictObject({ roles: z.record(z.string(), BudgetsSchema).optional(), teams: z.record(z.string(), BudgetsSchema.partial()).optional() }).optional(),
  risk: z.strictObject({ halfLifeHours: z.number().positive(), alert: z.number().positive(), stepUp: z.number().positive(), contain: z.number().positive() }).partial().optional(),
  shiftSlackMinutes: z.number().int().min(0).optional(),
  dormantDays: z.number().positive().optional(),
  collusionDays: z.number().positive().optional(),
});

/** The defaults with `json` (KEYHOLE_DETECT_CONFIG, operator-supplied) merged over them.
 *  @throws Error when the JSON is malformed or the thresholds are not increasing. */
export function loadDetectConfig(json: string | undefined, base: DetectConfig = DEFAULT_DETECT_CONFIG): DetectConfig {
  if (json === undefined || json.trim() === '') return base;
  const o = OverrideSchema.parse(JSON.parse(json));
  const risk = { ...base.risk, ...o.risk };
  if (!(risk.alert < risk.stepUp && risk.stepUp < risk.contain)) throw new Error('detect config: risk thresholds must satisfy alert < stepUp < contain');
  return {
    budgets: { roles: { ...base.budgets.roles, ...o.budgets?.roles }, teams: { ...base.budgets.teams, ...o.budgets?.teams } },
    risk,
    shiftSlackMinutes: o.shiftSlackMinutes ?? base.shiftSlackMinutes,
    dormantDays: o.dormantDays ?? base.dormantDays,
    collusionDays: o.collusionDays ?? base.collusionDays,
  };
}
