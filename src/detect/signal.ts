// The outputs of detection: a Signal is one detector's evidence against one agent (with the
// events, baseline and figures behind it); a RiskAction is a threshold the agent's decaying
// risk score crossed (alert, step-up, contain) or an immediate one (decoy, budget).
// docs/design/detect.md "Signals and risk".

/** Every detector. */
export const DETECTORS = [
  'decoy', 'budget', 'volume_hour', 'volume_day', 'lookup_followup', 'balance_skew', 'verify_probing', 'reveal_rate',
  'off_shift', 'new_device', 'new_network', 'dormant', 'collusion', 'first_purpose', 'reaccess', 'lookup_miss',
  'session_binding', 'denials', 'stalking',
] as const;

/** A detector's name. */
export type DetectorName = (typeof DETECTORS)[number];

/** One piece of evidence. `points` add to the agent's risk; `seqs` are the audit-log sequence
 *  numbers of the events behind it (at most 20, newest last); `figures` are what was observed
 *  and `baseline` what was expected (numbers only, never customer data). */
export interface Signal {
  readonly detector: DetectorName;
  readonly agentId: string;
  /** Event time in ms since the epoch. */
  readonly t: number;
  readonly seq: number;
  readonly points: number;
  readonly seqs: readonly number[];
  readonly figures: Readonly<Record<string, number>>;
  readonly baseline: Readonly<Record<string, number>>;
  readonly summary: string;
}

/** The kinds of response. */
export type ActionKind = 'alert' | 'step_up' | 'contain' | 'budget' | 'decoy' | 'clear_step_up';

/** A response the engine asks for. `signals` explain it (the agent's recent evidence, newest
 *  last); `threshold` is the level crossed (0 for budget and decoy, which act at once). */
export interface RiskAction {
  readonly kind: ActionKind;
  readonly agentId: string;
  readonly t: number;
  readonly seq: number;
  readonly risk: number;
  readonly threshold: number;
  readonly summary: string;
  readonly signals: readonly Signal[];
}

/** True for the actions that suspend the agent. */
export function isContainment(a: RiskAction): boolean {
  return a.kind === 'contain' || a.kind === 'decoy';
}
