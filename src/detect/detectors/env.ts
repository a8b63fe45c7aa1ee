// What every detector receives: the event in a compact form, and the engine's services (the
// configuration and context, peer groups, and `emit` to raise a signal).
import type { AuditRecord } from '../../shared/audit-entry.js';
import type { AgentState, PeerState } from '../agent-state.js';
import type { DetectConfig } from '../config.js';
import type { DetectContext } from '../context.js';
import type { DetectorName } from '../signal.js';

/** One audit record as the detectors read it. `t` is the record's own time in ms (never the
 *  wall clock). */
export interface Ev {
  readonly seq: number;
  readonly t: number;
  readonly action: AuditRecord['action'];
  readonly agentId: string | null;
  readonly customerId: string | null;
  readonly ticketId: string | null;
  readonly allow: boolean;
  readonly fields: AuditRecord['fields'];
  readonly details: AuditRecord['details'];
  readonly reason: string | null;
}

/** The evidence part of a signal. */
export interface Evidence {
  readonly seqs: readonly number[];
  readonly figures: Readonly<Record<string, number>>;
  readonly baseline: Readonly<Record<string, number>>;
  readonly summary: string;
}

/** The engine's services to detectors. */
export interface Env {
  readonly config: DetectConfig;
  readonly ctx: DetectContext;
  /** The peer group of `a`. */
  peerOf(a: AgentState): PeerState;
  /** The states of the other members of `a`'s peer group. */
  peersOf(a: AgentState): readonly AgentState[];
  /** The states of every other agent of `a`'s role (the fallback peer group). */
  roleMatesOf(a: AgentState): readonly AgentState[];
  /** Raises a signal of `points` (> 0) against `a` for event `ev`. */
  emit(a: AgentState, ev: Ev, detector: DetectorName, points: number, evidence: Evidence): void;
}

/** Rounds for display in explanations (3 significant decimals). */
export function r3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
