// Summaries of many simulated runs: per scenario the accounts before containment (median, p90,
// max), the time to containment, the containment rate and the detectors behind it; over the
// benign agents of every run, false containments and alerts per 1,000 agent-days.
import type { RunResult } from './simulator.js';
import type { Scenario } from './scenarios.js';

/** The q-quantile (0…1) of `xs` by the nearest-rank method (NaN for an empty list). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
}

/** Median, p90 and max of a list. */
export interface Spread {
  readonly median: number;
  readonly p90: number;
  readonly max: number;
}

const spread = (xs: readonly number[]): Spread => ({ median: quantile(xs, 0.5), p90: quantile(xs, 0.9), max: xs.length ? Math.max(...xs) : NaN });
const round = (x: number, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

/** One scenario's summary. */
export interface ScenarioSummary {
  readonly scenario: string;
  readonly kind: 'insider' | 'benign';
  readonly title: string;
  readonly basis: string;
  readonly runs: number;
  readonly abc?: { readonly median: number | null; readonly p90: number | null; readonly max: number | null };
  readonly timeToContainmentHours?: { readonly median: number | null; readonly p90: number | null; readonly max: number | null };
  readonly containedRuns?: number;
  readonly target?: { readonly abcMax: number; readonly group: string; readonly met: boolean };
  readonly detectedBy?: Readonly<Record<string, number>>;
  readonly falseContainments: number;
  readonly alerts: number;
  readonly agentDays: number;
}

/** Summarizes the runs of `scenario` (insider measures only for insider scenarios; a run whose
 *  insider was never contained counts its ABC at the end of the run and an infinite time). */
export function summarizeScenario(scenario: Scenario, runs: readonly RunResult[]): ScenarioSummary {
  const base = {
    scenario: scenario.name, kind: scenario.kind, title: scenario.title, basis: scenario.basis, runs: runs.length,
    falseContainments: runs.reduce((a, r) => a + r.falseContainments, 0), alerts: runs.reduce((a, r) => a + r.benignAlerts, 0),
    agentDays: runs.reduce((a, r) => a + r.agentDays, 0),
  };
  if (scenario.kind === 'benign') return base;
  const abc = spread(runs.map((r) => r.abc));
  const ttc = spread(runs.map((r) => (r.ttcMs === null ? Infinity : r.ttcMs / 3_600_000)));
  const detectedBy: Record<string, number> = {};
  for (const r of runs) if (r.detectedBy[0]) detectedBy[r.detectedBy[0]] = (detectedBy[r.detectedBy[0]] ?? 0) + 1;
  return {
    ...base,
    abc: { median: round(abc.median), p90: round(abc.p90), max: round(abc.max) },
    timeToContainmentHours: { median: round(ttc.median), p90: round(ttc.p90), max: round(ttc.max) },
    containedRuns: runs.filter((r) => r.contained).length,
    ...(scenario.target !== undefined ? { target: { abcMax: scenario.target, group: scenario.group ?? '', met: abc.max <= scenario.target && runs.every((r) => r.contained) } } : {}),
    detectedBy,
  };
}

/** False containments and alerts of benign agents per 1,000 agent-days, over `runs`. */
export function benignRates(runs: readonly RunResult[]): { agentDays: number; falseContainments: number; alerts: number; falseContainmentsPer1000: number; alertsPer1000: number } {
  const agentDays = runs.reduce((a, r) => a + r.agentDays, 0);
  const falseContainments = runs.reduce((a, r) => a + r.falseContainments, 0);
  const alerts = runs.reduce((a, r) => a + r.benignAlerts, 0);
  const per = (x: number) => (agentDays > 0 ? Math.round((x / agentDays) * 1000 * 1000) / 1000 : 0);
  return { agentDays, falseContainments, alerts, falseContainmentsPer1000: per(falseContainments), alertsPer1000: per(alerts) };
}
