// The seam between the simulator and what it drives: the in-memory model of the broker (fast,
// for the benchmark) or the real broker on PGlite (for stories and the fidelity subset).
import type { RiskAction, Signal } from '../detect/signal.js';
import type { Step } from './tasks.js';
import type { SimAgent } from './world.js';

/** The outcome of one step. `exposed`: customer data was shown at a level above hidden. */
export interface StepResult {
  readonly ok: boolean;
  readonly code?: string;
  readonly exposed?: boolean;
  readonly ticketId?: string;
  readonly requestId?: string;
}

/** What detection reported, for the run's metrics and story. `seq` is the log position. */
export interface DriverHooks {
  onAction(a: RiskAction): void;
  onSignal?(s: Signal): void;
}

/** Runs steps. The model answers synchronously; the broker path returns promises. */
export interface Driver {
  run(step: Step): StepResult | Promise<StepResult>;
  /** Called after every step with the step's time: the broker path integrates the log and runs
   *  the detector consumer (always when `force`, i.e. after an insider's step). */
  settle(t: number, force: boolean): void | Promise<void>;
  /** The roster of `a` changed (the broker path writes detect_agent_profiles). */
  rosterChanged(a: SimAgent, day: number): void | Promise<void>;
  /** Total audit records produced. */
  readonly records: number;
  /** Releases what the driver holds (the broker path's database). */
  close?(): Promise<void>;
}
