// The per-agent risk score: signal points that decay exponentially with a configurable
// half-life, and the three thresholds — alert, step-up, contain — each crossed at most once
// until the score decays below half the alert threshold (hysteresis). docs/design/detect.md "Risk".
import type { RiskState } from './agent-state.js';
import type { RiskConfig } from './config.js';
import type { ActionKind, Signal } from './signal.js';

const HOUR_MS = 3_600_000;
/** Signals kept per agent as the explanation of its next action. */
export const RECENT_SIGNALS = 16;

/** The score of `r` decayed to time `t` (ms); never negative, never grows. */
export function decayed(cfg: RiskConfig, r: RiskState, t: number): number {
  const dt = t - r.at;
  return dt <= 0 ? r.v : r.v * 2 ** (-dt / (cfg.halfLifeHours * HOUR_MS));
}

/** Brings `r` to time `t`: decays it and re-arms levels that fell below their hysteresis
 *  bound. Returns `clear_step_up` when a step-up lapses (the score fell below the alert level). */
export function advance(cfg: RiskConfig, r: RiskState, t: number): ActionKind | undefined {
  if (t <= r.at) return undefined;
  r.v = decayed(cfg, r, t);
  r.at = t;
  if (r.level === 3) return undefined; // containment ends only by a security reinstatement
  let out: ActionKind | undefined;
  if (r.stepUp && r.v < cfg.alert) {
    r.stepUp = false;
    out = 'clear_step_up';
  }
  if (r.level >= 2 && r.v < cfg.stepUp / 2) r.level = 1;
  if (r.level >= 1 && r.v < cfg.alert / 2) r.level = 0;
  return out;
}

/** Adds `s` to `r` (already advanced to `s.t`) and returns the highest newly crossed level, if any. */
export function addSignal(cfg: RiskConfig, r: RiskState, s: Signal): ActionKind | undefined {
  r.v += s.points;
  r.recent.push(s);
  if (r.recent.length > RECENT_SIGNALS) r.recent.shift();
  if (r.level < 3 && r.v >= cfg.contain) {
    r.level = 3;
    return 'contain';
  }
  if (r.level < 2 && r.v >= cfg.stepUp) {
    r.level = 2;
    r.stepUp = true;
    return 'step_up';
  }
  if (r.level < 1 && r.v >= cfg.alert) {
    r.level = 1;
    return 'alert';
  }
  return undefined;
}

/** Marks `r` contained at once (decoys) with at least the containment score. */
export function forceContain(cfg: RiskConfig, r: RiskState, s: Signal): void {
  r.v = Math.max(r.v + s.points, cfg.contain);
  r.level = 3;
  r.recent.push(s);
  if (r.recent.length > RECENT_SIGNALS) r.recent.shift();
}

/** Resets `r` after a reinstatement at `t`. */
export function resetRisk(r: RiskState, t: number): void {
  r.v = 0;
  r.at = t;
  r.level = 0;
  r.stepUp = false;
  r.recent = [];
}

/** One step of an agent's risk trajectory: the score just after signal `detector` added
 *  `points` at `t` (ms), with the signal's words and evidence. */
export interface RiskStep {
  readonly t: number;
  readonly risk: number;
  readonly detector: string;
  readonly points: number;
  readonly summary: string;
  readonly seqs: readonly number[];
}

/** The score after each of `r.recent` (oldest first), reconstructed backwards from the current
 *  score `r.v` at `r.at`: before a signal the score was the score after it minus its points,
 *  and between signals it decayed with the half-life — so the last step plus decay to `r.at`
 *  gives `r.v` exactly. Forced containments (decoys) floor the score, so steps before one are
 *  approximations bounded below by 0. */
export function riskTrajectory(cfg: RiskConfig, r: Pick<RiskState, 'v' | 'at' | 'recent'>): RiskStep[] {
  const steps: RiskStep[] = [];
  let after = r.v;
  let at = r.at;
  for (let i = r.recent.length - 1; i >= 0; i--) {
    const s = r.recent[i]!;
    after = after * 2 ** ((at - s.t) / (cfg.halfLifeHours * HOUR_MS)); // undo the decay from s.t to `at`
    steps.push({ t: s.t, risk: Math.round(Math.max(0, after) * 1000) / 1000, detector: s.detector, points: s.points, summary: s.summary, seqs: s.seqs });
    after = Math.max(0, after - s.points);
    at = s.t;
  }
  return steps.reverse();
}
